package io.custos.server;

import static io.custos.server.Schemas.obj;
import static io.custos.server.Schemas.str;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.audit.AuditLog;
import io.custos.crypto.SecretBytes;
import io.custos.failure.CustosException;
import io.custos.failure.InvalidInputException;
import io.custos.kms.Ciphertext;
import io.custos.kms.Cryptoperiod;
import io.custos.kms.InventoryEntry;
import io.custos.kms.KeyManager;
import io.custos.kms.KeyPurpose;
import io.custos.kms.KeySpec;
import io.custos.kms.KeyState;
import io.custos.kms.ManagedKey;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code /v1/keys}: the key-management service over HTTP, shaped like Vault's Transit engine
 * (binary data as base64 in JSON, {@code batch} arrays with an answer or an error per item).
 * Every call goes through {@link AuditedCall}: the capability is checked on {@code keys/NAME}
 * and the event is recorded on {@code kms/keys/NAME} with the key version and sizes, never
 * plaintext, key material or whole ciphertexts. Plaintext, unwrapped material and data keys
 * are written once, with {@code Cache-Control: no-store}, and overwritten after writing.
 */
public final class KeyRoutes implements RouteModule {
  /** Items one batch request may carry; the request body limit bounds their total size. */
  static final int MAX_BATCH = 1000;
  private static final String TAG = "keys";

  private final KeyManager keys;
  private final AuditedCall call;

  private KeyRoutes(KeyManager keys, AuditLog log, AccessGate gate, boolean devMode) {
    this.keys = keys;
    this.call = new AuditedCall(log, gate, devMode);
  }

  /** The key routes; {@code devMode} makes every caller the dev root. */
  public static RouteModule module(KeyManager keys, AuditLog log, AccessGate gate, boolean devMode) {
    return new KeyRoutes(keys, log, gate, devMode);
  }

  // ---------------------------------------------------------------- documentation

  @Override
  public void register(Registrar r) {
    schemas(r);
    r.add(route("POST", "/v1/keys", "createKey", "Create a managed key: one purpose, one owner, its algorithm and cryptoperiods",
        Map.of(201, "The key", 400, "Invalid request", 403, "Not allowed or forbidden by a control", 409, "Name taken"),
        Map.of(201, "Key"), "CreateKeyRequest"), this::create);
    r.add(route("GET", "/v1/keys", "listKeys", "The key inventory (SS-002 11.5.1): every key, secrets only by location",
        Map.of(200, "Inventory", 403, "Not allowed"), Map.of(200, "KeyInventory"), null), this::inventory);
    r.add(route("GET", "/v1/keys/import-key", "getImportKey",
        "The instance's RSA-3072 import public key (`format` pem, the default, or jwk): wrap keys to it to import them",
        Map.of(200, "PEM or JWK", 400, "Invalid request", 403, "Not allowed"), Map.of(200, "Jwk"), null),
        this::importPublicKey);
    r.add(route("POST", "/v1/keys/import", "importKey",
        "Import a symmetric key (bring your own key), wrapped to the import key as PKCS #11 CKM_RSA_AES_KEY_WRAP",
        Map.of(201, "The key", 400, "Invalid request or material", 403, "Not allowed or forbidden by a control",
            409, "Name taken"), Map.of(201, "Key"), "ImportKeyRequest"), this::importKey);
    r.add(route("GET", "/v1/keys/{name}", "getKey", "A key's metadata (never its material)",
        Map.of(200, "The key", 403, "Not allowed", 404, "No such key"), Map.of(200, "Key"), null), this::show);
    r.add(route("GET", "/v1/keys/{name}/public", "getPublicKey",
        "The public key of an asymmetric key: `format` pem (default) or jwk, `version` (default newest)",
        Map.of(200, "PEM or JWK", 400, "Symmetric key", 404, "No such key or version"), Map.of(200, "Jwk"), null),
        this::publicKey);
    r.add(route("POST", "/v1/keys/{name}/rotate", "rotateKey", "Add a version; new protection uses it",
        Map.of(200, "The key", 409, "Not active"), Map.of(200, "Key"), null), this::rotate);
    r.add(route("POST", "/v1/keys/{name}/state", "changeKeyState",
        "Move a key to another NIST SP 800-57 state (destroying erases its material)",
        Map.of(200, "The key", 409, "Transition not allowed"), Map.of(200, "Key"), "StateRequest"), this::state);
    r.add(op("encrypt", "encrypt", "Encrypt up to 1 MiB (or a batch) under the newest version", "EncryptRequest", "EncryptResponse"),
        this::encrypt);
    r.add(op("decrypt", "decrypt", "Decrypt ciphertexts this key made (plaintext answers are no-store)", "DecryptRequest",
        "DecryptResponse"), this::decrypt);
    r.add(op("rewrap", "rewrap", "Move ciphertexts to the newest version without revealing the plaintext", "RewrapRequest",
        "EncryptResponse"), this::rewrap);
    r.add(op("datakey", "generateDataKey", "A fresh 256-bit data key for envelope encryption, encrypted under the key",
        "DataKeyRequest", "DataKeyResponse"), this::dataKey);
    r.add(op("sign", "sign", "Sign up to 1 MiB (or a batch) with the newest version", "SignRequest", "SignResponse"), this::sign);
    r.add(op("verify", "verify", "Verify signatures this key made", "VerifyRequest", "VerifyResponse"), this::verify);
    r.add(op("mac", "mac", "MAC up to 1 MiB (or a batch)", "MacRequest", "MacResponse"), this::mac);
    r.add(op("verify-mac", "verifyMac", "Verify MACs this key made", "VerifyMacRequest", "VerifyResponse"), this::verifyMac);
    r.add(op("wrap", "wrapKey", "Wrap another managed key, or key material declared by algorithm", "WrapRequest",
        "WrapResponse"), this::wrap);
    r.add(op("unwrap", "unwrapKey", "Unwrap key material (answer is no-store)", "UnwrapRequest", "UnwrapResponse"),
        this::unwrap);
    r.add(op("backup", "backupKey", "A backup of every live version, wrapped under a wrap key (SS-002 11.4.1)",
        "BackupRequest", "BackupResponse"), this::backup);
    r.add(route("POST", "/v1/keys/restore", "restoreKey", "Restore a backup, under its own name or `as`",
        Map.of(201, "The key", 403, "Forbidden by a control", 409, "Name taken"), Map.of(201, "Key"), "RestoreRequest"),
        this::restore);
  }

