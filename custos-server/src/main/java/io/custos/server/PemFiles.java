package io.custos.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the server's TLS certificate chain and PKCS#8 private key from PEM files. */
final class PemFiles {
  static final long MAX_FILE_BYTES = 1024 * 1024;
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "Ed25519", "Ed448");

  private PemFiles() {}

  static List<X509Certificate> certificates(Path file) {
    String text = read(file, "TLS certificate");
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      List<X509Certificate> chain = cf.generateCertificates(
              new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII))).stream()
          .map(c -> (X509Certificate) c).toList();
      if (chain.isEmpty()) {
        throw new ServerStartException("TLS certificate " + file + " holds no PEM certificate");
      }
      return chain;
    } catch (CertificateException e) {
      throw new ServerStartException("TLS certificate " + file + " is not a valid PEM certificate: " + e.getMessage());
    }
  }

  /** The private key; the decoded bytes are wiped as soon as the key object exists. */
  static PrivateKey privateKey(Path file) {
    String text = read(file, "TLS private key");
    Matcher m = BLOCK.matcher(text);
    if (!m.find()) {
      throw new ServerStartException("TLS private key " + file + " holds no PEM block");
    }
    String label = m.group(1);
    switch (label) {
      case "PRIVATE KEY" -> { }
      case "ENCRYPTED PRIVATE KEY" -> throw new ServerStartException("TLS private key " + file
          + " is encrypted; give an unencrypted PKCS#8 key file readable only by Custos");
      case "EC PRIVATE KEY", "RSA PRIVATE KEY" -> throw new ServerStartException("TLS private key " + file
          + " is in the legacy '" + label + "' form; convert it: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
      default -> throw new ServerStartException("TLS private key " + file + " holds a '" + label
          + "' block, not a PKCS#8 PRIVATE KEY");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new ServerStartException("TLS private key " + file + " has invalid base64");
    }
    try {
      PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
      for (String alg : KEY_ALGORITHMS) {
        try {
          return KeyFactory.getInstance(alg).generatePrivate(spec);
        } catch (GeneralSecurityException wrongAlgorithm) {
          // try the next
        }
      }
      throw new ServerStartException("TLS private key " + file + " is not an EC, RSA or EdDSA PKCS#8 key");
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  private static String read(Path file, String what) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new ServerStartException(what + " " + file + " does not exist or is not a file");
      }
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new ServerStartException(what + " " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
      }
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ServerStartException(what + " " + file + " cannot be read: " + e.getMessage());
    }
  }
}
