package io.custos.server;

import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The HTTPS connector: TLS 1.3, and — only when configured ({@code tls.allow_tls12}) — TLS 1.2
 * with forward-secret AEAD suites
 * (SS-002 11.3.4: keys and secrets travel only over secure channels). Clients may present a
 * certificate (mutual TLS); see {@link ClientCertificateDeferring}.
 */
final class TlsConnector {
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  static final String[] TLS13_ONLY = {"TLSv1.3"};
  static final String[] CIPHER_SUITES = {
      "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"};

  private TlsConnector() {}

  /** Loads and checks the PEM files; fails before the server starts if they are wrong. */
  static SslContextFactory.Server contextFactory(ServerSettings.Tls tls) {
    List<X509Certificate> chain = PemFiles.certificates(tls.certificate());
    PrivateKey key = PemFiles.privateKey(tls.privateKey());
    if (!matches(chain.getFirst(), key)) {
      throw new ServerStartException("TLS private key " + tls.privateKey()
          + " does not belong to the certificate in " + tls.certificate());
    }
    // The key store exists only in memory, under a random password nobody sees.
    byte[] pw = new byte[24];
    new SecureRandom().nextBytes(pw);
    char[] password = HexFormat.of().formatHex(pw).toCharArray();
    Arrays.fill(pw, (byte) 0);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("custos", key, password, chain.toArray(X509Certificate[]::new));
      SslContextFactory.Server f = new ClientCertificateDeferring();
      f.setKeyStore(ks);
      f.setKeyStorePassword(new String(password));
      f.setIncludeProtocols(tls.allowTls12() ? PROTOCOLS : TLS13_ONLY);
      f.setIncludeCipherSuites(CIPHER_SUITES);
      f.setRenegotiationAllowed(false);
      f.setSniRequired(false);
      // Mutual TLS for machines: a client certificate is asked for, not required; whether it is
      // trusted is decided per request by the application (Authentication), against the trust
      // store and the principal bindings as they are at that moment.
      f.setWantClientAuth(true);
      f.setNeedClientAuth(false);
      return f;
    } catch (java.security.GeneralSecurityException | java.io.IOException e) {
      throw new ServerStartException("TLS key store cannot be built: " + e.getMessage(), e);
    } finally {
      Arrays.fill(password, '\0');
    }
  }

  /**
   * The TLS layer takes any client certificate chain (the handshake still proves the client holds
   * the private key), so that a revoked binding or a changed trust store is judged on the next
   * request rather than cached in a TLS session. Unknown CAs are not advertised to clients.
   */
  static final class ClientCertificateDeferring extends SslContextFactory.Server {
    @Override
    protected javax.net.ssl.TrustManager[] getTrustManagers(KeyStore trustStore,
        java.util.Collection<? extends java.security.cert.CRL> crls) {
      return new javax.net.ssl.TrustManager[] {new DeferToApplication()};
    }
  }

  private static final class DeferToApplication extends javax.net.ssl.X509ExtendedTrustManager {
    private static void present(X509Certificate[] chain) throws java.security.cert.CertificateException {
      if (chain == null || chain.length == 0) {
        throw new java.security.cert.CertificateException("empty client certificate chain");
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
      present(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
        throws java.security.cert.CertificateException {
      present(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
        throws java.security.cert.CertificateException {
      present(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
      throw new java.security.cert.CertificateException("the API server does not verify servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
        throws java.security.cert.CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
        throws java.security.cert.CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  static ServerConnector create(Server server, HttpConfiguration http, SslContextFactory.Server ssl) {
    HttpConfiguration https = new HttpConfiguration(http);
    SecureRequestCustomizer src = new SecureRequestCustomizer();
    src.setSniHostCheck(false);
    https.addCustomizer(src);
    return new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
  }

  private static boolean matches(X509Certificate cert, PrivateKey key) {
    try {
      java.security.Signature s = java.security.Signature.getInstance(signatureAlgorithm(key));
      byte[] probe = "custos-tls-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      s.initVerify(cert.getPublicKey());
      s.update(probe);
      return s.verify(sig);
    } catch (java.security.GeneralSecurityException e) {
      return false;
    }
  }

  private static String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> key.getAlgorithm(); // Ed25519, Ed448
    };
  }
}