  private static ApiRoute route(String method, String path, String id, String summary, Map<Integer, String> responses,
      Map<Integer, String> schemas, String request) {
    return new ApiRoute(method, path, id, summary, TAG, responses, schemas, Optional.ofNullable(request));
  }

  private static ApiRoute op(String verb, String id, String summary, String request, String response) {
    return route("POST", "/v1/keys/{name}/" + verb, id, summary,
        Map.of(200, "OK", 400, "Invalid request", 403, "Not allowed or forbidden by a control", 404, "No such key"),
        Map.of(200, response), request);
  }

  private static Map<String, Object> b64(String description) {
    return Map.of("type", "string", "contentEncoding", "base64", "description", description);
  }

  private static Map<String, Object> bool(String description) {
    return Map.of("type", "boolean", "description", description);
  }

  /** A single request, or {@code batch}: an array of single requests. */
  private static Map<String, Object> batchable(Map<String, Object> item) {
    Map<String, Object> s = new LinkedHashMap<>(item);
    s.remove("required");
    @SuppressWarnings("unchecked")
    Map<String, Object> props = new LinkedHashMap<>((Map<String, Object>) item.get("properties"));
    props.put("batch", Map.of("type", "array", "maxItems", MAX_BATCH, "items", item,
        "description", "many items in one request; answered item by item"));
    s.put("properties", props);
    return s;
  }

  private static Map<String, Object> answers(Map<String, Object> item) {
    Map<String, Object> withError = new LinkedHashMap<>(item);
    @SuppressWarnings("unchecked")
    Map<String, Object> props = new LinkedHashMap<>((Map<String, Object>) item.get("properties"));
    props.put("error", str("why this batch item failed"));
    props.put("code", str("the failure kind, e.g. invalid-input"));
    props.put("control", str("the control that forbade it, if one did"));
    withError.put("properties", props);
    Map<String, Object> s = new LinkedHashMap<>(item);
    @SuppressWarnings("unchecked")
    Map<String, Object> top = new LinkedHashMap<>((Map<String, Object>) item.get("properties"));
    top.put("batch", Map.of("type", "array", "items", withError));
    s.put("properties", top);
    return s;
  }

