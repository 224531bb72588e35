package io.custos.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CustodianEnvelopeTest {
  private static final Drbg DRBG = FipsCryptoModule.start().drbg();
  private static final byte[] SHARE = "custos-share-v1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8"
      .getBytes(StandardCharsets.US_ASCII);
  private static final KeyPair RSA = generate("rsa3072");
  private static final KeyPair P256 = generate("p256");
  private static final KeyPair P384 = generate("p384");

  @TempDir Path dir;

  static KeyPair generate(String kind) {
    try {
      KeyPairGenerator g;
      switch (kind) {
        case "rsa3072" -> {
          g = KeyPairGenerator.getInstance("RSA");
          g.initialize(3072);
        }
        case "rsa2048" -> {
          g = KeyPairGenerator.getInstance("RSA");
          g.initialize(2048);
        }
        case "p256", "p384", "p521" -> {
          g = KeyPairGenerator.getInstance("EC");
          g.initialize(new ECGenParameterSpec(switch (kind) {
            case "p256" -> "secp256r1";
            case "p384" -> "secp384r1";
            default -> "secp521r1";
          }));
        }
        default -> throw new IllegalArgumentException(kind);
      }
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair keys(String kind) {
    return switch (kind) {
      case "rsa3072" -> RSA;
      case "p256" -> P256;
      case "p384" -> P384;
      default -> throw new IllegalArgumentException(kind);
    };
  }

  static String publicPem(KeyPair kp) {
    return Pem.write("PUBLIC KEY", kp.getPublic().getEncoded());
  }

  static SecretBytes privateKey(KeyPair kp) {
    return CustodianEnvelope.privateKeyFromPem(Pem.write("PRIVATE KEY", kp.getPrivate().getEncoded()));
  }

  static String sha256Hex(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa3072", "p256", "p384"})
  @DisplayName("SS-002 11.3.7 — a share encrypted to a custodian key opens only with that custodian's private key")
  void roundTrip(String kind) throws Exception {
    KeyPair kp = keys(kind);
    CustodianEnvelope.Recipient r = CustodianEnvelope.Recipient.fromPem(publicPem(kp));
    assertThat(r.fingerprint()).isEqualTo(sha256Hex(kp.getPublic().getEncoded()));
    String text = CustodianEnvelope.seal(r, SHARE, DRBG);
    assertThat(text).startsWith(CustodianEnvelope.PREFIX).doesNotContain(new String(SHARE, StandardCharsets.US_ASCII));
    assertThat(CustodianEnvelope.isEnvelope(text)).isTrue();
    assertThat(CustodianEnvelope.recipientFingerprint(text)).isEqualTo(r.fingerprint());
    // Each sealing is fresh: the same share encrypts differently every time.
    assertThat(CustodianEnvelope.seal(r, SHARE, DRBG)).isNotEqualTo(text);
    try (SecretBytes key = privateKey(kp); SecretBytes plain = CustodianEnvelope.open(key, "  " + text + "\n")) {
      assertThat(plain.sameAs(SHARE)).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa3072", "p256", "p384"})
  @DisplayName("SS-002 11.3.7 — another custodian's key is told apart by the recipient's SPKI fingerprint")
  void wrongKey(String kind) throws Exception {
    KeyPair kp = keys(kind);
    CustodianEnvelope.Recipient r = CustodianEnvelope.Recipient.fromPem(publicPem(kp));
    String text = CustodianEnvelope.seal(r, SHARE, DRBG);
    for (KeyPair other : List.of(generate(kind), kind.equals("rsa3072") ? P256 : RSA)) {
      try (SecretBytes key = privateKey(other)) {
        assertThatThrownBy(() -> CustodianEnvelope.open(key, text)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("this share is encrypted to another key (SPKI sha256 " + r.fingerprint() + ")");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa3072", "p256", "p384"})
  @DisplayName("SS-002 11.3.8 — any altered byte of an encrypted share is refused, with no partial output")
  void tampered(String kind) throws Exception {
    KeyPair kp = keys(kind);
    String text = CustodianEnvelope.seal(CustodianEnvelope.Recipient.fromPem(publicPem(kp)), SHARE, DRBG);
    byte[] raw = Base64.getUrlDecoder().decode(text.substring(CustodianEnvelope.PREFIX.length()));
    try (SecretBytes key = privateKey(kp)) {
      // The scheme byte, the recipient, the key field, the nonce, the ciphertext and the tag.
      for (int i : new int[] {0, 1, 20, 35, 36, raw.length - 40, raw.length - 30, raw.length - 1}) {
        byte[] changed = raw.clone();
        changed[i] ^= 0x01;
        String bad = CustodianEnvelope.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(changed);
        assertThatThrownBy(() -> CustodianEnvelope.open(key, bad)).as("byte " + i)
            .isInstanceOf(InvalidInputException.class);
      }
      byte[] lastByte = raw.clone();
      lastByte[raw.length - 1] ^= 0x01;
      assertThatThrownBy(() -> CustodianEnvelope.open(key, CustodianEnvelope.PREFIX
          + Base64.getUrlEncoder().withoutPadding().encodeToString(lastByte)))
          .hasMessageContaining("does not authenticate");
    }
  }

  @Test
  @DisplayName("Truncated, prefixed wrongly or malformed envelopes are refused with a clear message")
  void malformed() {
    String text = CustodianEnvelope.seal(CustodianEnvelope.Recipient.fromPem(publicPem(P256)), SHARE, DRBG);
    try (SecretBytes key = privateKey(P256)) {
      assertThatThrownBy(() -> CustodianEnvelope.open(key, text.substring(0, text.length() - 10)))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("truncated");
      assertThatThrownBy(() -> CustodianEnvelope.open(key, text.substring(0, 40)))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("truncated");
      assertThatThrownBy(() -> CustodianEnvelope.open(key, text.replace("custos-share-enc-v1:", "custos-share-enc-v2:")))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("must start with 'custos-share-enc-v1:'");
      assertThatThrownBy(() -> CustodianEnvelope.open(key, new String(SHARE, StandardCharsets.US_ASCII)))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("not encrypted");
      assertThatThrownBy(() -> CustodianEnvelope.open(key, text + "!"))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("not base64url");
      assertThatThrownBy(() -> CustodianEnvelope.open(key, ""))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("empty");
      assertThatThrownBy(() -> CustodianEnvelope.open(key, CustodianEnvelope.PREFIX + "A".repeat(CustodianEnvelope.MAX_TEXT_CHARS + 1)))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("too long");
      byte[] raw = Base64.getUrlDecoder().decode(text.substring(CustodianEnvelope.PREFIX.length()));
      raw[0] = 9;
      assertThatThrownBy(() -> CustodianEnvelope.open(key,
          CustodianEnvelope.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw)))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown scheme 9");
    }
  }

  @Test
  @DisplayName("A certificate and its bare public key name the same recipient; OpenSSL keys and fingerprints agree")
  void certificateAndPublicKey() throws Exception {
    for (String newkey : List.of("rsa:3072", "ec")) {
      Path cert = dir.resolve("c.pem");
      Path key = dir.resolve("k.pem");
      Path pub = dir.resolve("p.der");
      List<String> req = new java.util.ArrayList<>(List.of("openssl", "req", "-x509", "-newkey", newkey));
      if (newkey.equals("ec")) {
        req.addAll(List.of("-pkeyopt", "ec_paramgen_curve:P-384"));
      }
      req.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=custodian"));
      openssl(req);
      openssl(List.of("openssl", "x509", "-in", cert.toString(), "-pubkey", "-noout", "-out", dir.resolve("p.pem").toString()));
      openssl(List.of("openssl", "pkey", "-pubin", "-in", dir.resolve("p.pem").toString(), "-outform", "DER", "-out", pub.toString()));

      CustodianEnvelope.Recipient fromCert = CustodianEnvelope.Recipient.fromPem(Files.readString(cert));
      CustodianEnvelope.Recipient fromKey = CustodianEnvelope.Recipient.fromPem(Files.readString(dir.resolve("p.pem")));
      assertThat(fromCert).isEqualTo(fromKey);
      assertThat(fromCert.fingerprint()).isEqualTo(sha256Hex(Files.readAllBytes(pub)));
      assertThat(fromCert.publicKeyPem()).startsWith("-----BEGIN PUBLIC KEY-----");
      assertThat(CustodianEnvelope.Recipient.fromPem(fromCert.publicKeyPem())).isEqualTo(fromCert);

      String text = CustodianEnvelope.seal(fromCert, SHARE, DRBG);
      try (SecretBytes pk = CustodianEnvelope.privateKeyFromPem(Files.readString(key));
          SecretBytes plain = CustodianEnvelope.open(pk, text)) {
        assertThat(plain.sameAs(SHARE)).isTrue();
      }
    }
  }

  @Test
  @DisplayName("SS-002 11.2.1 — weak or unsupported custodian keys, private keys and malformed PEM are refused")
  void refusedKeys() {
    assertThatThrownBy(() -> CustodianEnvelope.Recipient.fromPem(publicPem(generate("rsa2048"))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("RSA-2048, too weak");
    assertThatThrownBy(() -> CustodianEnvelope.Recipient.fromPem(publicPem(generate("p521"))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("P-256 or P-384");
    assertThatThrownBy(() -> CustodianEnvelope.Recipient.fromPem(Pem.write("PRIVATE KEY", P256.getPrivate().getEncoded())))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("never the private key");
    assertThatThrownBy(() -> CustodianEnvelope.Recipient.fromPem("no pem here"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("no PEM block");
    assertThatThrownBy(() -> CustodianEnvelope.Recipient.fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("no matching END");
    assertThatThrownBy(() -> CustodianEnvelope.Recipient.fromPem("-----BEGIN PUBLIC KEY-----\n*&^\n-----END PUBLIC KEY-----\n"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not base64");
    assertThatThrownBy(() -> CustodianEnvelope.Recipient.fromPem(Pem.write("PUBLIC KEY", new byte[] {1, 2, 3})))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not an RSA or EC public key");
    assertThatThrownBy(() -> CustodianEnvelope.Recipient.fromPem(Pem.write("CERTIFICATE", new byte[] {1, 2, 3})))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not a valid X.509 certificate");
    assertThatThrownBy(() -> CustodianEnvelope.Recipient.fromPem("x".repeat(Pem.MAX_CHARS + 1)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("longer than");
    assertThatThrownBy(() -> CustodianEnvelope.privateKeyFromPem(publicPem(RSA)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("no PRIVATE KEY block");
    assertThatThrownBy(() -> CustodianEnvelope.privateKeyFromPem(Pem.write("ENCRYPTED PRIVATE KEY", new byte[] {1})))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("passphrase-protected");
    assertThatThrownBy(() -> CustodianEnvelope.privateKeyFromPem(Pem.write("PRIVATE KEY", new byte[] {1, 2})))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not an RSA or EC PKCS#8 key");
  }

  private static void openssl(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }
}
