package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.access.AccessGate;
import io.custos.audit.AuditLog;
import io.custos.barrier.Barrier;
import io.custos.ca.CertificateAuthority;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.SignatureVerifier;
import io.custos.kms.KeyManager;
import io.custos.store.Storage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/ca} and {@code /v1/certs} over HTTP on a dev server, with CSRs made by openssl. */
class CaRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("jdk");
  @TempDir Path dir;
  private TestNode node;
  private TestCa fixture;
  private AuditLog log;
  private Barrier barrier;
  private KeyManager keys;
  private Storage storage;
  private int csrs;
  private CertificateAuthority ca;

  @BeforeEach
  void start() {
    fixture = new TestCa(dir.resolve("ca"), MODULE, PROVIDER, id -> id.equals("dev-root") || id.equals("web")
        ? TestCa.anyOwner(id) : Optional.empty(), "issuing");
    barrier = fixture.barrier;
    storage = fixture.storage;
    log = fixture.log;
    keys = fixture.keys;
    ca = fixture.ca;
    AccessGate gate = fixture.gate;
    node = new TestNode(dir.resolve("data"), TestNode.dev(),
        List.of(CaRoutes.module(ca, storage.certificates(), log, gate, true)));
  }

  @AfterEach
  void stop() {
    node.close();
    fixture.close();
  }

  private HttpResponse<String> post(String path, Object body) throws Exception {
    return node.send(HttpRequest.newBuilder(node.uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
  }

  private JsonNode ok(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  private String csr(String key, String cn, String san) throws Exception {
    Path out = dir.resolve("r" + (++csrs) + ".csr");
    TlsServerTest.run("openssl", "req", "-new", "-newkey", key, "-nodes", "-keyout", dir.resolve("k" + csrs).toString(),
        "-out", out.toString(), "-subj", "/CN=" + cn, "-addext", "subjectAltName=" + san);
    return Files.readString(out);
  }

  private static Map<String, Object> issue(String csr, String profile, String validity) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("csr", csr);
    m.put("profile", profile);
    m.put("owner", "web");
    if (validity != null) {
      m.put("validity", validity);
    }
    return m;
  }

  private String auditText() {
    StringBuilder b = new StringBuilder();
    for (var row : log.events(1, 10_000)) {
      b.append(new String(row.event(), StandardCharsets.UTF_8)).append('\n');
    }
    return b.toString();
  }

  @Test
  @DisplayName("issue: certificate and chain as PEM, audited as cert.issued without the CSR; re-keying refused (11.1.10)")
  void issueHappyPathAndReKey() throws Exception {
    String req = csr("rsa:3072", "shop.example.com", "DNS:shop.example.com,DNS:www.shop.example.com");
    JsonNode r = ok(post("/v1/ca/issuing/issue", issue(req, "tls-server", "90d")), 200);
    assertThat(r.get("certificate").asText()).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(r.get("chain").asText().split("BEGIN CERTIFICATE").length - 1).isEqualTo(2);
    assertThat(r.get("serial").asText()).hasSizeGreaterThanOrEqualTo(30);
    String audit = auditText();
    assertThat(audit).contains("cert.issued").contains(r.get("serial").asText()).contains("\"sans\":\"2\"")
        .doesNotContain("BEGIN CERTIFICATE REQUEST").doesNotContain(req.lines().skip(1).findFirst().orElseThrow());

    HttpResponse<String> again = post("/v1/ca/issuing/issue", issue(req, "tls-server", "30d"));
    assertThat(ok(again, 403).get("detail").asText()).contains("SS-002 11.1.10");

    JsonNode shown = ok(node.get("/v1/certs/" + r.get("serial").asText()), 200);
    assertThat(shown.get("owner_contact").asText()).isEqualTo("web@example.com");
    assertThat(shown.get("certificate").asText()).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(shown.toString()).doesNotContain("PRIVATE");
  }

  private static Map<String, Object> generate(String profile, Map<String, Object> key) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("profile", profile);
    m.put("owner", "web");
    m.put("generate_key", key);
    return m;
  }

  @Test
  @DisplayName("SS-002 11.1.2 — server-side key generation: key answered once, encrypted, no-store; audit says so without password or key; refused where the profile does not allow it")
  void serverSideKeyGeneration() throws Exception {
    String password = "a long enough key password";
    Map<String, Object> key = new LinkedHashMap<>();
    key.put("algorithm", "ecdsa-p256");
    key.put("subject", "CN=laptop-17.example.com");
    key.put("dns", List.of("laptop-17.example.com"));
    key.put("password", password);
    HttpResponse<String> resp = post("/v1/ca/issuing/issue", generate("tls-client", key));
    JsonNode r = ok(resp, 200);
    assertThat(resp.headers().firstValue("Cache-Control")).contains("no-store");
    String pem = r.get("private_key").asText();
    assertThat(pem).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    assertThat(r.get("private_key_format").asText()).isEqualTo("pkcs8-pbes2");
    Path keyFile = dir.resolve("gen.key");
    Path pwFile = dir.resolve("gen.pw");
    Files.writeString(keyFile, pem);
    Files.writeString(pwFile, password);
    Path plain = dir.resolve("gen.pk8");
    TlsServerTest.run("openssl", "pkcs8", "-in", keyFile.toString(), "-passin", "file:" + pwFile, "-out", plain.toString());
    assertThat(Files.readString(plain)).startsWith("-----BEGIN PRIVATE KEY-----");
    String audit = auditText();
    assertThat(audit).contains("\"server_keygen\":\"true\"").contains("\"key_returned\":\"pkcs8-pbes2\"")
        .contains("\"key_stored\":\"false\"").contains(r.get("serial").asText())
        .doesNotContain(password).doesNotContain(pem.lines().skip(1).findFirst().orElseThrow());

    key.put("dns", List.of("server-1.example.com"));
    key.put("subject", "CN=server-1.example.com");
    HttpResponse<String> refused = post("/v1/ca/issuing/issue", generate("tls-server", key));
    assertThat(ok(refused, 403).get("detail").asText()).contains("SS-002 11.1.2");
    assertThat(refused.headers().firstValue("Cache-Control")).isEmpty();

    key.put("password", "too short");
    assertThat(ok(post("/v1/ca/issuing/issue", generate("tls-client", key)), 400).get("detail").asText())
        .contains("at least 16 characters");
    key.put("wrap_for", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
    assertThat(ok(post("/v1/ca/issuing/issue", generate("tls-client", key)), 400).get("detail").asText())
        .contains("exactly one");
    assertThat(storage.certificates().count()).isEqualTo(1);
  }

  private HttpResponse<String> send(String method, String path, Object body) throws Exception {
    return node.send(HttpRequest.newBuilder(node.uri(path)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
  }

  @Test
  @DisplayName("SS-002 11.1.6, 11.1.8 — custom profiles over HTTP: put, list, show, issue under it with its policy OID, delete; built-ins read-only; bad documents refused with every reason")
  void customProfiles() throws Exception {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("description", "Partner mTLS");
    doc.put("key_algorithms", List.of("ecdsa-p256", "rsa"));
    doc.put("key_usage", List.of("digitalSignature"));
    doc.put("extended_key_usage", List.of("clientAuth"));
    doc.put("san_types", List.of("dns"));
    doc.put("max_lifetime", "30d");
    doc.put("policy_oids", List.of("1.3.6.1.4.1.99999.7.2"));
    JsonNode put = ok(send("PUT", "/v1/ca/profiles/partner", doc), 200);
    assertThat(put.get("source").asText()).isEqualTo("api");
    assertThat(put.get("max_lifetime").asText()).isEqualTo("30d");
    JsonNode list = ok(node.send(HttpRequest.newBuilder(node.uri("/v1/ca/profiles")).GET()), 200);
    List<String> names = new java.util.ArrayList<>();
    list.get("profiles").forEach(p -> names.add(p.get("name").asText() + "/" + p.get("source").asText()));
    assertThat(names).contains("tls-server/built-in", "partner/api");
    assertThat(ok(node.send(HttpRequest.newBuilder(node.uri("/v1/ca/profiles/partner")).GET()), 200)
        .get("policy_oids").get(0).asText()).isEqualTo("1.3.6.1.4.1.99999.7.2");
    assertThat(ok(node.send(HttpRequest.newBuilder(node.uri("/v1/ca/issuing")).GET()), 200).get("name").asText())
        .isEqualTo("issuing");

    String req = csr("rsa:3072", "partner.example.com",
        "DNS:partner.example.com");
    JsonNode issued = ok(post("/v1/ca/issuing/issue", issue(req, "partner", "90d")), 403);
    assertThat(issued.get("detail").asText()).contains("SS-002 11.1.9").contains("30 days");
    JsonNode good = ok(post("/v1/ca/issuing/issue", issue(req, "partner", "20d")), 200);
    java.security.cert.X509Certificate cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
        .getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(
            good.get("certificate").asText().getBytes(StandardCharsets.US_ASCII)));
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(new String(cert.getExtensionValue("2.5.29.32"), StandardCharsets.ISO_8859_1)).isNotEmpty();

    assertThat(ok(send("PUT", "/v1/ca/profiles/tls-server", doc), 409).get("detail").asText()).contains("built in");
    assertThat(send("DELETE", "/v1/ca/profiles/tls-client", null).statusCode()).isEqualTo(409);
    Map<String, Object> bad = new LinkedHashMap<>(doc);
    bad.put("extended_key_usage", List.of("clientAuth", "serverAuth"));
    bad.put("max_lifetime", "1000d");
    bad.put("key_algorithms", List.of("rsa-1024"));
    String detail = ok(send("PUT", "/v1/ca/profiles/bad", bad), 403).get("detail").asText();
    assertThat(detail).contains("SS-002 11.3.3").contains("mixes purposes").contains("SS-002 11.1.9")
        .contains("SS-002 11.3.9").contains("rsa-1024");
    assertThat(send("GET", "/v1/ca/profiles/bad", null).statusCode()).isEqualTo(404);

    assertThat(send("DELETE", "/v1/ca/profiles/partner", null).statusCode()).isEqualTo(204);
    assertThat(send("GET", "/v1/ca/profiles/partner", null).statusCode()).isEqualTo(404);
    assertThat(auditText()).contains("ca.profile.put").contains("ca.profile.delete").contains("\"replaced\":\"false\"");
  }

  @Test
  @DisplayName("a wildcard, a weak key and a too-long lifetime are refused together, each named with its control")
  void refusalListsEveryControl() throws Exception {
    String req = csr("rsa:2048", "shop.example.com", "DNS:*.shop.example.com");
    JsonNode p = ok(post("/v1/ca/issuing/issue", issue(req, "tls-server", "800d")), 403);
    String detail = p.get("detail").asText();
    assertThat(detail).contains("*.shop.example.com").contains("2048").contains("800 days");
    assertThat(detail).contains("11.1.9");
    assertThat(p.get("control").asText()).startsWith("SS-002");
    assertThat(storage.certificates().count()).isZero();
    // Refused by the controls, nothing stored: audited with the first control and the error.
    assertThat(auditText()).contains("cert.issued").contains("control-violation");
  }

  @Test
  @DisplayName("SS-002 11.1.10, 11.7.1 — a batch: every request checked and audited as if alone, answering for itself; a key twice in one batch is certified once")
  void batchIssuance() throws Exception {
    String a = csr("ed25519", "a.example.com", "DNS:a.example.com");
    String b = csr("ed25519", "b.example.com", "DNS:b.example.com");
    String wildcard = csr("ed25519", "c.example.com", "DNS:*.c.example.com");
    List<Map<String, Object>> items = List.of(issue(a, "tls-server", "30d"), issue(a, "tls-server", "30d"),
        issue("garbage", "tls-server", null), issue(wildcard, "tls-server", null), issue(b, "tls-server", "30d"));
    JsonNode r = ok(post("/v1/ca/issuing/issue-batch", Map.of("requests", items)), 200);
    assertThat(r.get("issued").asInt()).isEqualTo(2);
    assertThat(r.get("refused").asInt()).isEqualTo(3);
    assertThat(r.get("chain").asText().split("BEGIN CERTIFICATE").length - 1).isEqualTo(2);
    JsonNode results = r.get("results");
    assertThat(results).hasSize(5);
    // The same key twice: one certificate; the other refused under 11.1.10, whichever came second.
    JsonNode first = results.get(0).has("serial") ? results.get(1) : results.get(0);
    assertThat(results.get(0).has("serial") ^ results.get(1).has("serial")).isTrue();
    assertThat(first.get("error").get("detail").asText()).contains("11.1.10").contains("already certified");
    assertThat(results.get(2).get("error").get("status").asInt()).isEqualTo(400);
    assertThat(results.get(3).get("error").get("status").asInt()).isEqualTo(403);
    assertThat(results.get(3).get("error").get("control").asText()).isEqualTo("SS-002 11.1.9");
    String serial = results.get(4).get("serial").asText();
    assertThat(storage.certificates().count()).isEqualTo(2);
    var cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCertificate(
        new java.io.ByteArrayInputStream(results.get(4).get("certificate").asText().getBytes(StandardCharsets.US_ASCII)));
    assertThat(cert.getSerialNumber().toString(16)).isEqualTo(serial);
    assertThat(storage.certificates().get(serial).orElseThrow().der()).isEqualTo(cert.getEncoded());
    // One cert.issued event per request, each naming its place in the batch.
    String audit = auditText();
    for (int i = 0; i < 5; i++) {
      assertThat(audit).contains("\"batch_item\":\"" + i + "\"");
    }
    assertThat(audit.lines().filter(l -> l.contains("cert.issued")).count()).isEqualTo(5);

    ok(post("/v1/ca/issuing/issue-batch", Map.of("requests", List.of())), 400);
    ok(post("/v1/ca/issuing/issue-batch", Map.of("requests", java.util.Collections.nCopies(257, issue(b, "tls-server",
        null)))), 400);
    ok(post("/v1/ca/nope/issue-batch", Map.of("requests", List.of(issue(b, "tls-server", null)))), 404);
    assertThat(storage.certificates().count()).isEqualTo(2);
  }

  @Test
  @DisplayName("unknown profile 404, malformed CSR 400, unknown CA 404")
  void badRequests() throws Exception {
    String req = csr("ed25519", "a.example.com", "DNS:a.example.com");
    ok(post("/v1/ca/issuing/issue", issue(req, "no-such-profile", null)), 404);
    ok(post("/v1/ca/issuing/issue", issue("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        "tls-server", null)), 400);
    ok(post("/v1/ca/issuing/issue", issue("garbage", "tls-server", null)), 400);
    ok(post("/v1/ca/nope/issue", issue(req, "tls-server", null)), 404);
  }

  @Test
  @DisplayName("inventory pages by serial without gaps or repeats; chain and caIssuers certificate are public")
  void inventoryPagingAndPublicCertificates() throws Exception {
    for (int i = 0; i < 5; i++) {
      ok(post("/v1/ca/issuing/issue", issue(csr("ed25519", "h" + i + ".example.com", "DNS:h" + i + ".example.com"),
          "tls-server", "30d")), 200);
    }
    Set<String> seen = new HashSet<>();
    String after = null;
    int pages = 0;
    do {
      JsonNode page = ok(node.get("/v1/certs?ca=issuing&owner=web&expiring=60d&limit=2"
          + (after == null ? "" : "&after=" + after)), 200);
      page.get("certificates").forEach(c -> assertThat(seen.add(c.get("serial").asText())).isTrue());
      after = page.has("next_after") ? page.get("next_after").asText() : null;
      pages++;
    } while (after != null);
    assertThat(seen).hasSize(5);
    assertThat(pages).isEqualTo(3);
    assertThat(ok(node.get("/v1/certs?expiring=7d"), 200).get("certificates")).isEmpty();
    ok(node.get("/v1/certs?limit=0"), 400);

    HttpResponse<String> chain = node.get("/v1/ca/issuing/chain");
    assertThat(chain.statusCode()).isEqualTo(200);
    assertThat(chain.body().split("BEGIN CERTIFICATE").length - 1).isEqualTo(2);
    assertThat(node.get("/v1/ca/issuing/cert?format=pem").body()).startsWith("-----BEGIN CERTIFICATE-----");
    HttpResponse<byte[]> der = node.http.send(HttpRequest.newBuilder(node.uri("/v1/ca/issuing/cert")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(der.headers().firstValue("Content-Type").orElse("")).startsWith("application/pkix-cert");
    assertThat(der.body()[0]).isEqualTo((byte) 0x30);

    JsonNode cas = ok(node.get("/v1/ca"), 200).get("cas");
    assertThat(cas).hasSize(2);
    cas.forEach(c -> assertThat(c.get("compliant").asBoolean()).isFalse());
    JsonNode root = ok(node.get("/v1/ca/root"), 200);
    assertThat(root.get("note").asText()).isEqualTo("online root: development only (SS-002 11.3.1)");

    // SS-002 11.1.7 — the CPS is rendered from what is configured now.
    HttpResponse<String> md = node.get("/v1/ca/issuing/cps");
    assertThat(md.statusCode()).isEqualTo(200);
    assertThat(md.headers().firstValue("Content-Type").orElse("")).startsWith("text/markdown");
    assertThat(md.body()).contains("Certification Practice Statement", "issuing", "tls-server");
    HttpResponse<String> html = node.get("/v1/ca/issuing/cps?format=html");
    assertThat(html.body()).contains("<h1>").contains("issuing");
    assertThat(node.get("/v1/ca/issuing/cps?format=pdf").statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("create a subordinate CA: CSR for the parent, audited as ca.create; activation with a bad chain refused")
  void createAndActivate() throws Exception {
    JsonNode made = ok(post("/v1/ca", Map.of("name", "issuing-2", "level", "subordinate", "algorithm", "ecdsa-p256",
        "subject", "CN=Issuing 2")), 200);
    assertThat(made.get("state").asText()).isEqualTo("pending");
    assertThat(made.get("csr").asText()).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
    assertThat(auditText()).contains("ca.create");
    String rootPem = node.get("/v1/ca/root/cert?format=pem").body();
    JsonNode refused = ok(post("/v1/ca/issuing-2/activate", Map.of("certificate", rootPem, "chain", rootPem)), 400);
    assertThat(refused.get("detail").asText()).contains("not for this CA's key");
    assertThat(auditText()).contains("ca.activate");
    ok(post("/v1/ca", Map.of("name", "r2", "level", "root", "algorithm", "ecdsa-p256", "subject", "CN=x")), 400);
  }

  @Test
  @DisplayName("a requester outside its grant's names is denied (audited DENIED); inside them it is issued")
  void nameConstraintsDecidedByTheCa() throws Exception {
    io.custos.access.AccessControl access = new io.custos.access.AccessControl(storage.records(), () -> barrier,
        MODULE, Clock.systemUTC());
    access.writePolicy(new io.custos.access.Policy("web-certs", 0, "", List.of(new io.custos.access.Grant("ca:issue",
        "ca/issuing/profiles/tls-server", Map.of("dns", List.of("shop.example.com")))), Set.of(),
        io.custos.access.Policy.DEFAULT_STEP_UP));
    access.createPrincipal(new io.custos.access.Principal("web", io.custos.access.PrincipalKind.MACHINE, "Web shop",
        "web@example.com", Optional.empty(), List.of("requester"), List.of("web-certs"), List.of(), false,
        java.time.Instant.now()));
    String token = access.createToken("web", Duration.ofHours(1), Duration.ofHours(2), "test").token();
    CertificateAuthority gated = new CertificateAuthority(storage.records(), () -> barrier, keys,
        storage.certificates(), access, SignatureVerifier.of(PROVIDER), MODULE.drbg(), Clock.systemUTC(),
        id -> access.principal(id).map(p -> new CertificateAuthority.Owner(p.id(), p.displayName(), p.email())),
        "http://127.0.0.1:8200", List.of());
    try (TestNode prod = new TestNode(dir.resolve("prod"), TestNode.dev(),
        List.of(CaRoutes.module(gated, storage.certificates(), log, access, false)), access)) {
      java.util.function.Function<Map<String, Object>, HttpResponse<String>> send = body -> {
        try {
          return prod.send(HttpRequest.newBuilder(prod.uri("/v1/ca/issuing/issue")).header("Content-Type",
              "application/json").header("Authorization", "Bearer " + token)
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
      ok(send.apply(issue(csr("ed25519", "evil.example.com", "DNS:evil.example.com"), "tls-server", "30d")), 403);
      assertThat(auditText()).contains("DENIED");
      ok(send.apply(issue(csr("ed25519", "shop.example.com", "DNS:shop.example.com"), "tls-server", "30d")), 200);
      HttpResponse<String> anonymous = prod.send(HttpRequest.newBuilder(prod.uri("/v1/ca/issuing/issue"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(issue("x", "tls-server", null)))));
      assertThat(anonymous.statusCode()).isEqualTo(401);
      // In a batch, each request is decided against the grant's names on its own.
      HttpResponse<String> batch = prod.send(HttpRequest.newBuilder(prod.uri("/v1/ca/issuing/issue-batch"))
          .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("requests", List.of(
              issue(csr("ed25519", "evil.example.com", "DNS:evil.example.com"), "tls-server", "30d"),
              issue(csr("ed25519", "shop.example.com", "DNS:shop.example.com"), "tls-server", "30d")))))));
      JsonNode results = ok(batch, 200).get("results");
      assertThat(results.get(0).get("error").get("status").asInt()).isEqualTo(403);
      assertThat(results.get(1).has("serial")).isTrue();
      HttpResponse<String> anonymousBatch = prod.send(HttpRequest.newBuilder(prod.uri("/v1/ca/issuing/issue-batch"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
              JSON.writeValueAsString(Map.of("requests", List.of(issue("x", "tls-server", null)))))));
      assertThat(anonymousBatch.statusCode()).isEqualTo(401);
      assertThat(auditText()).contains("no credentials");
    }
  }
}
