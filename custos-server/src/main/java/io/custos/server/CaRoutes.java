package io.custos.server;

import static io.custos.server.Schemas.str;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.audit.AuditLog;
import io.custos.ca.CaState;
import io.custos.ca.CertificateAuthority;
import io.custos.crypto.CustodianEnvelope;
import io.custos.crypto.Pem;
import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.kms.Cryptoperiod;
import io.custos.store.CertificateRecords;
import io.custos.x509.CaLevel;
import io.custos.x509.Certificates;
import io.javalin.http.Context;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v1/ca} and {@code /v1/certs}: online CAs (create with a request for the parent,
 * activate with the signed certificate), issuance under profiles, and the certificate inventory
 * (SS-002 11.1.x, 11.3.1–11.3.3, 11.5.2).
 *
 * <p>A CA's chain and its certificate are public: they are what relying parties put in their
 * trust stores and what the AIA caIssuers URL in every issued certificate points at, so anyone
 * may fetch them, like a CA's published certificate. Nothing private ever leaves: CA keys stay in
 * the barrier and the inventory holds no private key.
 */
public final class CaRoutes implements RouteModule {
  private static final String ONLINE_ROOT_NOTE = "online root: development only (SS-002 11.3.1)";

  private final CertificateAuthority ca;
  private final CertificateRecords certificates;
  private final AuditedCall call;
  private final Clock clock;
  private final io.custos.ca.PracticeStatement.Schedule schedule;

  private CaRoutes(CertificateAuthority ca, CertificateRecords certificates, AuditLog log, AccessGate gate,
      boolean devMode, Clock clock, io.custos.ca.PracticeStatement.Schedule schedule) {
    this.schedule = schedule;
    this.ca = ca;
    this.certificates = certificates;
    this.call = new AuditedCall(log, gate, devMode);
    this.clock = clock;
  }

  public static RouteModule module(CertificateAuthority ca, CertificateRecords certificates, AuditLog log,
      AccessGate gate, boolean devMode) {
    return module(ca, certificates, log, gate, devMode, io.custos.ca.PracticeStatement.Schedule.DEFAULTS);
  }

  /** With the node's configured CRL, OCSP and expiry-warning schedule, as its CPS states it. */
  public static RouteModule module(CertificateAuthority ca, CertificateRecords certificates, AuditLog log,
      AccessGate gate, boolean devMode, io.custos.ca.PracticeStatement.Schedule schedule) {
    return new CaRoutes(ca, certificates, log, gate, devMode, Clock.systemUTC(), schedule);
  }

