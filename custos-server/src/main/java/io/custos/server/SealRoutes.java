package io.custos.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessGate;
import io.custos.audit.AuditLog;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.CustodianEnvelope;
import io.custos.failure.InvalidInputException;
import io.custos.seal.Seal;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v1/sys/init}, {@code /v1/sys/unseal}, {@code /v1/sys/seal} and
 * {@code /v1/sys/seal-status}, shaped like Vault's so its habits carry over. Init and unseal
 * need no token (possession of the shares is the authority); sealing needs
 * {@code operator:seal}. Shares and tokens never reach the audit log.
 */
public final class SealRoutes implements RouteModule {
  static final int MAX_CUSTODIAN_KEYS = 16;
  static final int MAX_CUSTODIAN_KEY_CHARS = 64 * 1024;

  private final Seal seal;
  private final AuditLog log;
  private final AuditedCall call;
  private final Optional<Map<String, Object>> crypto;

  private SealRoutes(Seal seal, AuditLog log, AccessGate gate, boolean devMode, Optional<Map<String, Object>> crypto) {
    this.seal = seal;
    this.log = log;
    this.call = new AuditedCall(log, gate, devMode);
    this.crypto = crypto;
  }

  public static RouteModule module(Seal seal, AuditLog log, AccessGate gate, boolean devMode) {
    return new SealRoutes(seal, log, gate, devMode, Optional.empty());
  }

  /**
   * The seal routes of a node whose status also says which cryptographic module performs and
   * protects what (SS-002 11.1.1, 11.5.1): the validated module for random numbers, the barrier,
   * key generation and symmetric keys; {@code provider} for each asymmetric key type.
   */
  public static RouteModule module(Seal seal, AuditLog log, AccessGate gate, boolean devMode, CryptoModule module,
      AsymmetricProvider provider) {
    return new SealRoutes(seal, log, gate, devMode, Optional.of(cryptoModules(module, provider)));
  }