  private static void schemas(Registrar r) {
    Map<String, Object> time = Map.of("type", "string", "format", "date-time");
    Map<String, Object> createRequest = obj(List.of("name", "purpose", "algorithm", "owner"),
        "name", str("[a-z0-9][a-z0-9._-]{0,63}, never reused"),
        "purpose", Map.of("type", "string", "enum", List.of("encrypt", "sign", "wrap", "mac")),
        "algorithm", str("aes-256-gcm, aes-256-kwp, hmac-sha256, hmac-sha384, ecdsa-p256, ecdsa-p384, ed25519, "
            + "rsa-3072, rsa-4096, ml-dsa-44, ml-dsa-65, ml-dsa-87, ml-kem-768, ml-kem-1024"),
        "owner", str("the one principal the key belongs to"),
        "originator_usage", str("how long each version protects, e.g. 1y"),
        "recipient_usage", str("how long each version processes, e.g. 4y"),
        "rotate_every", str("automatic rotation interval, e.g. 90d"),
        "escrow", Map.of("type", "string", "enum", List.of("required", "none")),
        "retain_until", str("ISO date or instant: the key and its backups are destroyed then"),
        "activate_at", str("instant of activation; pre-activation until then"),
        "ca", bool("a CA key: never backed up, escrowed or exported"));
    r.schema("CreateKeyRequest", createRequest);
    @SuppressWarnings("unchecked")
    Map<String, Object> importProps = new LinkedHashMap<>((Map<String, Object>) createRequest.get("properties"));
    importProps.put("wrapped", str("base64 of RSA-OAEP-SHA-256(one-time AES-256 key) (384 bytes) followed by AES-KWP "
        + "(RFC 5649) of the key under it, as PKCS #11 CKM_RSA_AES_KEY_WRAP; or custos:v1: text of a wrap key"));
    r.schema("ImportKeyRequest", Map.of("type", "object", "required",
        List.of("name", "purpose", "algorithm", "owner", "wrapped"), "properties", importProps));
    Map<String, Object> version = obj(List.of(), "version", Map.of("type", "integer"), "activated_at", time,
        "originator_usage_end", time, "recipient_usage_end", time);
    r.schema("Key", obj(List.of(), "name", str(""), "id", str("stable across backup and restore"), "owner", str(""),
        "purpose", str(""), "algorithm", str(""), "state", str("NIST SP 800-57 state"), "state_reason", str(""),
        "created_at", time, "state_changed_at", time, "originator_usage", str(""), "recipient_usage", str(""),
        "originator_usage_end", time, "recipient_usage_end", time, "rotate_every", str(""),
        "escrow_required", bool(""), "escrow", str(""), "retain_until", time, "ca", bool(""),
        "origin", str("generated (in the validated module) or imported"), "versions", Map.of("type", "array", "items", version), "last_backup", obj(List.of(),
            "through_version", Map.of("type", "integer"), "at", time, "wrapped_with", str(""))));
    r.schema("KeyInventory", obj(List.of(), "keys", Map.of("type", "array", "items", obj(List.of(),
        "name", str(""), "id", str(""), "owner", str(""), "purpose", str(""), "algorithm", str(""),
        "size_bits", Map.of("type", "integer"), "security_strength", Map.of("type", "integer"), "state", str(""),
        "versions", Map.of("type", "integer"), "created", time, "activation", time, "originator_usage_end", time,
        "recipient_usage_end", time, "retain_until", time, "rotate_every", str(""), "escrow", str(""),
        "last_backup", time, "ca", bool(""), "origin", str("generated (in the validated module) or imported"),
        "protected_by", str(""), "performed_by", str(""),
        "location", str("where the secret is, never the secret")))));
    r.schema("Jwk", obj(List.of("kty"), "kty", str("EC, RSA, OKP or AKP"), "crv", str(""), "x", str(""), "y", str(""),
        "n", str(""), "e", str(""), "alg", str(""), "pub", str("AKP: the raw public key, base64url"), "kid", str("")));
    r.schema("StateRequest", obj(List.of("state"), "state", Map.of("type", "string", "enum",
        List.of("active", "suspended", "deactivated", "compromised", "destroyed", "destroyed-compromised")),
        "reason", str("why, for the record")));
    r.schema("EncryptRequest", batchable(obj(List.of("plaintext"), "plaintext", b64("at most 1 MiB"),
        "aad", b64("associated data, at most 64 KiB; `context` is accepted too"))));
    r.schema("EncryptResponse", answers(obj(List.of(), "ciphertext", str("custos:v1:<key>:<version>:<base64url>"))));
    r.schema("DecryptRequest", batchable(obj(List.of("ciphertext"), "ciphertext", str(""), "aad", b64(""),
        "allow_compromised", bool("process under a compromised key (audited)"))));
    r.schema("DecryptResponse", answers(obj(List.of(), "plaintext", b64(""))));
    r.schema("RewrapRequest", batchable(obj(List.of("ciphertext"), "ciphertext", str(""), "aad", b64(""))));
    r.schema("DataKeyRequest", obj(List.of(), "aad", b64(""), "plaintext", bool("also return the data key itself")));
    r.schema("DataKeyResponse", obj(List.of(), "ciphertext", str(""), "plaintext", b64("only if asked for")));
    r.schema("SignRequest", batchable(obj(List.of("input"), "input", b64("the message, at most 1 MiB"))));
    r.schema("SignResponse", answers(obj(List.of(), "signature", str("custos:v1:<key>:<version>:<base64url>"))));
    r.schema("VerifyRequest", batchable(obj(List.of("input", "signature"), "input", b64(""), "signature", str(""),
        "allow_compromised", bool(""))));
    r.schema("VerifyResponse", answers(obj(List.of(), "valid", bool(""))));
    r.schema("MacRequest", batchable(obj(List.of("input"), "input", b64(""))));
    r.schema("MacResponse", answers(obj(List.of(), "mac", str(""))));
    r.schema("VerifyMacRequest", batchable(obj(List.of("input", "mac"), "input", b64(""), "mac", str(""),
        "allow_compromised", bool(""))));
    r.schema("WrapRequest", obj(List.of(), "key", str("another managed key to wrap"),
        "blob", b64("key material to wrap"), "algorithm", str("what the blob is, e.g. aes-256-gcm")));
    r.schema("WrapResponse", obj(List.of(), "wrapped", str("")));
    r.schema("UnwrapRequest", obj(List.of("wrapped"), "wrapped", str(""), "allow_compromised", bool("")));
    r.schema("UnwrapResponse", obj(List.of(), "algorithm", str(""), "material", b64("")));
    r.schema("BackupRequest", obj(List.of("wrap_with"), "wrap_with", str("the wrap key the backup goes under")));
    r.schema("BackupResponse", obj(List.of(), "backup", str("custos-backup-v1:<wrap key>:<version>:<base64url>")));
    r.schema("RestoreRequest", obj(List.of("backup"), "backup", str(""), "as", str("restore under this name")));
  }

  // ---------------------------------------------------------------- lifecycle

  /** The fields of a creation (and, with {@code wrapped}, an import) request. */
  private static final Set<String> SPEC_FIELDS = Set.of("name", "purpose", "algorithm", "owner", "originator_usage",
      "recipient_usage", "rotate_every", "escrow", "retain_until", "activate_at", "ca");

  private void create(Context ctx) {
    JsonNode body = fields(Json.body(ctx), SPEC_FIELDS);
    Map<String, String> params = new LinkedHashMap<>();
    KeySpec spec = spec(body, params);
    run(ctx, "kms:create", "kms.key.create", spec.name(), params, caller -> {
      ManagedKey k = keys.create(caller, spec);
      params.put("state", k.state().id());
      params.put("version", "1");
      return () -> Json.respond(ctx, 201, keyJson(k));
    });
  }

  /**
   * Bring your own key: {@code wrapped} is the key wrapped to the instance's import key
   * (CKM_RSA_AES_KEY_WRAP, base64) or {@code custos:v1:} text of a wrap key this instance holds.
   * The wrapped material never reaches the audit event; its size does.
   */
  private void importKey(Context ctx) {
    Set<String> allowed = new java.util.HashSet<>(SPEC_FIELDS);
    allowed.add("wrapped");
    JsonNode body = fields(Json.body(ctx), allowed);
    String wrapped = text(body, "wrapped", true);
    Map<String, String> params = new LinkedHashMap<>();
    KeySpec spec = spec(body, params);
    params.put("wrapped_form", wrapped.trim().startsWith(Ciphertext.PREFIX) ? "custos-wrap-key" : "rsa-aes-key-wrap");
    params.put("wrapped_chars", String.valueOf(wrapped.length()));
    run(ctx, "kms:import", "kms.key.import", spec.name(), params, caller -> {
      ManagedKey k = keys.importKey(caller, spec, wrapped);
      params.put("state", k.state().id());
      params.put("version", "1");
      return () -> Json.respond(ctx, 201, keyJson(k));
    });
  }

