package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.access.AccessControl;
import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.audit.AuditLog;
import io.custos.barrier.Barrier;
import io.custos.ca.CertificateAuthority;
import io.custos.ca.Compromise;
import io.custos.ca.RecoveryPlan;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.kms.KeyManager;
import io.custos.store.Storage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/compromise} over HTTP on a dev server, with a SQLite inventory and CSRs made by openssl. */
class CompromiseRoutesTest {
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
  private CertificateAuthority ca;
  private String leafSerial;
  private String importedSerial;

  @BeforeEach
  void start() throws Exception {
    fixture = new TestCa(dir.resolve("ca"), MODULE, PROVIDER, TestCa::anyOwner, "issuing-a", "issuing-b");
    barrier = fixture.barrier;
    storage = fixture.storage;
    log = fixture.log;
    keys = fixture.keys;
    ca = fixture.ca;
    AccessGate gate = fixture.gate;
    AccessControl access = new AccessControl(storage.records(), () -> barrier, MODULE, Clock.systemUTC());
    Caller root = TestCa.ROOT;
    Path csr = dir.resolve("leaf.csr");
    TlsServerTest.run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", dir.resolve("leaf.key").toString(), "-out", csr.toString(), "-subj", "/CN=shop.example.com",
        "-addext", "subjectAltName=DNS:shop.example.com");
    leafSerial = ca.issue(root, "issuing-a", "tls-server", Files.readAllBytes(csr), "web", Optional.empty()).serial();
    // The same key under the second CA, written straight into the inventory as an old import would have been.
    importedSerial = "1234abcd";
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ca/custos.db"));
        Statement st = c.createStatement()) {
      st.execute("INSERT INTO certificate (serial, ca, owner, owner_name, owner_contact, profile, subject, sans, "
          + "spki_hash, not_before_ms, not_after_ms, issued_at_ms, status, der) SELECT '" + importedSerial + "', "
          + "'issuing-b', owner, owner_name, owner_contact, profile, subject, sans, spki_hash, not_before_ms, "
          + "not_after_ms, issued_at_ms, status, der FROM certificate WHERE serial = '" + leafSerial + "'");
    }
    Set<String> availabilityFirst = Set.of("issuing-b");
    Compromise compromise = new Compromise(ca, keys, storage.certificates(), access, gate,
        new Compromise.Settings(availabilityFirst));
    RecoveryPlan plans = new RecoveryPlan(ca, keys, storage.certificates(), access, log, gate,
        new RecoveryPlan.Settings(List.of("SOC <soc@example.com>"), availabilityFirst), Clock.systemUTC());
    node = new TestNode(dir.resolve("data"), TestNode.dev(),
        List.of(CompromiseRoutes.module(compromise, plans, log, gate, true)));
  }

  @AfterEach
  void stop() {
    node.close();
    fixture.close();
  }

  private HttpResponse<String> post(Object body) throws Exception {
    return node.send(HttpRequest.newBuilder(node.uri("/v1/compromise")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
  }

  private JsonNode ok(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  private String status(String serial) {
    return storage.certificates().get(serial).orElseThrow().status();
  }

  private String auditText() {
    StringBuilder b = new StringBuilder();
    for (var row : log.events(1, 10_000)) {
      b.append(new String(row.event(), StandardCharsets.UTF_8)).append('\n');
    }
    return b.toString();
  }

  @Test
  @DisplayName("SS-002 11.6.1 — declared by serial over HTTP: the key's certificates in both issuing CAs are revoked, "
      + "in one audited action with each revocation also in the log (11.6.5)")
  void declareAcrossTwoCas() throws Exception {
    JsonNode r = ok(post(Map.of("cert", leafSerial, "ca", "issuing-a", "reason", "private key committed to git")), 200);
    assertThat(r.get("certificates_revoked").get("issuing-a").get(0).asText()).isEqualTo(leafSerial);
    assertThat(r.get("certificates_revoked").get("issuing-b").get(0).asText()).isEqualTo(importedSerial);
    assertThat(r.get("ceremonies_required")).isEmpty();
    assertThat(status(leafSerial)).isEqualTo("revoked");
    assertThat(status(importedSerial)).isEqualTo("revoked");
    String audit = auditText();
    assertThat(audit).contains("\"action\":\"compromise.declare\"").contains("\"certificates_revoked\":\"2\"")
        .contains("ca/issuing-a/certs/" + leafSerial).contains("ca/issuing-b/certs/" + importedSerial)
        .contains("\"by\":\"compromise.declare\"");
  }

  @Test
  @DisplayName("SS-002 11.6.2 — an availability-first CA is refused without override_availability, nothing changes; "
      + "with it, the CA stops and its certificate is revoked by its parent")
  void availabilityFirst() throws Exception {
    JsonNode refused = ok(post(Map.of("key", "ca.issuing-b", "reason", "suspected")), 403);
    assertThat(refused.get("detail").asText()).contains("SS-002 11.6.2").contains("--override-availability");
    assertThat(status(importedSerial)).isEqualTo("good");
    JsonNode r = ok(post(Map.of("key", "ca.issuing-b", "reason", "confirmed", "override_availability", true)), 200);
    assertThat(r.get("cas_disabled").get(0).asText()).isEqualTo("issuing-b");
    assertThat(r.get("keys_marked_compromised").get(0).asText()).isEqualTo("ca.issuing-b");
    assertThat(r.get("certificates_revoked").has("root")).isTrue();
    assertThat(r.get("issued_by_compromised_cas").get(0).asText()).isEqualTo(importedSerial);
    assertThat(r.get("availability_overridden").asBoolean()).isTrue();
    assertThat(status(importedSerial)).isEqualTo("revoked");
    assertThat(status(leafSerial)).as("issued by the other CA, for another reason untouched").isEqualTo("good");
  }

  @Test
  @DisplayName("bad requests are refused with the reason, and nothing is revoked")
  void badRequests() throws Exception {
    assertThat(ok(post(Map.of("key", "ca.issuing-a", "cert", leafSerial, "reason", "x")), 400).get("detail").asText())
        .contains("exactly one");
    assertThat(ok(post(Map.of("key", "ca.issuing-a", "reason", "x", "force", true)), 400).get("detail").asText())
        .contains("unknown field 'force'");
    assertThat(ok(post(Map.of("key", "ca.issuing-a")), 400).get("detail").asText()).contains("'reason' is required");
    assertThat(ok(post(Map.of("public_key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "reason", "x")), 400).get("detail").asText()).contains("SubjectPublicKeyInfo");
    assertThat(ok(post(Map.of("key", "ca.issuing-a", "reason", "x", "override_availability", "yes")), 400)
        .get("detail").asText()).contains("override_availability");
    assertThat(ok(post(Map.of("cert", "ffff", "reason", "x")), 404).get("detail").asText()).contains("ffff");
    assertThat(ok(post(Map.of("key", "x".repeat(2000), "reason", "x")), 400).get("detail").asText())
        .contains("'key' must be a name");
    assertThat(status(leafSerial)).isEqualTo("good");
    assertThat(status(importedSerial)).isEqualTo("good");
  }

  @Test
  @DisplayName("SS-002 11.6.3 — the recovery plan over HTTP: JSON with eight parts, Markdown and HTML; bad format named")
  void plan() throws Exception {
    JsonNode plan = ok(node.get("/v1/compromise/plan?ca=issuing-a&format=json"), 200);
    assertThat(plan.get("parts")).hasSize(8);
    assertThat(plan.get("parts").get(0).toString()).contains("SOC <soc@example.com>").contains("web@example.com");
    assertThat(plan.get("parts").get(5).toString()).contains(leafSerial);
    HttpResponse<String> md = node.get("/v1/compromise/plan?key=ca.issuing-a");
    assertThat(md.statusCode()).isEqualTo(200);
    assertThat(md.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/markdown");
    assertThat(md.body()).contains("## \\(h\\) Installing the new key material");
    HttpResponse<String> html = node.get("/v1/compromise/plan?format=html");
    assertThat(html.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
    assertThat(ok(node.get("/v1/compromise/plan?format=pdf"), 400).get("detail").asText()).contains("md, html or json");
    assertThat(ok(node.get("/v1/compromise/plan?ca=nope"), 404).get("detail").asText()).contains("nope");
    assertThat(ok(node.get("/v1/compromise/plan?ca=%3Cscript%3E"), 400).get("detail").asText()).contains("'ca'");
    assertThat(auditText()).contains("\"action\":\"compromise.plan\"");
  }
}
