package io.custos.centrallog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** How a {@link SyslogTcpSink} reaches its receiver: plain TCP, or TLS as in RFC 5425. */
public sealed interface SyslogTransport {

  /**
   * Plain TCP (RFC 6587). Nothing is encrypted or authenticated; use it only on a network
   * segment that is itself protected, or towards a local relay that forwards over TLS.
   */
  record PlainTcp() implements SyslogTransport {}

  /**
   * TLS 1.3 or 1.2 (RFC 5425). The sink verifies the receiver's certificate chain against the
   * context's trust managers and checks that the certificate names the configured host (DNS
   * name or IP address in subjectAltName, RFC 2818 rules). Build the context with a key
   * manager to present a client certificate when the receiver requires mutual TLS.
   */
  record Tls(SSLContext context) implements SyslogTransport {
    public Tls {
      Objects.requireNonNull(context, "context");
    }

    /**
     * TLS trusting only the CA certificate(s) in a PEM file, not the JDK's default trust
     * store, and presenting no client certificate.
     */
    public static Tls trusting(Path caCertificatesPem) throws IOException, GeneralSecurityException {
      Collection<? extends Certificate> cas;
      try (InputStream in = Files.newInputStream(caCertificatesPem)) {
        cas = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (cas.isEmpty()) {
        throw new GeneralSecurityException("no certificate in " + caCertificatesPem);
      }
      KeyStore anchors = KeyStore.getInstance("PKCS12");
      anchors.load(null, null);
      int i = 0;
      for (Certificate ca : cas) {
        anchors.setCertificateEntry("ca-" + i++, ca);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(anchors);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return new Tls(context);
    }
  }
}