  @Override
  public void register(Registrar r) {
    r.schema("CaCreateRequest", Map.of("type", "object", "required", List.of("name", "level", "algorithm", "subject"),
        "properties", Map.of("name", str("[a-z0-9][a-z0-9-]{0,47}"),
            "level", Map.of("type", "string", "enum", List.of("subordinate", "policy")),
            "algorithm", str("ecdsa-p256, ecdsa-p384, rsa-3072, rsa-4096, ed25519, ml-dsa-*"),
            "subject", str("RFC 4514 distinguished name"))));
    r.schema("CaActivateRequest", Map.of("type", "object", "required", List.of("certificate", "chain"),
        "properties", Map.of("certificate", str("the CA's certificate (PEM)"),
            "chain", str("PEM bundle of the certificates above it, up to and including the root"))));
    r.schema("Ca", Map.of("type", "object", "properties", Map.of(
        "name", Map.of("type", "string"), "level", Map.of("type", "string"), "state", Map.of("type", "string"),
        "subject", Map.of("type", "string"), "not_after", Map.of("type", "string", "format", "date-time"),
        "compliant", Map.of("type", "boolean"), "note", str("why a CA is not compliant (an online root)"),
        "csr", str("the pending CA's request for its parent (PEM), on creation only"))));
    r.schema("GenerateKey", Map.of("type", "object", "required", List.of("algorithm", "subject"),
        "description", "Server-side key generation (SS-002 11.1.2), only where the profile allows it; give exactly one "
            + "of password or wrap_for",
        "properties", Map.of("algorithm", str("ecdsa-p256, ecdsa-p384, ed25519, rsa-3072, rsa-4096, ml-dsa-44|65|87"),
            "subject", str("RFC 4514 distinguished name"),
            "dns", Map.of("type", "array", "items", Map.of("type", "string")),
            "ip", Map.of("type", "array", "items", Map.of("type", "string")),
            "password", Map.of("type", "string", "minLength", 16,
                "description", "the key comes back as PKCS#8 PBES2 (PBKDF2-HMAC-SHA-256, 600,000 iterations, AES-256-CBC)"),
            "wrap_for", str("the requester's public key or certificate, PEM (RSA >= 3072, EC P-256/P-384): the key "
                + "comes back as a custos-share-enc-v1 envelope"))));
    r.schema("IssueRequest", Map.of("type", "object", "required", List.of("profile", "owner"),
        "description", "csr, or generate_key where the profile allows server-side key generation",
        "properties", Map.of("csr", str("PKCS#10 request (PEM)"), "profile", str("tls-server, tls-client, …"),
            "owner", str("principal owning the certificate"), "validity", str("e.g. 90d; default the profile's maximum"),
            "generate_key", Schemas.ref("GenerateKey"))));
    Map<String, Object> list = Map.of("type", "array", "items", Map.of("type", "string"));
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("description", str("what the profile is for"));
    document.put("key_algorithms", list);
    document.put("min_rsa_bits", Map.of("type", "integer", "minimum", 3072));
    document.put("key_usage", list);
    document.put("extended_key_usage", Map.of("type", "array", "items", Map.of("type", "string"), "maxItems", 1));
    document.put("san_types", list);
    document.put("require_san", Map.of("type", "boolean"));
    document.put("required_subject_fields", list);
    document.put("max_lifetime", str("e.g. 90d, at most 2 years (SS-002 11.1.9)"));
    document.put("policy_oids", list);
    document.put("server_keygen", Map.of("type", "boolean"));
    r.schema("ProfileDocument", Map.of("type", "object", "required", List.of("key_algorithms", "key_usage",
        "extended_key_usage", "max_lifetime"), "properties", document));
    Map<String, Object> profile = new LinkedHashMap<>(document);
    profile.put("name", Map.of("type", "string"));
    profile.put("source", str("built-in, config or api"));
    r.schema("Profile", Map.of("type", "object", "properties", profile));
    r.schema("IssueResponse", Map.of("type", "object", "properties", Map.of("serial", Map.of("type", "string"),
        "certificate", str("PEM"), "chain", str("PEM bundle: issuing CA up to and including the root"),
        "not_after", Map.of("type", "string", "format", "date-time"),
        "private_key", str("generate_key only: PEM ENCRYPTED PRIVATE KEY, or a custos-share-enc-v1 envelope; "
            + "answered once with Cache-Control: no-store, never stored"),
        "private_key_format", str("pkcs8-pbes2 or envelope"))));
    r.schema("IssueBatchRequest", Map.of("type", "object", "required", List.of("requests"),
        "properties", Map.of("requests", Map.of("type", "array", "minItems", 1, "maxItems", MAX_BATCH,
            "items", Map.of("type", "object", "required", List.of("csr", "profile", "owner"),
                "properties", Map.of("csr", str("PKCS#10 request (PEM)"), "profile", str("tls-server, tls-client, …"),
                    "owner", str("principal owning the certificate"),
                    "validity", str("e.g. 90d; default the profile's maximum")))))));
    r.schema("IssueBatchResponse", Map.of("type", "object", "properties", Map.of(
        "chain", str("PEM bundle: issuing CA up to and including the root"),
        "issued", Map.of("type", "integer"), "refused", Map.of("type", "integer"),
        "results", Map.of("type", "array", "description", "one per request, in order: serial, certificate and "
            + "not_after, or error (status, code, detail, control)", "items", Map.of("type", "object")))));
    r.add(route("POST", "/v1/ca", "createCa",
        "Create an online CA (subordinate or policy): its key is generated in the barrier; answers its CSR for the parent",
        Map.of(200, "The pending CA and its CSR", 400, "Bad request", 403, "Not allowed", 409, "Exists")), this::create);
    r.add(route("GET", "/v1/ca", "listCas", "The CAs of this node",
        Map.of(200, "CAs", 403, "Not allowed")), this::list);
    // Before /v1/ca/{name}: "profiles" is a reserved CA name, and these paths must match first.
    r.add(route("GET", "/v1/ca/profiles", "listProfiles",
        "Every certificate profile (built-in, configured, made through the API) with what it fixes",
        Map.of(200, "Profiles", 403, "Not allowed")), this::listProfiles);
    r.add(route("GET", "/v1/ca/profiles/{name}", "getProfile", "One certificate profile",
        Map.of(200, "The profile", 403, "Not allowed", 404, "No such profile")), this::showProfile);
    r.add(route("PUT", "/v1/ca/profiles/{name}", "putProfile",
        "Create or replace a custom profile; a bad document is refused with every reason and its control",
        Map.of(200, "The stored profile", 400, "Malformed", 403, "Not allowed, or controls violated",
            409, "Built-in or configured: read-only")), this::putProfile);
    r.add(route("DELETE", "/v1/ca/profiles/{name}", "deleteProfile", "Delete a custom profile made through the API",
        Map.of(204, "Deleted", 403, "Not allowed", 404, "No such profile", 409, "Built-in or configured: read-only")),
        this::deleteProfile);
    r.add(route("GET", "/v1/ca/{name}", "getCa", "A CA: level, state, subject, validity, compliance",
        Map.of(200, "The CA", 403, "Not allowed", 404, "No such CA")), this::show);
    r.add(route("POST", "/v1/ca/{name}/activate", "activateCa",
        "Bring a pending CA online with the certificate its parent signed and the chain up to the root",
        Map.of(200, "The active CA", 400, "Certificate or chain refused", 403, "Not allowed", 404, "No such CA",
            409, "Not pending")), this::activate);
    r.add(route("GET", "/v1/ca/{name}/chain", "getCaChain",
        "The CA's certificate and every certificate up to and including the root, as a PEM bundle (public)",
        Map.of(200, "PEM bundle", 404, "No such CA", 409, "Not active")), this::chain);
    r.add(route("GET", "/v1/ca/{name}/cps", "getCaPracticeStatement",
        "The Certification Practice Statement (RFC 3647 outline) rendered from live configuration; format=md|html",
        Map.of(200, "The CPS", 400, "Unknown format", 403, "Not allowed", 404, "No such CA")), this::cps);
    r.add(route("GET", "/v1/ca/{name}/cert", "getCaCertificate",
        "The CA's certificate, DER (format=pem for PEM): the AIA caIssuers URL of issued certificates (public)",
        Map.of(200, "Certificate", 404, "No such CA", 409, "Not active")), this::cert);
    r.add(route("POST", "/v1/ca/{name}/issue", "issueCertificate",
        "Issue a certificate for a PKCS#10 request under a profile; every violated rule is listed in a refusal",
        Map.of(200, "Certificate and chain", 400, "Malformed request", 403, "Refused: not allowed, or controls violated",
            404, "No such CA or profile")), this::issue);
    r.add(route("POST", "/v1/ca/{name}/issue-batch", "issueCertificates",
        "Issue up to " + MAX_BATCH + " certificates in one request; each is checked, recorded and audited as if sent "
            + "alone, and answers for itself",
        Map.of(200, "One result per request, in order, and the chain", 400, "Malformed batch", 401, "No credentials",
            404, "No such CA")), this::issueBatch);
    r.add(route("GET", "/v1/certs", "listCertificates",
        "The certificate inventory, filtered by CA, owner, expiry horizon and status, in pages (no private keys)",
        Map.of(200, "A page of certificates", 400, "Bad filter", 403, "Not allowed")), this::inventory);
    r.add(route("GET", "/v1/certs/{serial}", "getCertificate", "One certificate of the inventory, with its PEM",
        Map.of(200, "The certificate", 403, "Not allowed", 404, "No such serial")), this::showCert);
  }

