package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.access.AccessGate;
import io.custos.audit.AuditLog;
import io.custos.barrier.Barrier;
import io.custos.ca.CertificateAuthority;
import io.custos.ca.CrlPublisher;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Revocation and CRLs over HTTP on a dev server, checked with openssl. */
class CrlRoutesTest {
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
  private CrlPublisher crls;
  private ScheduledExecutorService executor;
  private int csrs;

  @BeforeEach
  void start() {
    fixture = new TestCa(dir.resolve("ca"), MODULE, PROVIDER, TestCa::anyOwner, "issuing");
    barrier = fixture.barrier;
    storage = fixture.storage;
    log = fixture.log;
    keys = fixture.keys;
    CertificateAuthority ca = fixture.ca;
    AccessGate gate = fixture.gate;
    executor = Executors.newSingleThreadScheduledExecutor();
    crls = new CrlPublisher(ca, storage.certificates(), storage.records(), log::record,
        new CrlPublisher.Settings(Duration.ofHours(24), Duration.ofHours(6), Duration.ofMillis(200)), Clock.systemUTC(),
        Optional.of(executor));
    node = new TestNode(dir.resolve("data"), TestNode.dev(), List.of(CaRoutes.module(ca, storage.certificates(), log,
        gate, true), CrlRoutes.module(ca, crls, log, gate, true)));
  }

  @AfterEach
  void stop() {
    executor.shutdownNow();
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

  /** Issues a tls-server certificate for a new openssl key; returns its serial and writes it to DIR/NAME.pem. */
  private String issue(String name) throws Exception {
    Path out = dir.resolve(name + ".csr");
    TlsServerTest.run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", dir.resolve(name + ".key").toString(), "-out", out.toString(), "-subj", "/CN=" + name + ".example.com",
        "-addext", "subjectAltName=DNS:" + name + ".example.com");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("csr", Files.readString(out));
    body.put("profile", "tls-server");
    body.put("owner", "web");
    body.put("validity", "30d");
    JsonNode r = ok(post("/v1/ca/issuing/issue", body), 200);
    Files.writeString(dir.resolve(name + ".pem"), r.get("certificate").asText());
    Files.writeString(dir.resolve("chain.pem"), r.get("chain").asText());
    return r.get("serial").asText();
  }