  /** The instance's import public key (RSA-3072) as PEM or JWK; capability kms:import on keys/*. */
  private void importPublicKey(Context ctx) {
    String format = Optional.ofNullable(ctx.queryParam("format")).orElse("pem");
    if (!format.equals("pem") && !format.equals("jwk")) {
      throw new InvalidInputException("query parameter 'format' must be pem or jwk, got '" + format + "'");
    }
    Map<String, String> params = new LinkedHashMap<>();
    params.put("format", format);
    call.run(ctx, Optional.of("kms:import"), "keys/*", "kms.key.import_key", "kms/import-key", params, () -> {
      byte[] spki = keys.importPublicKey(call.caller(ctx));
      return () -> {
        if (format.equals("pem")) {
          ctx.status(200).contentType("application/x-pem-file").result(PublicKeyJwk.pem(spki));
        } else {
          Map<String, Object> jwk = new LinkedHashMap<>(
              PublicKeyJwk.jwk(io.custos.crypto.KeyPairType.RSA_3072, spki, "custos-import-key"));
          jwk.put("use", "enc");
          jwk.put("alg", "RSA-OAEP-256");
          Json.respond(ctx, 200, "application/jwk+json", jwk);
        }
      };
    });
  }

  private static KeySpec spec(JsonNode body, Map<String, String> params) {
    String name = text(body, "name", true);
    KeyPurpose purpose = KeyPurpose.parse(text(body, "purpose", true));
    String algorithm = text(body, "algorithm", true);
    String owner = text(body, "owner", true);
    Optional<Duration> originator = optText(body, "originator_usage").map(t -> Cryptoperiod.parseDuration(t, "originator_usage"));
    Optional<Duration> recipient = optText(body, "recipient_usage").map(t -> Cryptoperiod.parseDuration(t, "recipient_usage"));
    Optional<Cryptoperiod> period = Optional.empty();
    if (originator.isPresent() || recipient.isPresent()) {
      Cryptoperiod d = Cryptoperiod.defaultFor(purpose);
      Duration o = originator.orElse(d.originatorUsage());
      Duration rcp = recipient.orElse(o.plus(d.recipientUsage().minus(d.originatorUsage())));
      period = Optional.of(new Cryptoperiod(o, rcp));
    }
    Optional<Duration> rotate = optText(body, "rotate_every").map(t -> Cryptoperiod.parseDuration(t, "rotate_every"));
    String escrow = optText(body, "escrow").orElse("none");
    if (!escrow.equals("required") && !escrow.equals("none")) {
      throw new InvalidInputException("'escrow' must be required or none, got '" + escrow + "'");
    }
    Optional<Instant> retain = optText(body, "retain_until").map(t -> instant(t, "retain_until"));
    Optional<Instant> activate = optText(body, "activate_at").map(t -> instant(t, "activate_at"));
    boolean ca = bool(body, "ca");
    KeySpec spec = new KeySpec(name, purpose, algorithm, owner, period, rotate, escrow.equals("required"), retain,
        activate, ca);
    params.put("purpose", purpose.id());
    params.put("algorithm", algorithm);
    params.put("owner", owner);
    params.put("escrow", escrow);
    rotate.ifPresent(d -> params.put("rotate_every", Cryptoperiod.format(d)));
    retain.ifPresent(i -> params.put("retain_until", i.toString()));
    activate.ifPresent(i -> params.put("activate_at", i.toString()));
    if (ca) {
      params.put("ca", "true");
    }
    return spec;
  }

  private void inventory(Context ctx) {
    Map<String, String> params = new LinkedHashMap<>();
    call.run(ctx, Optional.of("kms:list"), "keys/*", "kms.key.list", "kms/keys/*", params, () -> {
      List<InventoryEntry> all = keys.inventory(call.caller(ctx));
      params.put("count", String.valueOf(all.size()));
      List<Map<String, Object>> rows = all.stream().map(KeyRoutes::entryJson).toList();
      return () -> Json.respond(ctx, 200, Map.of("keys", rows));
    });
  }

  private void show(Context ctx) {
    String name = ctx.pathParam("name");
    run(ctx, "kms:read", "kms.key.read", name, new LinkedHashMap<>(), caller -> {
      ManagedKey k = keys.get(caller, name);
      return () -> Json.respond(ctx, 200, keyJson(k));
    });
  }

  private void publicKey(Context ctx) {
    String name = ctx.pathParam("name");
    String format = Optional.ofNullable(ctx.queryParam("format")).orElse("pem");
    if (!format.equals("pem") && !format.equals("jwk")) {
      throw new InvalidInputException("query parameter 'format' must be pem or jwk, got '" + format + "'");
    }
    int version = Optional.ofNullable(ctx.queryParam("version")).map(v -> {
      try {
        int n = Integer.parseInt(v);
        if (n >= 1) {
          return n;
        }
      } catch (NumberFormatException e) {
        // refused below
      }
      throw new InvalidInputException("query parameter 'version' must be a version number from 1, got '" + v + "'");
    }).orElse(0);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("format", format);
    run(ctx, "kms:read", "kms.key.public", name, params, caller -> {
      KeyManager.PublicKey pk = keys.publicKey(caller, name, version);
      params.put("version", String.valueOf(pk.version()));
      return () -> {
        ctx.header("X-Custos-Key-Version", String.valueOf(pk.version()));
        if (format.equals("pem")) {
          ctx.status(200).contentType("application/x-pem-file").result(PublicKeyJwk.pem(pk.spki()));
        } else {
          Json.respond(ctx, 200, "application/jwk+json",
              PublicKeyJwk.jwk(pk.type(), pk.spki(), pk.keyName() + ":" + pk.version()));
        }
      };
    });
  }