  private static ApiRoute route(String method, String path, String id, String summary, Map<Integer, String> responses) {
    Map<String, String> request = Map.of("createCa", "CaCreateRequest", "activateCa", "CaActivateRequest",
        "issueCertificate", "IssueRequest", "issueCertificates", "IssueBatchRequest", "putProfile", "ProfileDocument");
    Map<String, String> response = Map.of("createCa", "Ca", "activateCa", "Ca", "getCa", "Ca",
        "issueCertificate", "IssueResponse", "issueCertificates", "IssueBatchResponse", "getProfile", "Profile",
        "putProfile", "Profile");
    return new ApiRoute(method, path, id, summary, "ca", responses,
        response.containsKey(id) ? Map.of(200, response.get(id)) : Map.of(), Optional.ofNullable(request.get(id)));
  }

  // ---------------------------------------------------------------- CAs

  private void create(Context ctx) {
    JsonNode body = Json.body(ctx);
    String name = text(body, "name");
    CaLevel level = switch (text(body, "level").toLowerCase(Locale.ROOT)) {
      case "subordinate" -> CaLevel.SUBORDINATE;
      case "policy" -> CaLevel.POLICY;
      default -> throw new InvalidInputException("level must be subordinate or policy; a root is made in a ceremony");
    };
    String algorithm = text(body, "algorithm");
    String subject = text(body, "subject");
    Map<String, String> params = new LinkedHashMap<>(Map.of("level", level.id(), "algorithm", algorithm));
    call.run(ctx, Optional.of("ca:create"), "ca/" + name, "ca.create", "ca/" + name, params, () -> {
      Caller caller = call.caller(ctx);
      CaState made = ca.create(caller, name, level, algorithm, subject);
      Map<String, Object> out = caJson(made, false);
      out.put("csr", Pem.write("CERTIFICATE REQUEST", made.request().orElseThrow()));
      return () -> Json.respond(ctx, 200, out);
    });
  }

