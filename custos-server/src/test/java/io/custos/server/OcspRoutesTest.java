package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.access.Caller;
import io.custos.audit.AuditLog;
import io.custos.barrier.Barrier;
import io.custos.ca.CertificateAuthority;
import io.custos.ca.OcspResponder;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.kms.KeyManager;
import io.custos.store.Storage;
import io.custos.x509.Ocsp;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/ocsp/{ca}} over HTTP, POST and GET, on a real server and SQLite store. */
class OcspRoutesTest {
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
  private Ocsp.IssuerHashes issuing;
  private final Caller root = new Caller("dev-root", "dev-mode", "", "setup");

  @BeforeEach
  void start() {
    fixture = new TestCa(dir.resolve("ca"), MODULE, PROVIDER, TestCa::anyOwner, "issuing");
    barrier = fixture.barrier;
    storage = fixture.storage;
    log = fixture.log;
    keys = fixture.keys;
    ca = fixture.ca;
    issuing = Ocsp.IssuerHashes.of(ca.chain("issuing").getFirst());
    OcspResponder responder = new OcspResponder(ca, keys, storage.certificates(), storage.records(), () -> barrier,
        log::record, Clock.systemUTC(), OcspResponder.Settings.defaults());
    node = new TestNode(dir.resolve("data"), TestNode.dev(), List.of(OcspRoutes.module(responder, new Metrics())));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    fixture.close();
  }

  private String leafSerial;

  private String issue() throws Exception {
    Path key = dir.resolve("leaf.key");
    Path csr = dir.resolve("leaf.csr");
    Files.deleteIfExists(key);
    Process p = new ProcessBuilder("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=shop.example.com",
        "-addext", "subjectAltName=DNS:shop.example.com").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    CertificateAuthority.Issued issued = ca.issue(root, "issuing", "tls-server", Files.readAllBytes(csr), "web",
        Optional.empty());
    Files.writeString(dir.resolve("leaf.pem"), io.custos.x509.Certificates.pem("CERTIFICATE", issued.certificate()));
    return issued.serial();
  }