  private void rotate(Context ctx) {
    String name = ctx.pathParam("name");
    Map<String, String> params = new LinkedHashMap<>();
    run(ctx, "kms:rotate", "kms.key.rotate", name, params, caller -> {
      ManagedKey k = keys.rotate(caller, name);
      params.put("version", String.valueOf(k.newest().number()));
      return () -> Json.respond(ctx, 200, keyJson(k));
    });
  }

  private void state(Context ctx) {
    String name = ctx.pathParam("name");
    JsonNode body = fields(Json.body(ctx), Set.of("state", "reason"));
    String stateText = text(body, "state", true);
    KeyState target = KeyState.parse(stateText);
    if (target == KeyState.PRE_ACTIVATION) {
      throw new InvalidInputException("no key returns to pre-activation (NIST SP 800-57 5.3)");
    }
    String reason = optText(body, "reason").orElse("");
    if (reason.length() > 512) {
      throw new InvalidInputException("'reason' is longer than 512 characters");
    }
    String capability = switch (target) {
      case DESTROYED, DESTROYED_COMPROMISED -> "kms:destroy";
      case COMPROMISED -> "kms:compromise";
      default -> "kms:manage";
    };
    String action = "kms.key." + switch (target) {
      case ACTIVE -> "activate";
      case SUSPENDED -> "suspend";
      case DEACTIVATED -> "deactivate";
      case COMPROMISED -> "compromise";
      default -> "destroy";
    };
    Map<String, String> params = new LinkedHashMap<>();
    params.put("state", target.id());
    if (!reason.isEmpty()) {
      params.put("reason", reason);
    }
    run(ctx, capability, action, name, params, caller -> {
      ManagedKey k = keys.transition(caller, name, target, reason);
      return () -> Json.respond(ctx, 200, keyJson(k));
    });
  }

  private void restore(Context ctx) {
    JsonNode body = fields(Json.body(ctx), Set.of("backup", "as"));
    String backup = text(body, "backup", true);
    Optional<String> as = optText(body, "as");
    Map<String, String> params = new LinkedHashMap<>();
    as.ifPresent(a -> params.put("as", a));
    String target = as.orElse("*");
    call.run(ctx, Optional.of("kms:restore"), "keys/" + target, "kms.key.restore", "kms/keys/" + target, params, () -> {
      ManagedKey k = keys.restore(call.caller(ctx), backup, as);
      params.put("key", k.name());
      params.put("versions", String.valueOf(k.versions().size()));
      return () -> Json.respond(ctx, 201, keyJson(k));
    });
  }

  private void backup(Context ctx) {
    String name = ctx.pathParam("name");
    JsonNode body = fields(Json.body(ctx), Set.of("wrap_with"));
    String wrapWith = text(body, "wrap_with", true);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("wrap_with", wrapWith);
    run(ctx, "kms:backup", "kms.key.backup", name, params, caller -> {
      String b = keys.backup(caller, name, wrapWith);
      params.put("bytes_out", String.valueOf(b.length()));
      return () -> Json.respond(ctx, 200, Map.of("backup", b));
    });
  }

  // ---------------------------------------------------------------- operations

  /** What the operations did, for the audit event. */
  private static final class Usage {
    final AtomicInteger version = new AtomicInteger();
    final AtomicLong bytesIn = new AtomicLong();
    final AtomicLong bytesOut = new AtomicLong();
    final AtomicInteger failed = new AtomicInteger();

    void version(String text) {
      version.accumulateAndGet(Ciphertext.versionOf(text), Math::max); // 0: not a ciphertext, nothing to record
    }
  }

  /** One item's work: its answer (fields to write). */
  private interface ItemWork {
    Map<String, Object> apply(Caller caller, JsonNode item, Usage usage);
  }

