package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The non-dev server over TLS, with a certificate made by openssl for the test. */
class TlsServerTest {
  @TempDir static Path certs;
  static Path cert;
  static Path key;

  @BeforeAll
  static void makeCertificate() throws Exception {
    cert = certs.resolve("tls.crt");
    key = certs.resolve("tls.key");
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1");
  }

  @Test
  @DisplayName("SS-002 11.3.4 — the API is served over TLS 1.3")
  void servesTls13(@TempDir Path dir) throws Exception {
    try (TestNode node = new TestNode(dir, tls(), List.of());
        HttpClient client = HttpClient.newBuilder().sslContext(trusting(cert)).build()) {
      assertThat(node.server.address().getScheme()).isEqualTo("https");
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(node.uri("/v1/sys/health")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(501);
      assertThat(r.sslSession()).hasValueSatisfying(s -> assertThat(s.getProtocol()).isEqualTo("TLSv1.3"));
    }
  }

  @Test
  @DisplayName("SS-002 11.3.4 — TLS 1.2 without an AEAD suite is refused")
  void refusesWeakTls12(@TempDir Path dir) throws Exception {
    SSLParameters weak = new SSLParameters(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}, new String[] {"TLSv1.2"});
    try (TestNode node = new TestNode(dir, tls(), List.of());
        HttpClient client = HttpClient.newBuilder().sslContext(trusting(cert)).sslParameters(weak).build()) {
      assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(node.uri("/v1/sys/health")).build(),
          HttpResponse.BodyHandlers.ofString())).hasRootCauseInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  @DisplayName("a key that does not belong to the certificate stops start-up with a clear message")
  void mismatchedKey(@TempDir Path dir) throws Exception {
    Path otherKey = dir.resolve("other.key");
    run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", otherKey.toString());
    ServerSettings s = ServerSettings.of("127.0.0.1", 0, Optional.of(new ServerSettings.Tls(cert, otherKey)), false);
    assertThatThrownBy(() -> new TestNode(dir, s, List.of()))
        .isInstanceOf(ServerStartException.class).hasMessageContaining("does not belong to the certificate");
  }

  @Test
  @DisplayName("a legacy or missing key file is named in the start-up error")
  void badKeyFiles(@TempDir Path dir) throws Exception {
    Path legacy = dir.resolve("legacy.key");
    run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", legacy.toString());
    assertThatThrownBy(() -> new TestNode(dir, ServerSettings.of("127.0.0.1", 0,
        Optional.of(new ServerSettings.Tls(cert, legacy)), false), List.of()))
        .isInstanceOf(ServerStartException.class).hasMessageContaining("openssl pkcs8 -topk8");
    Path missing = dir.resolve("missing.key");
    assertThatThrownBy(() -> new TestNode(dir, ServerSettings.of("127.0.0.1", 0,
        Optional.of(new ServerSettings.Tls(cert, missing)), false), List.of()))
        .isInstanceOf(ServerStartException.class).hasMessageContaining(missing + " does not exist");
  }

  private static ServerSettings tls() {
    return ServerSettings.of("127.0.0.1", 0, Optional.of(new ServerSettings.Tls(cert, key)), false);
  }

  static SSLContext trusting(Path certFile) throws Exception {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    try (InputStream in = Files.newInputStream(certFile)) {
      ts.setCertificateEntry("custos", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
  }
}