  private void list(Context ctx) {
    call.run(ctx, Optional.of("ca:read"), "ca/*", "ca.list", "ca", new LinkedHashMap<>(), () -> {
      List<CaState> all = ca.list(call.caller(ctx));
      List<Map<String, Object>> out = new ArrayList<>();
      for (CaState c : all) {
        out.add(caJson(c, chainsToOnlineRoot(c, all)));
      }
      return () -> Json.respond(ctx, 200, Map.of("cas", out));
    });
  }

  private void show(Context ctx) {
    String name = ctx.pathParam("name");
    call.run(ctx, Optional.of("ca:read"), "ca/" + name, "ca.read", "ca/" + name, new LinkedHashMap<>(), () -> {
      Caller caller = call.caller(ctx);
      CaState c = ca.show(caller, name);
      Map<String, Object> out = caJson(c, chainsToOnlineRoot(c, ca.list(caller)));
      return () -> Json.respond(ctx, 200, out);
    });
  }

  private void activate(Context ctx) {
    String name = ctx.pathParam("name");
    JsonNode body = Json.body(ctx);
    byte[] cert = single(text(body, "certificate"), "certificate");
    List<byte[]> chain = bundle(text(body, "chain"), "chain");
    Map<String, String> params = new LinkedHashMap<>(Map.of("chain_length", String.valueOf(chain.size())));
    call.run(ctx, Optional.of("ca:create"), "ca/" + name, "ca.activate", "ca/" + name, params, () -> {
      CaState done = ca.activate(call.caller(ctx), name, cert, chain);
      Map<String, Object> out = caJson(done, false);
      return () -> Json.respond(ctx, 200, out);
    });
  }

  private void chain(Context ctx) {
    String name = ctx.pathParam("name");
    call.run(ctx, Optional.empty(), "ca/" + name, "ca.chain", "ca/" + name, new LinkedHashMap<>(), () -> {
      String pem = pemBundle(ca.chain(name));
      return () -> ctx.status(200).contentType("application/pem-certificate-chain").result(pem);
    });
  }

  /** SS-002 11.1.7: the CPS, never out of date because it is rendered from what is configured now. */
  private void cps(Context ctx) {
    String name = ctx.pathParam("name");
    io.custos.ca.PracticeStatement.Format format = io.custos.ca.PracticeStatement.Format.of(
        Optional.ofNullable(ctx.queryParam("format")).orElse("md"));
    call.run(ctx, Optional.of("ca:read"), "ca/" + name, "ca.cps", "ca/" + name, new LinkedHashMap<>(), () -> {
      Caller caller = call.caller(ctx);
      CaState subject = ca.show(caller, name);
      String org = subject.subject().replaceAll(".*\\bO=([^,]+).*", "$1");
      if (org.equals(subject.subject())) {
        org = name;
      }
      String doc = io.custos.ca.PracticeStatement.render(ca.list(caller), ca.profiles(),
          io.custos.ca.PracticeStatement.Settings.of(org, ca.baseUrl(), schedule, clock.instant()), format);
      String type = format == io.custos.ca.PracticeStatement.Format.HTML ? "text/html; charset=utf-8"
          : "text/markdown; charset=utf-8";
      return () -> ctx.status(200).contentType(type).result(doc);
    });
  }

  private void cert(Context ctx) {
    String name = ctx.pathParam("name");
    boolean pem = "pem".equalsIgnoreCase(ctx.queryParam("format"));
    call.run(ctx, Optional.empty(), "ca/" + name, "ca.cert", "ca/" + name, new LinkedHashMap<>(), () -> {
      byte[] der = ca.chain(name).getFirst();
      return pem
          ? () -> ctx.status(200).contentType("application/x-pem-file").result(Pem.write("CERTIFICATE", der))
          : () -> ctx.status(200).contentType("application/pkix-cert").result(der);
    });
  }

  // ---------------------------------------------------------------- issuance