  private void encrypt(Context ctx) {
    items(ctx, "kms:encrypt", "kms.encrypt", Set.of("plaintext", "aad", "context"), false, (caller, item, u) -> {
      byte[] plain = bytes(item, "plaintext", true);
      try {
        u.bytesIn.addAndGet(plain.length);
        String c = keys.encrypt(caller, name(ctx), plain, aad(item));
        u.version(c);
        return Map.of("ciphertext", c);
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    });
  }

  private void decrypt(Context ctx) {
    items(ctx, "kms:decrypt", "kms.decrypt", Set.of("ciphertext", "aad", "context", "allow_compromised"), true,
        (caller, item, u) -> {
          String c = text(item, "ciphertext", true);
          u.version(c);
          SecretBytes plain = keys.decrypt(caller, name(ctx), c, aad(item), bool(item, "allow_compromised"));
          u.bytesOut.addAndGet(plain.length());
          return Map.of("plaintext", plain);
        });
  }

  private void rewrap(Context ctx) {
    items(ctx, "kms:rewrap", "kms.rewrap", Set.of("ciphertext", "aad", "context"), false, (caller, item, u) -> {
      String c = keys.rewrap(caller, name(ctx), text(item, "ciphertext", true), aad(item));
      u.version(c);
      return Map.of("ciphertext", c);
    });
  }

  private void sign(Context ctx) {
    items(ctx, "kms:sign", "kms.sign", Set.of("input"), false, (caller, item, u) -> {
      byte[] input = bytes(item, "input", true);
      u.bytesIn.addAndGet(input.length);
      String s = keys.sign(caller, name(ctx), input);
      u.version(s);
      return Map.of("signature", s);
    });
  }

  private void verify(Context ctx) {
    items(ctx, "kms:verify", "kms.verify", Set.of("input", "signature", "allow_compromised"), false, (caller, item, u) -> {
      byte[] input = bytes(item, "input", true);
      String s = text(item, "signature", true);
      u.bytesIn.addAndGet(input.length);
      u.version(s);
      return Map.of("valid", keys.verify(caller, name(ctx), input, s, bool(item, "allow_compromised")));
    });
  }

  private void mac(Context ctx) {
    items(ctx, "kms:mac", "kms.mac", Set.of("input"), false, (caller, item, u) -> {
      byte[] input = bytes(item, "input", true);
      u.bytesIn.addAndGet(input.length);
      String m = keys.mac(caller, name(ctx), input);
      u.version(m);
      return Map.of("mac", m);
    });
  }

  private void verifyMac(Context ctx) {
    items(ctx, "kms:verify-mac", "kms.verify_mac", Set.of("input", "mac", "allow_compromised"), false, (caller, item, u) -> {
      byte[] input = bytes(item, "input", true);
      String m = text(item, "mac", true);
      u.bytesIn.addAndGet(input.length);
      u.version(m);
      return Map.of("valid", keys.verifyMac(caller, name(ctx), input, m, bool(item, "allow_compromised")));
    });
  }

  private void dataKey(Context ctx) {
    String name = name(ctx);
    JsonNode body = fields(Json.body(ctx), Set.of("aad", "context", "plaintext"));
    byte[] aad = aad(body);
    boolean withPlaintext = bool(body, "plaintext");
    Map<String, String> params = new LinkedHashMap<>();
    params.put("plaintext_returned", String.valueOf(withPlaintext));
    run(ctx, "kms:datakey", "kms.datakey", name, params, caller -> {
      KeyManager.DataKey dk = keys.dataKey(caller, name, aad, withPlaintext);
      params.put("version", String.valueOf(versionOf(dk.ciphertext())));
      params.put("bits", "256");
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("ciphertext", dk.ciphertext());
      dk.plaintext().ifPresent(p -> out.put("plaintext", p));
      return () -> {
        try {
          writeSensitive(ctx, 200, out);
        } finally {
          dk.close();
        }
      };
    });
  }

  private void wrap(Context ctx) {
    String name = name(ctx);
    JsonNode body = fields(Json.body(ctx), Set.of("key", "blob", "algorithm"));
    Optional<String> target = optText(body, "key");
    Map<String, String> params = new LinkedHashMap<>();
    if (target.isPresent()) {
      if (body.has("blob") || body.has("algorithm")) {
        throw new InvalidInputException("give either 'key' (a managed key) or 'blob' and 'algorithm', not both");
      }
      params.put("wrapped_key", target.get());
      ApprovalCheck.also(ctx, "kms:export", "keys/" + target.get()); // the wrapped key leaves: export approvals apply
      run(ctx, "kms:wrap", "kms.wrap", name, params, caller -> {
        String w = keys.wrapKey(caller, name, target.get());
        params.put("version", String.valueOf(versionOf(w)));
        return () -> Json.respond(ctx, 200, Map.of("wrapped", w));
      });
      return;
    }
    if (!body.has("blob")) {
      throw new InvalidInputException("body must be {\"key\": \"<managed key>\"} or {\"blob\": \"<base64>\", "
          + "\"algorithm\": \"<key algorithm>\"}");
    }
    String algorithm = text(body, "algorithm", true);
    params.put("algorithm", algorithm);
    byte[] blob = bytes(body, "blob", true);
    params.put("bytes_in", String.valueOf(blob.length));
    SecretBytes material = SecretBytes.adopt(blob);
    try {
      run(ctx, "kms:wrap", "kms.wrap", name, params, caller -> {
        String w = keys.wrapBlob(caller, name, algorithm, material);
        params.put("version", String.valueOf(versionOf(w)));
        return () -> Json.respond(ctx, 200, Map.of("wrapped", w));
      });
    } finally {
      material.close();
    }
  }

  private void unwrap(Context ctx) {
    String name = name(ctx);
    JsonNode body = fields(Json.body(ctx), Set.of("wrapped", "allow_compromised"));
    String wrapped = text(body, "wrapped", true);
    boolean allowCompromised = bool(body, "allow_compromised");
    Map<String, String> params = new LinkedHashMap<>();
    params.put("version", String.valueOf(versionOf(wrapped)));
    if (allowCompromised) {
      params.put("allow_compromised", "true");
    }
    run(ctx, "kms:unwrap", "kms.unwrap", name, params, caller -> {
      KeyManager.Unwrapped u = keys.unwrap(caller, name, wrapped, allowCompromised);
      params.put("algorithm", u.algorithm());
      params.put("bytes_out", String.valueOf(u.material().length()));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("algorithm", u.algorithm());
      out.put("material", u.material());
      return () -> {
        try {
          writeSensitive(ctx, 200, out);
        } finally {
          u.close();
        }
      };
    });
  }

  /**
   * A single item ({@code {"plaintext": …}}) or a batch ({@code {"batch": [{…}, …]}}): each batch
   * item gets its answer or its error. A batch in which every item failed fails as a whole, with
   * the first item's problem, so a wrong key or purpose is one clear refusal.
   */
  private void items(Context ctx, String capability, String action, Set<String> itemFields, boolean sensitive,
      ItemWork work) {
    String name = name(ctx);
    JsonNode body = Json.body(ctx);
    boolean batch = body.has("batch");
    List<JsonNode> items = new ArrayList<>();
    if (batch) {
      fields(body, Set.of("batch"));
      JsonNode b = body.get("batch");
      if (!b.isArray() || b.isEmpty()) {
        throw new InvalidInputException("'batch' must be a non-empty array of objects");
      }
      if (b.size() > MAX_BATCH) {
        throw new InvalidInputException("'batch' has " + b.size() + " items; the limit is " + MAX_BATCH);
      }
      for (int i = 0; i < b.size(); i++) {
        JsonNode item = b.get(i);
        if (!item.isObject()) {
          throw new InvalidInputException("batch[" + i + "] must be an object");
        }
        items.add(item);
      }
    } else {
      fields(body, itemFields);
      items.add(body);
    }
    boolean allowCompromised = items.stream().anyMatch(i -> i.path("allow_compromised").asBoolean(false));
    Map<String, String> params = new LinkedHashMap<>();
    if (batch) {
      params.put("batch", String.valueOf(items.size()));
    }
    if (allowCompromised) {
      params.put("allow_compromised", "true");
    }
    run(ctx, capability, action, name, params, caller -> {
      Usage usage = new Usage();
      List<Map<String, Object>> answers = new ArrayList<>();
      CustosException first = null;
      try {
        for (int i = 0; i < items.size(); i++) {
          JsonNode item = items.get(i);
          try {
            if (batch) {
              fields(item, itemFields, "batch[" + i + "]");
            }
            answers.add(work.apply(caller, item, usage));
          } catch (CustosException e) {
            if (!batch) {
              throw e;
            }
            first = first == null ? e : first;
            usage.failed.incrementAndGet();
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("error", e.getMessage());
            err.put("code", e.code());
            e.control().ifPresent(c -> err.put("control", c));
            answers.add(err);
          }
        }
        if (batch && usage.failed.get() == items.size()) {
          throw first;
        }
      } catch (RuntimeException e) {
        wipe(answers);
        throw e;
      }
      if (usage.version.get() > 0) {
        params.put("version", String.valueOf(usage.version.get()));
      }
      if (usage.bytesIn.get() > 0) {
        params.put("bytes_in", String.valueOf(usage.bytesIn.get()));
      }
      if (usage.bytesOut.get() > 0) {
        params.put("bytes_out", String.valueOf(usage.bytesOut.get()));
      }
      if (batch) {
        params.put("failed", String.valueOf(usage.failed.get()));
      }
      Object out = batch ? Map.of("batch", answers) : answers.getFirst();
      return () -> {
        try {
          if (sensitive) {
            writeSensitive(ctx, 200, out);
          } else {
            Json.respond(ctx, 200, out);
          }
        } finally {
          wipe(answers);
        }
      };
    });
  }

  private static void wipe(List<Map<String, Object>> answers) {
    for (Map<String, Object> a : answers) {
      a.values().forEach(v -> {
        if (v instanceof SecretBytes s) {
          s.close();
        }
      });
    }
  }

  // ---------------------------------------------------------------- writing secrets

  /** A buffer whose contents can be overwritten once written out. */
  private static final class WipeableBuffer extends ByteArrayOutputStream {
    WipeableBuffer(int size) {
      super(size);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      if (count + len > buf.length) {
        byte[] old = buf;
        super.write(b, off, len); // grows, copying
        Arrays.fill(old, (byte) 0);
        return;
      }
      super.write(b, off, len);
    }

    void writeOut(OutputStream out) throws IOException {
      out.write(buf, 0, count);
    }

    void wipe() {
      Arrays.fill(buf, (byte) 0);
      count = 0;
    }
  }

  /**
   * Writes a JSON answer holding {@link SecretBytes} (as base64) straight to the connection, with
   * {@code Cache-Control: no-store}, then overwrites every copy this server made. The secret never
   * becomes a Java string.
   */
  private static void writeSensitive(Context ctx, int status, Object answer) {
    WipeableBuffer buf = new WipeableBuffer(8192);
    try {
      writeJson(buf, answer);
      ctx.status(status);
      ctx.contentType(Json.CONTENT_TYPE);
      ctx.header("Cache-Control", "no-store");
      ctx.header("Pragma", "no-cache");
      OutputStream out = ctx.outputStream();
      buf.writeOut(out);
      out.flush();
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the answer", e);
    } finally {
      buf.wipe();
    }
  }

  private static void writeJson(WipeableBuffer out, Object value) {
    switch (value) {
      case SecretBytes s -> s.use(b -> {
        byte[] enc = Base64.getEncoder().encode(b);
        try {
          out.write('"');
          out.write(enc, 0, enc.length);
          out.write('"');
        } finally {
          Arrays.fill(enc, (byte) 0);
        }
        return null;
      });
      case Map<?, ?> m -> {
        out.write('{');
        Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
        while (it.hasNext()) {
          Map.Entry<?, ?> e = it.next();
          byte[] k = Json.bytes(String.valueOf(e.getKey()));
          out.write(k, 0, k.length);
          out.write(':');
          writeJson(out, e.getValue());
          if (it.hasNext()) {
            out.write(',');
          }
        }
        out.write('}');
      }
      case List<?> l -> {
        out.write('[');
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) {
            out.write(',');
          }
          writeJson(out, l.get(i));
        }
        out.write(']');
      }
      default -> {
        byte[] b = Json.bytes(value);
        out.write(b, 0, b.length);
      }
    }
  }

  // ---------------------------------------------------------------- JSON of keys

  static Map<String, Object> keyJson(ManagedKey k) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", k.name());
    m.put("id", k.id());
    m.put("owner", k.owner());
    m.put("purpose", k.purpose().id());
    m.put("algorithm", k.algorithm().id());
    m.put("state", k.state().id());
    m.put("state_reason", k.stateReason());
    m.put("created_at", k.createdAt().toString());
    m.put("state_changed_at", k.stateChangedAt().toString());
    m.put("originator_usage", Cryptoperiod.format(k.period().originatorUsage()));
    m.put("recipient_usage", Cryptoperiod.format(k.period().recipientUsage()));
    m.put("originator_usage_end", k.originatorUsageEnd().toString());
    m.put("recipient_usage_end", k.recipientUsageEnd().toString());
    m.put("rotate_every", k.rotateEvery().map(Cryptoperiod::format).orElse(null));
    m.put("escrow_required", k.escrowRequired());
    m.put("escrow", k.escrowStatus());
    m.put("retain_until", k.retainUntil().map(Instant::toString).orElse(null));
    m.put("ca", k.ca());
    m.put("origin", k.origin());
    List<Map<String, Object>> versions = new ArrayList<>();
    for (ManagedKey.Version v : k.versions()) {
      Map<String, Object> vm = new LinkedHashMap<>();
      vm.put("version", v.number());
      vm.put("activated_at", v.activatedAt().toString());
      vm.put("originator_usage_end", v.originatorUsageEnd(k.period()).toString());
      vm.put("recipient_usage_end", v.recipientUsageEnd(k.period()).toString());
      versions.add(vm);
    }
    m.put("versions", versions);
    m.put("last_backup", k.lastBackup().map(b -> {
      Map<String, Object> bm = new LinkedHashMap<>();
      bm.put("through_version", b.throughVersion());
      bm.put("at", b.at().toString());
      bm.put("wrapped_with", b.wrappedWith());
      return bm;
    }).orElse(null));
    return m;
  }

  static Map<String, Object> entryJson(InventoryEntry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", e.name());
    m.put("id", e.id());
    m.put("owner", e.owner());
    m.put("purpose", e.purpose());
    m.put("algorithm", e.algorithm());
    m.put("size_bits", e.sizeBits());
    m.put("security_strength", e.securityStrength());
    m.put("state", e.state());
    m.put("versions", e.versions());
    m.put("created", e.created().toString());
    m.put("activation", e.activation().toString());
    m.put("originator_usage_end", e.originatorUsageEnd().toString());
    m.put("recipient_usage_end", e.recipientUsageEnd().toString());
    m.put("retain_until", e.retainUntil().map(Instant::toString).orElse(null));
    m.put("rotate_every", e.rotateEvery().orElse(null));
    m.put("escrow", e.escrow());
    m.put("last_backup", e.lastBackup().map(Instant::toString).orElse(null));
    m.put("ca", e.ca());
    m.put("origin", e.origin());
    m.put("protected_by", e.protectedBy());
    m.put("performed_by", e.performedBy());
    m.put("location", e.location());
    return m;
  }

  // ---------------------------------------------------------------- request helpers

  private interface Work {
    Runnable perform(Caller caller);
  }

  private void run(Context ctx, String capability, String action, String name, Map<String, String> params, Work work) {
    call.run(ctx, Optional.of(capability), "keys/" + name, action, "kms/keys/" + name, params,
        () -> work.perform(call.caller(ctx)));
  }

  private static String name(Context ctx) {
    return ctx.pathParam("name");
  }

  private static JsonNode fields(JsonNode body, Set<String> allowed) {
    return fields(body, allowed, "body");
  }

  private static JsonNode fields(JsonNode body, Set<String> allowed, String where) {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw new InvalidInputException(where + " has an unknown field '" + (f.length() > 64 ? f.substring(0, 64) : f)
            + "'; known fields are " + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
    return body;
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new InvalidInputException("'" + field + "' is required");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidInputException("'" + field + "' must be a string");
    }
    return v.asText();
  }

  private static Optional<String> optText(JsonNode body, String field) {
    return Optional.ofNullable(text(body, field, false)).filter(s -> !s.isBlank());
  }

  private static boolean bool(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new InvalidInputException("'" + field + "' must be true or false");
    }
    return v.asBoolean();
  }

  /** Base64 (standard, or URL-safe) of {@code field}; a 400 naming the field if it is not. */
  static byte[] bytes(JsonNode body, String field, boolean required) {
    String t = text(body, field, required);
    if (t == null) {
      return null;
    }
    try {
      return Base64.getDecoder().decode(t);
    } catch (IllegalArgumentException e) {
      try {
        return Base64.getUrlDecoder().decode(t);
      } catch (IllegalArgumentException e2) {
        throw new InvalidInputException("'" + field + "' is not valid base64");
      }
    }
  }

  /** {@code aad}, or Vault's name for it, {@code context}. */
  private static byte[] aad(JsonNode body) {
    if (body.has("aad") && body.has("context")) {
      throw new InvalidInputException("give 'aad' or 'context' (the same thing), not both");
    }
    return body.has("context") ? bytes(body, "context", false) : bytes(body, "aad", false);
  }

  private static int versionOf(String text) {
    return Ciphertext.versionOf(text);
  }

  /** An instant ({@code 2030-01-01T00:00:00Z}) or a date ({@code 2030-01-01}, midnight UTC). */
  static Instant instant(String text, String field) {
    try {
      return Instant.parse(text.trim());
    } catch (DateTimeParseException e) {
      try {
        return LocalDate.parse(text.trim()).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e2) {
        throw new InvalidInputException("'" + field + "' must be an ISO date (2030-01-01) or instant "
            + "(2030-01-01T00:00:00Z), got '" + (text.length() > 40 ? text.substring(0, 40) : text) + "'");
      }
    }
  }
}
