package io.custos.centrallog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** RFC 5425 TLS against a JDK TLS server: the receiver is authenticated before anything is sent. */
@Timeout(30)
class SyslogTlsTest {
  @TempDir
  static Path dir;

  private static TestPki pki;
  private final ManualClock clock = new ManualClock();
  private SyslogReceiver receiver;
  private SyslogTcpSink sink;

  @BeforeAll
  static void makePki() throws Exception {
    assumeTrue(TestPki.opensslAvailable(), "openssl is needed to make test certificates");
    pki = TestPki.create(dir);
  }

  @AfterEach
  void tearDown() throws IOException {
    if (sink != null) {
      sink.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  private static SyslogReceiver tlsReceiver(String certificate, String... protocols)
      throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(pki.p12(certificate))) {
      ks.load(in, TestPki.PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
    kmf.init(ks, TestPki.PASSWORD.toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
        .createServerSocket(0, 10, InetAddress.getLoopbackAddress());
    if (protocols.length > 0) {
      server.setEnabledProtocols(protocols);
    }
    return new SyslogReceiver(server);
  }

  private SyslogTcpSink sinkTo(int port, String trustedCa) throws IOException, GeneralSecurityException {
    return new SyslogTcpSink(SyslogTcpSettings.of("tls", "127.0.0.1", port,
            SyslogTransport.Tls.trusting(pki.pem(trustedCa)))
        .withConnectTimeout(Duration.ofSeconds(5))
        .withSettleInterval(Duration.ofSeconds(2)), clock);
  }

  private static List<LogEntry> entries() {
    return List.of(MemoryLog.entry(1, "cert.revoked"), MemoryLog.entry(2, "kms.encrypt"));
  }

  @Test
  @DisplayName("SS-002 11.3.4 — over TLS the receiver's certificate is verified and every entry arrives")
  void deliversOverTls() throws Exception {
    receiver = tlsReceiver("server");
    sink = sinkTo(receiver.port(), "ca");

    sink.deliver(entries());

    assertThat(receiver.take(2, Duration.ofSeconds(5))).extracting(SyslogReceiver.Received::seq)
        .containsExactly(1L, 2L);
    clock.advance(Duration.ofSeconds(2));
    assertThat(sink.confirmedThrough()).isEqualTo(2);
  }

  @Test
  @DisplayName("SS-002 11.3.4 — TLS 1.2 is still accepted for older receivers")
  void acceptsTls12() throws Exception {
    receiver = tlsReceiver("server", "TLSv1.2");
    sink = sinkTo(receiver.port(), "ca");
    sink.deliver(entries());
    assertThat(receiver.take(2, Duration.ofSeconds(5))).hasSize(2);
  }

  @Test
  @DisplayName("SS-002 11.3.4 — a receiver whose certificate does not name the configured host is refused")
  void refusesWrongHostName() throws Exception {
    receiver = tlsReceiver("elsewhere");
    sink = sinkTo(receiver.port(), "ca");
    assertThatThrownBy(() -> sink.deliver(entries())).isInstanceOf(IOException.class)
        .hasRootCauseInstanceOf(java.security.cert.CertificateException.class);
    assertThat(sink.confirmedThrough()).isZero();
    assertThat(receiver.drain()).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.3.4 — a receiver with a certificate from another CA is refused")
  void refusesUntrustedCa() throws Exception {
    receiver = tlsReceiver("stranger");
    sink = sinkTo(receiver.port(), "ca");
    assertThatThrownBy(() -> sink.deliver(entries())).isInstanceOf(IOException.class)
        .hasCauseInstanceOf(SSLException.class);
    assertThat(receiver.drain()).isEmpty();
  }

  @Test
  @DisplayName("a trust file without certificates is refused")
  void emptyTrustFile() throws IOException {
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    assertThatThrownBy(() -> SyslogTransport.Tls.trusting(empty))
        .isInstanceOf(GeneralSecurityException.class);
  }
}