  private static String openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return "exit " + p.exitValue() + ": " + out;
  }

  private byte[] fetch(String path, Path to) throws Exception {
    HttpResponse<byte[]> r = node.http.send(HttpRequest.newBuilder(node.uri(path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    Files.write(to, r.body());
    return r.body();
  }

  private void awaitCrlListing(String serial) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      Path crl = dir.resolve("probe.pem");
      fetch("/v1/ca/issuing/crl?format=pem", crl);
      if (openssl("crl", "-in", crl.toString(), "-noout", "-text").toUpperCase().contains(serial.toUpperCase())) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("serial " + serial + " not on the CRL within 10 s");
  }

  @Test
  @DisplayName("SS-002 11.6.1, 11.6.4 — a revoked leaf fails openssl verify -crl_check with 'certificate revoked' "
      + "within seconds; a good one passes; the CRLs verify with openssl crl -verify")
  void revokeAndVerifyWithOpenssl() throws Exception {
    String good = issue("good");
    String bad = issue("bad");
    JsonNode r = ok(post("/v1/certs/" + bad + "/revoke", Map.of("reason", "keyCompromise")), 200);
    assertThat(r.get("status").asText()).isEqualTo("revoked");
    assertThat(r.get("changed").asBoolean()).isTrue();
    awaitCrlListing(bad);

    Path crl = dir.resolve("issuing.crl.pem");
    fetch("/v1/ca/issuing/crl?format=pem", crl);
    Path rootCrl = dir.resolve("root.crl.pem");
    fetch("/v1/ca/root/crl?format=pem", rootCrl);
    Path bundle = dir.resolve("chain.pem");
    String chainPem = Files.readString(bundle);
    int second = chainPem.indexOf("-----BEGIN CERTIFICATE-----", 10);
    Files.writeString(dir.resolve("issuing-ca.pem"), chainPem.substring(0, second));
    Files.writeString(dir.resolve("root-ca.pem"), chainPem.substring(second));
    String root = dir.resolve("root-ca.pem").toString();
    String untrusted = dir.resolve("issuing-ca.pem").toString();

    String revoked = openssl("verify", "-crl_check", "-CAfile", root, "-untrusted", untrusted, "-CRLfile",
        crl.toString(), dir.resolve("bad.pem").toString());
    assertThat(revoked).doesNotStartWith("exit 0").contains("certificate revoked");
    assertThat(openssl("verify", "-crl_check", "-CAfile", root, "-untrusted", untrusted, "-CRLfile", crl.toString(),
        dir.resolve("good.pem").toString())).startsWith("exit 0").contains("OK");
    // The whole chain: the root's CRL covers the issuing CA.
    Path both = dir.resolve("crls.pem");
    Files.writeString(both, Files.readString(crl) + Files.readString(rootCrl));
    assertThat(openssl("verify", "-crl_check_all", "-CAfile", root, "-untrusted", untrusted, "-CRLfile",
        both.toString(), dir.resolve("good.pem").toString())).startsWith("exit 0");
    assertThat(openssl("verify", "-crl_check_all", "-CAfile", root, "-untrusted", untrusted, "-CRLfile",
        both.toString(), dir.resolve("bad.pem").toString())).contains("certificate revoked");

    assertThat(openssl("crl", "-in", crl.toString(), "-noout", "-verify", "-CAfile", dir.resolve("issuing-ca.pem")
        .toString())).startsWith("exit 0").contains("verify OK");
    Path delta = dir.resolve("delta.pem");
    fetch("/v1/ca/issuing/crl/delta?format=pem", delta);
    String deltaText = openssl("crl", "-in", delta.toString(), "-noout", "-text", "-verify", "-CAfile",
        dir.resolve("issuing-ca.pem").toString());
    assertThat(deltaText).startsWith("exit 0").contains("verify OK").contains("Delta CRL Indicator");
    assertThat(openssl("crl", "-in", crl.toString(), "-noout", "-text")).contains("Issuing Distribution Point")
        .contains("http://127.0.0.1:8200/v1/ca/issuing/crl").contains("Freshest CRL")
        .contains("http://127.0.0.1:8200/v1/ca/issuing/crl/delta").contains("Key Compromise");
    assertThat(good).isNotEqualTo(bad);
  }

  @Test
  @DisplayName("SS-002 11.6.4 — CRLs are served from cache with ETag, Last-Modified and max-age bounded by nextUpdate; "
      + "If-None-Match answers 304")
  void caching() throws Exception {
    HttpResponse<byte[]> first = node.http.send(HttpRequest.newBuilder(node.uri("/v1/ca/issuing/crl")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Content-Type").orElse("")).startsWith("application/pkix-crl");
    String etag = first.headers().firstValue("ETag").orElseThrow();
    assertThat(first.headers().firstValue("Last-Modified")).isPresent();
    assertThat(first.headers().firstValue("Expires")).isPresent();
    long maxAge = Long.parseLong(first.headers().firstValue("Cache-Control").orElseThrow()
        .replaceAll(".*max-age=(\\d+).*", "$1"));
    assertThat(maxAge).isPositive().isLessThanOrEqualTo(Duration.ofHours(24).toSeconds());
    HttpResponse<byte[]> again = node.http.send(HttpRequest.newBuilder(node.uri("/v1/ca/issuing/crl")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(again.body()).as("the same bytes, not re-signed").isEqualTo(first.body());
    HttpResponse<byte[]> cached = node.http.send(HttpRequest.newBuilder(node.uri("/v1/ca/issuing/crl"))
        .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(cached.statusCode()).isEqualTo(304);
    assertThat(cached.body()).isEmpty();
    assertThat(node.get("/v1/ca/nope/crl").statusCode()).isEqualTo(404);
    assertThat(node.get("/v1/ca/issuing/crl?format=xml").statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("SS-002 11.6.1 — bad input changes nothing: invalid reason 400 listing the valid ones, unknown serial 404, "
      + "double revocation idempotent with no second CRL entry")
  void badInput() throws Exception {
    String serial = issue("once");
    JsonNode bad = ok(post("/v1/certs/" + serial + "/revoke", Map.of("reason", "lostIt")), 400);
    assertThat(bad.get("detail").asText()).contains("keyCompromise").contains("removeFromCRL");
    ok(post("/v1/certs/" + serial + "/revoke", Map.of()), 400);
    ok(post("/v1/certs/not-hex/revoke", Map.of("reason", "superseded")), 400);
    ok(post("/v1/certs/abcdef0123/revoke", Map.of("reason", "superseded")), 404);
    ok(post("/v1/certs/" + serial + "/revoke", Map.of("reason", "removeFromCRL")), 409);
    assertThat(storage.certificates().get(serial).orElseThrow().status()).isEqualTo("good");

    assertThat(ok(post("/v1/certs/" + serial + "/revoke", Map.of("reason", "superseded")), 200).get("changed")
        .asBoolean()).isTrue();
    JsonNode twice = ok(post("/v1/certs/" + serial + "/revoke", Map.of("reason", "keyCompromise")), 200);
    assertThat(twice.get("changed").asBoolean()).isFalse();
    assertThat(twice.get("reason").asText()).isEqualTo("superseded");
    awaitCrlListing(serial);
    Path crl = dir.resolve("c.pem");
    fetch("/v1/ca/issuing/crl?format=pem", crl);
    String text = openssl("crl", "-in", crl.toString(), "-noout", "-text");
    assertThat(text.split("Serial Number:").length - 1).as("one entry").isEqualTo(1);
    String audit = auditText();
    assertThat(audit).contains("cert.revoke").contains("crl.published");
  }

  private String auditText() {
    StringBuilder b = new StringBuilder();
    for (var row : log.events(1, 10_000)) {
      b.append(new String(row.event(), StandardCharsets.UTF_8)).append('\n');
    }
    return b.toString();
  }
}