  /** The {@code crypto} object of the seal status. */
  static Map<String, Object> cryptoModules(CryptoModule module, AsymmetricProvider provider) {
    String m = module.name();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("drbg", m + " HMAC_DRBG SHA-512 (NIST SP 800-90A)");
    out.put("barrier", "AES-256-GCM (" + m + ")");
    out.put("key_generation", m + " from its DRBG; ML-DSA and ML-KEM by the JDK's generators drawing on the same DRBG");
    out.put("symmetric", "AES-256-GCM, AES-KWP, HMAC-SHA-256/384 (" + m + ")");
    Map<String, Object> asymmetric = new LinkedHashMap<>();
    AsymmetricProviders.performers(provider).forEach((type, performer) ->
        asymmetric.put(type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), performer));
    out.put("asymmetric", asymmetric);
    out.put("provider", provider.name());
    return java.util.Collections.unmodifiableMap(out);
  }

  @Override
  public void register(Registrar r) {
    r.schema("SealStatus", Map.of("type", "object", "properties", Map.of(
        "initialized", Map.of("type", "boolean"), "sealed", Map.of("type", "boolean"),
        "t", Map.of("type", "integer", "description", "threshold"), "n", Map.of("type", "integer"),
        "progress", Map.of("type", "integer"), "state", Map.of("type", "string"),
        "crypto", Map.of("type", "object", "description", "which module performs and protects what: drbg, barrier, "
            + "key_generation, symmetric, asymmetric (per key type), provider"))));
    r.schema("InitRequest", Map.of("type", "object", "required", List.of("secret_shares", "secret_threshold"),
        "properties", Map.of("secret_shares", Map.of("type", "integer", "minimum", 1, "maximum", 16),
            "secret_threshold", Map.of("type", "integer", "minimum", 1, "maximum", 16),
            "custodian_keys", Map.of("type", "array", "maxItems", MAX_CUSTODIAN_KEYS,
                "items", Map.of("type", "string", "maxLength", MAX_CUSTODIAN_KEY_CHARS),
                "description", "Optional, like Vault's pgp_keys: one PEM certificate or public key per share"
                    + " (RSA >= 3072 bits, EC P-256/P-384), in order; each share is returned encrypted to its"
                    + " key as custos-share-enc-v1:... and never leaves the server in the clear"))));
    r.schema("InitResponse", Map.of("type", "object", "properties", Map.of(
        "shares", Map.of("type", "array", "items", Map.of("type", "string")),
        "threshold", Map.of("type", "integer"), "root_token", Map.of("type", "string"),
        "encrypted_to", Map.of("type", "array", "items", Map.of("type", "string"),
            "description", "With custodian_keys: SHA-256 (hex) of each share's recipient SubjectPublicKeyInfo"))));
    r.schema("UnsealRequest", Map.of("type", "object", "properties", Map.of(
        "key", Map.of("type", "string", "description", "one unseal share (decrypted, if it was encrypted to a custodian key)"),
        "reset", Map.of("type", "boolean"))));
    r.add(new ApiRoute("GET", "/v1/sys/seal-status", "getSealStatus", "Seal state and unseal progress", "sys",
        Map.of(200, "Status"), Map.of(200, "SealStatus"), Optional.empty()), this::status);
    r.add(new ApiRoute("PUT", "/v1/sys/init", "init",
        "Create the root of trust once: M-of-N unseal shares and the initial root token, shown once", "sys",
        Map.of(200, "Shares and root token", 409, "Already initialised"), Map.of(200, "InitResponse"),
        Optional.of("InitRequest")), this::init);
    r.add(new ApiRoute("PUT", "/v1/sys/unseal", "unseal", "Submit one unseal share (or reset progress)", "sys",
        Map.of(200, "Status"), Map.of(200, "SealStatus"), Optional.of("UnsealRequest")), this::unseal);
    r.add(new ApiRoute("PUT", "/v1/sys/rotate", "rotate",
        "Add a barrier key version; records move to it in the background (rewrap)", "sys",
        Map.of(200, "The new key version", 403, "Not allowed"), Map.of(), Optional.empty()), this::rotate);
    r.add(new ApiRoute("PUT", "/v1/sys/seal", "seal", "Wipe all key material from memory", "sys",
        Map.of(204, "Sealed", 403, "Not allowed"), Map.of(), Optional.empty()), this::sealNow);
  }

  private void status(Context ctx) {
    Json.respond(ctx, 200, statusBody());
  }

  private Map<String, Object> statusBody() {
    Seal.Status s = seal.status();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("initialized", s.state().initialised());
    body.put("sealed", s.state().sealed());
    body.put("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
    body.put("t", s.threshold());
    body.put("n", s.shares());
    body.put("progress", s.progress());
    body.put("type", "shamir");
    body.put("barrier", s.keyringCipher());
    crypto.ifPresent(c -> body.put("crypto", c));
    return body;
  }

  private void init(Context ctx) {
    JsonNode body = Json.body(ctx);
    int shares = intField(body, "secret_shares");
    int threshold = intField(body, "secret_threshold");
    List<String> custodianKeys = custodianKeys(body);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("shares", String.valueOf(shares));
    params.put("threshold", String.valueOf(threshold));
    if (!custodianKeys.isEmpty()) {
      params.put("custodian_keys", String.valueOf(custodianKeys.size()));
    }
    call.run(ctx, Optional.empty(), "operator.init", "sys/seal", params, () -> {
      Seal.InitResult r = seal.init(shares, threshold, false, Optional.empty(), custodianKeys);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("shares", r.shares());
      out.put("keys", r.shares());
      out.put("threshold", r.threshold());
      out.put("root_token", r.rootToken());
      if (r.encrypted()) {
        out.put("encrypted_to", r.encryptedTo());
      }
      return () -> {
        ctx.header("Cache-Control", "no-store");
        Json.respond(ctx, 200, out);
      };
    });
  }

  private void unseal(Context ctx) {
    JsonNode body = Json.body(ctx);
    if (body.path("reset").asBoolean(false)) {
      call.run(ctx, Optional.empty(), "operator.unseal_reset", "sys/seal", Map.of(), () -> {
        seal.resetUnseal();
        return () -> Json.respond(ctx, 200, statusBody());
      });
      return;
    }
    JsonNode key = body.get("key");
    if (key == null || !key.isTextual() || key.asText().length() > CustodianEnvelope.MAX_TEXT_CHARS) {
      throw new InvalidInputException("body must be {\"key\": \"<unseal share>\"} or {\"reset\": true}");
    }
    call.run(ctx, Optional.empty(), "operator.unseal", "sys/seal", Map.of(), () -> {
      seal.unseal(key.asText());
      Map<String, Object> out = statusBody();
      return () -> Json.respond(ctx, 200, out);
    });
  }

  private void rotate(Context ctx) {
    call.run(ctx, Optional.of("operator:rotate"), "operator.rotate", "sys/barrier", Map.of(), () -> {
      int version = seal.rotate();
      Thread.ofVirtual().name("custos-rewrap").start(() -> rewrapInBackground(seal, log));
      return () -> Json.respond(ctx, 200, Map.of("key_version", version, "rewrap", "started"));
    });
  }

  /** Moves sealed records to the newest barrier key and records how many moved. */
  public static void rewrapInBackground(Seal seal, AuditLog log) {
    try {
      int moved = seal.rewrap();
      log.record(io.custos.audit.AuditDraft.ok(java.util.UUID.randomUUID().toString(),
          new io.custos.audit.AuditEvent.Principal("custos", "system"), "operator.rewrap", "sys/barrier", "",
          Map.of("records", String.valueOf(moved))));
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(SealRoutes.class).error("rewrap stopped: {}", e.getMessage());
    }
  }

  private void sealNow(Context ctx) {
    call.run(ctx, Optional.of("operator:seal"), "operator.seal", "sys/seal", Map.of(), () -> {
      seal.seal();
      return () -> ctx.status(204);
    });
  }

  /** The optional {@code custodian_keys}: PEM texts, bounded in count and size; empty when absent. */
  private static List<String> custodianKeys(JsonNode body) {
    JsonNode keys = body.get("custodian_keys");
    if (keys == null || keys.isNull()) {
      return List.of();
    }
    if (!keys.isArray() || keys.size() > MAX_CUSTODIAN_KEYS) {
      throw new InvalidInputException("'custodian_keys' must be an array of at most " + MAX_CUSTODIAN_KEYS
          + " PEM certificates or public keys, one per share");
    }
    List<String> out = new java.util.ArrayList<>();
    for (JsonNode k : keys) {
      if (!k.isTextual() || k.asText().isBlank() || k.asText().length() > MAX_CUSTODIAN_KEY_CHARS) {
        throw new InvalidInputException("custodian key " + (out.size() + 1) + " must be a PEM text of at most "
            + MAX_CUSTODIAN_KEY_CHARS + " characters");
      }
      out.add(k.asText());
    }
    return List.copyOf(out);
  }

  private static int intField(JsonNode body, String name) {
    JsonNode v = body.get(name);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new InvalidInputException("'" + name + "' must be a whole number from 1 to 16");
    }
    return v.asInt();
  }
}