  private void issue(Context ctx) {
    String name = ctx.pathParam("name");
    JsonNode body = Json.body(ctx);
    if (body.has("generate_key")) {
      issueWithKey(ctx, name, body);
      return;
    }
    String csr = text(body, "csr");
    String profile = text(body, "profile");
    String owner = text(body, "owner");
    Optional<Duration> validity = validity(body);
    // Authenticate first (401 for credentials refused); the grant of ca:issue is decided inside
    // CertificateAuthority.issue, with the requested names as the grant's name constraints, and a
    // refusal there is audited as DENIED. Deciding it here too, without the names, would be weaker.
    Caller caller = call.caller(ctx);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("profile", profile);
    params.put("owner", owner);
    params.put("grant_checked_by", "ca:issue on ca/" + name + "/profiles/" + profile + " with name constraints");
    String resource = "ca/" + name + "/profiles/" + profile;
    // No credentials: the ordinary grant check denies, audits and answers 401 before the CSR is read.
    Optional<String> upfront = caller.principalId().equals("anonymous") ? Optional.of("ca:issue") : Optional.empty();
    // The inventory row commits with the cert.issued event: one durable commit per certificate.
    call.runJoined(ctx, upfront, resource, "cert.issued", resource, params, () -> {
      CertificateAuthority.Unrecorded signed = ca.issueUnrecorded(caller, name, profile,
          csr.getBytes(StandardCharsets.US_ASCII), owner, validity);
      Map<String, Object> out = issued(signed.issued(), params, true);
      return new AuditedCall.Performed<Runnable>(signed.inventoryRow(), () -> {
        ca.recorded(signed);
        Json.respond(ctx, 200, out);
      });
    });
  }

  /** Most requests in one batch: its answer stays a few hundred kilobytes. */
  static final int MAX_BATCH = 256;