  private String openssl(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  @Test
  @DisplayName("SS-002 11.6.1 — openssl ocsp: good, then revoked with its reason after a revocation; the signature verifies;"
      + " the GET form too")
  void opensslInterop() throws Exception {
    String serial = issue();
    List<byte[]> chain = ca.chain("issuing");
    Files.writeString(dir.resolve("issuing.pem"), io.custos.x509.Certificates.pem("CERTIFICATE", chain.get(0)));
    Files.writeString(dir.resolve("root.pem"), io.custos.x509.Certificates.pem("CERTIFICATE", chain.get(1)));
    String url = node.uri("/v1/ocsp/issuing").toString();
    String[] ask = {"ocsp", "-issuer", dir.resolve("issuing.pem").toString(), "-cert", dir.resolve("leaf.pem").toString(),
        "-url", url, "-CAfile", dir.resolve("root.pem").toString()};
    String good = openssl(ask);
    assertThat(good).contains("Response verify OK").contains("leaf.pem: good").contains("Next Update:");

    ca.revoke(root, serial, "keyCompromise");
    String revoked = openssl(ask);
    assertThat(revoked).contains("Response verify OK").contains("leaf.pem: revoked").contains("Reason: keyCompromise");

    // GET (RFC 6960 Appendix A): the request openssl writes, base64- and URL-encoded into the path.
    Path req = dir.resolve("req.der");
    openssl("ocsp", "-issuer", dir.resolve("issuing.pem").toString(), "-cert", dir.resolve("leaf.pem").toString(),
        "-no_nonce", "-reqout", req.toString());
    HttpResponse<byte[]> r = get(URLEncoder.encode(Base64.getEncoder().encodeToString(Files.readAllBytes(req)),
        StandardCharsets.US_ASCII));
    Path resp = dir.resolve("resp.der");
    Files.write(resp, r.body());
    String viaGet = openssl("ocsp", "-respin", resp.toString(), "-issuer", dir.resolve("issuing.pem").toString(),
        "-cert", dir.resolve("leaf.pem").toString(), "-CAfile", dir.resolve("root.pem").toString());
    assertThat(viaGet).contains("Response verify OK").contains("leaf.pem: revoked");
  }

  private HttpResponse<byte[]> post(byte[] body, String type) throws Exception {
    return node.http.send(HttpRequest.newBuilder(node.uri("/v1/ocsp/issuing")).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> get(String encoded, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(node.uri("/v1/ocsp/issuing/" + encoded)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return node.http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private byte[] ask(String serial) {
    return Ocsp.request(List.of(issuing.certId("SHA-1", new BigInteger(serial, 16))), Optional.empty());
  }

  @Test
  @DisplayName("SS-002 11.6.1 — POST: good, then revoked on the very next request after a revocation")
  void postGoodThenRevoked() throws Exception {
    String serial = issue();
    HttpResponse<byte[]> r = post(ask(serial), "application/ocsp-request");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/ocsp-response");
    assertThat(Ocsp.certStatus(r.body())).isEqualTo("good");
    ca.revoke(root, serial, "keyCompromise");
    assertThat(Ocsp.certStatus(post(ask(serial), "application/ocsp-request").body())).isEqualTo("revoked");
    assertThat(Ocsp.certStatus(get(Base64.getEncoder().encodeToString(ask(serial))).body())).isEqualTo("revoked");
  }

  @Test
  @DisplayName("RFC 5019 — GET answers carry Cache-Control up to nextUpdate, ETag and Last-Modified; If-None-Match gives 304")
  void getCachingHeaders() throws Exception {
    String serial = issue();
    String path = URLEncoder.encode(Base64.getEncoder().encodeToString(ask(serial)), StandardCharsets.US_ASCII);
    HttpResponse<byte[]> r = get(path);
    assertThat(Ocsp.certStatus(r.body())).isEqualTo("good");
    String cc = r.headers().firstValue("Cache-Control").orElseThrow();
    long maxAge = Long.parseLong(cc.replaceAll(".*max-age=(\\d+).*", "$1"));
    assertThat(maxAge).isBetween(3500L, 3600L);
    assertThat(r.headers().firstValue("Last-Modified")).isPresent();
    String etag = r.headers().firstValue("ETag").orElseThrow();
    HttpResponse<byte[]> again = get(path, "If-None-Match", etag);
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(post(ask(serial), "application/ocsp-request").headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  @Test
  @DisplayName("RFC 6960 Appendix A — GET requests whose base64 holds '/', '+' and '=' are decoded, URL-encoded or not")
  void getWithAwkwardBase64() throws Exception {
    Random random = new Random(7);
    byte[] der;
    String b64;
    do {
      der = ask(new BigInteger(64, random).setBit(63).toString(16));
      b64 = Base64.getEncoder().encodeToString(der);
    } while (!(b64.contains("/") && b64.contains("+") && b64.contains("=")));
    HttpResponse<byte[]> encoded = get(URLEncoder.encode(b64, StandardCharsets.US_ASCII));
    assertThat(encoded.statusCode()).isEqualTo(200);
    assertThat(Ocsp.responseStatus(encoded.body())).isZero();
    assertThat(Ocsp.certStatus(encoded.body())).isEqualTo("unknown");
    HttpResponse<byte[]> plain = get(b64.replace("=", "%3D"));
    assertThat(Ocsp.responseStatus(plain.body())).isZero();
    assertThat(plain.body()).isEqualTo(encoded.body());
  }

  @Test
  @DisplayName("RFC 6960 4.2.1 — garbage over GET and POST is malformedRequest with the reason in a header; wrong type is 400")
  void malformed() throws Exception {
    HttpResponse<byte[]> r = post("garbage".getBytes(), "application/ocsp-request");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(Ocsp.ErrorStatus.MALFORMED_REQUEST.der());
    assertThat(r.headers().firstValue("X-Custos-Problem")).hasValueSatisfying(p -> assertThat(p).contains("not"));
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(get("!!!!*").body()).isEqualTo(Ocsp.ErrorStatus.MALFORMED_REQUEST.der());
    assertThat(get("bm90IGFuIE9DU1AgcmVxdWVzdA").body()).isEqualTo(Ocsp.ErrorStatus.MALFORMED_REQUEST.der());
    assertThat(post(new byte[70_000], "application/ocsp-request").body())
        .isEqualTo(Ocsp.ErrorStatus.MALFORMED_REQUEST.der());
    assertThat(post(ask("1"), "application/json").statusCode()).isEqualTo(400);
    HttpResponse<byte[]> other = node.http.send(HttpRequest.newBuilder(node.uri("/v1/ocsp/nope"))
        .header("Content-Type", "application/ocsp-request").POST(HttpRequest.BodyPublishers.ofByteArray(ask("1")))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(other.body()).isEqualTo(Ocsp.ErrorStatus.UNAUTHORIZED.der());
  }
}