  /**
   * Many PKCS#10 requests in one HTTP request. Each item goes exactly the way of
   * {@code POST /v1/ca/{name}/issue} — every check, the requester's grant with name constraints,
   * its own {@code cert.issued} event (DENIED or ERROR when refused) committed with its inventory
   * row — and answers for itself; the batch only spares the round trips and, as its items are
   * recorded at the same moment, shares their commits. Items run concurrently on virtual threads.
   */
  private void issueBatch(Context ctx) {
    String name = ctx.pathParam("name");
    JsonNode body = Json.body(ctx);
    JsonNode items = body.get("requests");
    if (items == null || !items.isArray() || items.isEmpty()) {
      throw new InvalidInputException("'requests' is required: an array of {csr, profile, owner, validity}");
    }
    if (items.size() > MAX_BATCH) {
      throw new InvalidInputException("a batch holds at most " + MAX_BATCH + " requests, got " + items.size());
    }
    Caller caller = call.caller(ctx);
    // No credentials: the ordinary grant check denies, audits and answers 401 before any request is read.
    call.requireAuthenticated(ctx, caller, "ca:issue", "cert.issued", "ca/" + name);
    Throttle throttle = Throttle.of(ctx);
    if (throttle != null) {
      throttle.chargeBatch(ctx, caller.principalId(), items.size() - 1); // n requests cost n (SS-002 11.6.1)
    }
    List<byte[]> chain = ca.chain(name); // 404 for no such CA, before any item is tried
    List<Map<String, Object>> results = new ArrayList<>(java.util.Collections.nCopies(items.size(), null));
    try (var workers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < items.size(); i++) {
        int n = i;
        JsonNode item = items.get(i);
        workers.execute(() -> results.set(n, issueItem(caller, name, item, n)));
      }
    }
    long issued = results.stream().filter(r -> r.containsKey("serial")).count();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("chain", pemBundle(chain));
    out.put("issued", issued);
    out.put("refused", results.size() - issued);
    out.put("results", results);
    Json.respond(ctx, 200, out);
  }

  /** One item of a batch: its certificate, or its refusal as a problem (status, code, detail, control). */
  private Map<String, Object> issueItem(Caller caller, String name, JsonNode item, int index) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("batch_item", String.valueOf(index));
    String resource = "ca/" + name + "/profiles/" + (item.path("profile").isTextual() ? item.path("profile").asText() : "");
    try {
      return call.performAudited(caller, "cert.issued", resource, params, "no grant needed", () -> {
        if (!item.isObject()) {
          throw new InvalidInputException("each request is an object {csr, profile, owner, validity}");
        }
        String csr = text(item, "csr");
        String profile = text(item, "profile");
        String owner = text(item, "owner");
        params.put("profile", profile);
        params.put("owner", owner);
        params.put("grant_checked_by", "ca:issue on " + resource + " with name constraints");
        CertificateAuthority.Unrecorded signed = ca.issueUnrecorded(caller, name, profile,
            csr.getBytes(StandardCharsets.US_ASCII), owner, validity(item));
        // The chain is answered once for the whole batch.
        Map<String, Object> out = issued(signed.issued(), params, false);
        return new AuditedCall.Performed<java.util.function.Supplier<Map<String, Object>>>(signed.inventoryRow(), () -> {
          ca.recorded(signed);
          return out;
        });
      }).get();
    } catch (io.custos.failure.CustosException e) {
      Map<String, Object> problem = new LinkedHashMap<>();
      problem.put("status", Problems.statusOf(e));
      problem.put("code", e.code());
      problem.put("detail", e.getMessage());
      e.control().ifPresent(c -> problem.put("control", c));
      return Map.of("error", problem);
    } catch (RuntimeException e) {
      System.getLogger(CaRoutes.class.getName()).log(System.Logger.Level.ERROR, "batch item " + index + " failed", e);
      return Map.of("error", Map.of("status", 500, "code", "internal", "detail", "internal error; see the server log"));
    }
  }

  /**
   * Server-side key generation (SS-002 11.1.2): the profile must allow it; the private key is
   * answered once, encrypted for the requester, with {@code Cache-Control: no-store}, and the audit
   * event says a key was generated here and how it was returned (never the password or the key).
   */
  private void issueWithKey(Context ctx, String name, JsonNode body) {
    if (body.has("csr")) {
      throw new InvalidInputException("give either 'csr' or 'generate_key', not both");
    }
    JsonNode gen = body.get("generate_key");
    if (gen == null || !gen.isObject()) {
      throw new InvalidInputException("'generate_key' is an object: algorithm, subject, dns, ip, and password or wrap_for");
    }
    String profile = text(body, "profile");
    String owner = text(body, "owner");
    Optional<Duration> validity = validity(body);
    CertificateAuthority.KeyGenerationRequest request = new CertificateAuthority.KeyGenerationRequest(
        text(gen, "algorithm"), text(gen, "subject"), strings(gen, "dns"), strings(gen, "ip"));
    boolean hasPassword = gen.hasNonNull("password");
    boolean hasWrap = gen.hasNonNull("wrap_for");
    if (hasPassword == hasWrap) {
      throw new InvalidInputException("'generate_key' needs exactly one of 'password' (PKCS#8, at least 16 characters) "
          + "or 'wrap_for' (the requester's public key, PEM)");
    }
    Caller caller = call.caller(ctx);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("profile", profile);
    params.put("owner", owner);
    params.put("server_keygen", "true");
    params.put("key_algorithm", request.algorithm());
    params.put("key_returned", hasPassword ? "pkcs8-pbes2" : "envelope");
    params.put("key_stored", "false");
    params.put("grant_checked_by", "ca:issue on ca/" + name + "/profiles/" + profile + " with name constraints");
    String resource = "ca/" + name + "/profiles/" + profile;
    Optional<String> upfront = caller.principalId().equals("anonymous") ? Optional.of("ca:issue") : Optional.empty();
    call.run(ctx, upfront, resource, "cert.issued", resource, params, () -> {
      CertificateAuthority.IssuedWithKey done;
      if (hasPassword) {
        JsonNode pw = gen.get("password");
        if (!pw.isTextual()) {
          throw new InvalidInputException("'password' is a string");
        }
        try (SecretBytes password = SecretBytes.copyOf(pw.asText().getBytes(StandardCharsets.UTF_8))) {
          done = ca.issueWithGeneratedKey(caller, name, profile, request,
              CertificateAuthority.KeyDelivery.password(password), owner, validity);
        }
      } else {
        CustodianEnvelope.Recipient recipient = CustodianEnvelope.Recipient.fromPem(text(gen, "wrap_for"));
        params.put("wrapped_for_spki_sha256", recipient.fingerprint());
        done = ca.issueWithGeneratedKey(caller, name, profile, request, CertificateAuthority.KeyDelivery.wrapFor(recipient),
            owner, validity);
      }
      Map<String, Object> out = issued(done.issued(), params, true);
      out.put("private_key", done.privateKey());
      out.put("private_key_format", done.delivery());
      return () -> {
        ctx.header("Cache-Control", "no-store");
        Json.respond(ctx, 200, out);
      };
    });
  }

  /** The lifetime a request asks for ({@code validity}, e.g. 90d), or empty for the profile's maximum. */
  private static Optional<Duration> validity(JsonNode request) {
    return Optional.ofNullable(request.get("validity")).filter(v -> !v.isNull())
        .map(v -> Cryptoperiod.parseDuration(v.asText(), "validity"));
  }

  /**
   * An issued certificate: its serial, SAN count and notAfter go into the {@code cert.issued}
   * event's params, and it is answered as serial, certificate, not_after and, for a single
   * certificate, its chain.
   */
  private static Map<String, Object> issued(CertificateAuthority.Issued done, Map<String, String> params,
      boolean withChain) {
    params.put("serial", done.serial());
    params.put("sans", String.valueOf(done.sans().size()));
    params.put("not_after", done.notAfter().toString());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("serial", done.serial());
    out.put("certificate", Pem.write("CERTIFICATE", done.certificate()));
    if (withChain) {
      out.put("chain", pemBundle(done.chain()));
    }
    out.put("not_after", done.notAfter().toString());
    return out;
  }

  /** Certificates (DER) as one PEM bundle, in order. */
  private static String pemBundle(List<byte[]> certificates) {
    StringBuilder pem = new StringBuilder();
    certificates.forEach(c -> pem.append(Pem.write("CERTIFICATE", c)));
    return pem.toString();
  }

  private static List<String> strings(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new InvalidInputException("'" + field + "' is a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual() || e.asText().isBlank()) {
        throw new InvalidInputException("'" + field + "' is a list of non-empty strings");
      }
      out.add(e.asText());
    }
    return out;
  }

  // ---------------------------------------------------------------- profiles

  private static Map<String, Object> profileJson(CertificateAuthority.ProfileEntry e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", e.profile().name());
    out.put("source", e.source());
    out.putAll(io.custos.ca.ProfileDocument.describe(e.profile()));
    return out;
  }

  private void listProfiles(Context ctx) {
    call.run(ctx, Optional.of("ca:read"), "ca/profiles/*", "ca.profile.list", "ca/profiles", new LinkedHashMap<>(), () -> {
      List<Map<String, Object>> out = ca.listProfiles(call.caller(ctx)).stream().map(CaRoutes::profileJson).toList();
      return () -> Json.respond(ctx, 200, Map.of("profiles", out));
    });
  }

  private void showProfile(Context ctx) {
    String name = ctx.pathParam("name");
    String resource = "ca/profiles/" + name;
    call.run(ctx, Optional.of("ca:read"), resource, "ca.profile.read", resource, new LinkedHashMap<>(), () -> {
      Map<String, Object> out = profileJson(ca.showProfile(call.caller(ctx), name));
      return () -> Json.respond(ctx, 200, out);
    });
  }

  @SuppressWarnings("unchecked")
  private void putProfile(Context ctx) {
    String name = ctx.pathParam("name");
    JsonNode body = Json.body(ctx);
    if (!body.isObject()) {
      throw new InvalidInputException("a profile is a JSON object: key_algorithms, key_usage, extended_key_usage, …");
    }
    Map<String, Object> doc = Json.MAPPER.convertValue(body, Map.class);
    String resource = "ca/profiles/" + name;
    Map<String, String> params = new LinkedHashMap<>();
    params.put("profile", name);
    call.run(ctx, Optional.of("ca:profile"), resource, "ca.profile.put", resource, params, () -> {
      boolean existed = ca.profiles().stream().anyMatch(p -> p.name().equals(name));
      CertificateAuthority.ProfileEntry stored = ca.putProfile(call.caller(ctx), name, doc);
      params.put("replaced", String.valueOf(existed));
      params.put("extended_key_usage", String.join(",", stored.profile().extendedKeyUsage()));
      params.put("policy_oids", String.join(",", stored.profile().policyOids()));
      params.put("max_lifetime_days", String.valueOf(stored.profile().maxLifetime().toDays()));
      params.put("server_keygen", String.valueOf(stored.profile().serverSideKeyGeneration()));
      Map<String, Object> out = profileJson(stored);
      return () -> Json.respond(ctx, 200, out);
    });
  }

  private void deleteProfile(Context ctx) {
    String name = ctx.pathParam("name");
    String resource = "ca/profiles/" + name;
    call.run(ctx, Optional.of("ca:profile"), resource, "ca.profile.delete", resource, new LinkedHashMap<>(), () -> {
      ca.deleteProfile(call.caller(ctx), name);
      return () -> ctx.status(204);
    });
  }

  // ---------------------------------------------------------------- inventory

  private void inventory(Context ctx) {
    Optional<String> caFilter = query(ctx, "ca");
    Optional<String> owner = query(ctx, "owner");
    Optional<String> status = query(ctx, "status");
    Optional<String> after = query(ctx, "after");
    Optional<java.time.Instant> before = query(ctx, "expiring")
        .map(t -> clock.instant().plus(Cryptoperiod.parseDuration(t, "expiring")));
    int limit;
    try {
      limit = query(ctx, "limit").map(Integer::parseInt).orElse(100);
    } catch (NumberFormatException e) {
      throw new InvalidInputException("limit must be a number from 1 to " + CertificateRecords.MAX_PAGE);
    }
    CertificateRecords.Query q = new CertificateRecords.Query(caFilter, owner, before, status, after, limit);
    String grantOn = caFilter.map(c -> "ca/" + c).orElse("ca/*");
    call.run(ctx, Optional.of("ca:read"), grantOn, "cert.list", "certs", new LinkedHashMap<>(), () -> {
      List<CertificateRecords.CertificateRow> rows = certificates.query(q);
      List<Map<String, Object>> out = rows.stream().map(r -> row(r, false)).toList();
      Map<String, Object> page = new LinkedHashMap<>();
      page.put("certificates", out);
      if (rows.size() == limit) {
        page.put("next_after", rows.getLast().serial());
      }
      return () -> Json.respond(ctx, 200, page);
    });
  }

  private void showCert(Context ctx) {
    String serial = ctx.pathParam("serial").toLowerCase(Locale.ROOT);
    if (!serial.matches("[0-9a-f]{1,64}")) {
      throw new InvalidInputException("a serial is lower-case hex");
    }
    call.run(ctx, Optional.of("ca:read"), "ca/*", "cert.read", "certs/" + serial, new LinkedHashMap<>(), () -> {
      CertificateRecords.CertificateRow r = certificates.get(serial)
          .orElseThrow(() -> new NotFoundException("no certificate with serial " + serial));
      Map<String, Object> out = row(r, true);
      return () -> Json.respond(ctx, 200, out);
    });
  }

  static Map<String, Object> row(CertificateRecords.CertificateRow r, boolean withPem) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("serial", r.serial());
    m.put("ca", r.ca());
    m.put("owner", r.owner());
    m.put("owner_name", r.ownerName());
    m.put("owner_contact", r.ownerContact());
    m.put("profile", r.profile());
    m.put("subject", r.subject());
    m.put("sans", r.sans());
    m.put("not_before", r.notBefore().toString());
    m.put("not_after", r.notAfter().toString());
    m.put("issued_at", r.issuedAt().toString());
    m.put("status", r.status());
    r.revokedAt().ifPresent(t -> m.put("revoked_at", t.toString()));
    r.revocationReason().ifPresent(t -> m.put("revocation_reason", t));
    m.put("spki_sha256", HexFormat.of().formatHex(r.spkiHash()));
    if (withPem) {
      m.put("certificate", Pem.write("CERTIFICATE", r.der()));
    }
    return m;
  }

  // ---------------------------------------------------------------- helpers

  /** Whether {@code c} is an online root, or chains to one held by this node (a dev hierarchy). */
  private static boolean chainsToOnlineRoot(CaState c, List<CaState> all) {
    if (c.level() == CaLevel.ROOT || c.chain().isEmpty()) {
      return false;
    }
    byte[] top = c.chain().getLast();
    return all.stream().anyMatch(o -> o.level() == CaLevel.ROOT && o.certificate().map(d -> Arrays.equals(d, top))
        .orElse(false));
  }

  static Map<String, Object> caJson(CaState c, boolean underOnlineRoot) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", c.name());
    m.put("level", c.level().id());
    m.put("state", c.state());
    m.put("subject", c.subject());
    m.put("owner", c.owner());
    m.put("created_at", c.createdAt().toString());
    c.certificate().ifPresent(der -> {
      X509Certificate x = x509(der);
      m.put("issuer", x.getIssuerX500Principal().getName());
      m.put("serial", x.getSerialNumber().toString(16));
      m.put("not_before", x.getNotBefore().toInstant().toString());
      m.put("not_after", x.getNotAfter().toInstant().toString());
      m.put("key_algorithm", x.getPublicKey().getAlgorithm());
    });
    m.put("chain_length", c.chain().size());
    if (c.level() == CaLevel.ROOT) {
      m.put("compliant", false);
      m.put("note", ONLINE_ROOT_NOTE);
    } else if (underOnlineRoot) {
      m.put("compliant", false);
      m.put("note", "chains to an online root: development only (SS-002 11.3.1)");
    } else {
      m.put("compliant", true);
    }
    return m;
  }

  private static X509Certificate x509(byte[] der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (java.security.GeneralSecurityException e) {
      throw new InvalidInputException("not an X.509 certificate");
    }
  }

  private static byte[] single(String pem, String field) {
    List<byte[]> all = bundle(pem, field);
    if (all.size() != 1) {
      throw new InvalidInputException(field + " must hold exactly one certificate, it holds " + all.size());
    }
    return all.getFirst();
  }

  private static List<byte[]> bundle(String pem, String field) {
    List<byte[]> out = new ArrayList<>();
    for (Pem.Block b : Pem.read(pem)) {
      if (!b.label().equals("CERTIFICATE")) {
        throw new InvalidInputException(field + " holds a " + b.label() + " block; only CERTIFICATE blocks are read");
      }
      x509(b.der());
      out.add(b.der());
    }
    return out;
  }

  private static Optional<String> query(Context ctx, String name) {
    return Optional.ofNullable(ctx.queryParam(name)).filter(s -> !s.isBlank());
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || !n.isTextual() || n.asText().isBlank()) {
      throw new InvalidInputException("'" + field + "' is required (a string)");
    }
    return n.asText();
  }

  static String subjectOf(byte[] der) {
    return Certificates.nameText(der);
  }
}
