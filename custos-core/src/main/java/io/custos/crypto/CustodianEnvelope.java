package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.KeyAgreement;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts a small secret (an unseal share) to one custodian's public key, so that only the
 * holder of the matching private key can read it; the counterpart of Vault's {@code -pgp-keys}.
 * Text form: {@code custos-share-enc-v1:} followed by base64url (no padding) of
 *
 * <pre>
 *   scheme (1)                      1 = RSA-OAEP, 2 = ECDH P-256, 3 = ECDH P-384
 *   recipient (32)                  SHA-256 of the recipient's SubjectPublicKeyInfo (DER)
 *   key length (2, big-endian)
 *   key (key length)                RSA: OAEP(SHA-256, MGF1-SHA-256) of a fresh AES-256 key
 *                                   EC:  the ephemeral public key, uncompressed point
 *   nonce (12) | ciphertext | tag (16)   AES-256-GCM of the plaintext, AAD = all bytes above
 * </pre>
 *
 * For EC the AES key is HKDF-SHA-256 (RFC 5869, no salt) of the ECDH shared secret with info
 * {@code "custos-share-enc-v1" || 0x00 || scheme || recipient SPKI || ephemeral point}. Recipient
 * keys are RSA of 3072 to 16384 bits or EC P-256/P-384; the SPKI is the canonical DER encoding
 * (named curve, uncompressed point), so {@code openssl pkey -pubin -outform DER | sha256sum}
 * gives the same fingerprint. docs/custodian-keys.md describes the format for custodians.
 */
public final class CustodianEnvelope {
  public static final String PREFIX = "custos-share-enc-v1:";
  /**
   * The longest envelope text read: an RSA-16384 envelope of a share is about 2,900 characters,
   * one of a server-generated ML-DSA-87 private key (see {@link #sealKey}) about 8,000.
   */
  public static final int MAX_TEXT_CHARS = 12 * 1024;
  /** The largest plaintext sealed (an unseal share). */
  public static final int MAX_PLAINTEXT_BYTES = 1024;
  /** The largest private key sealed by {@link #sealKey} (a PKCS#8 ML-DSA-87 key is under 5,000 bytes). */
  public static final int MAX_KEY_BYTES = 8 * 1024;

  static final byte RSA_OAEP = 1;
  static final byte ECDH_P256 = 2;
  static final byte ECDH_P384 = 3;
  private static final byte[] INFO_LABEL = "custos-share-enc-v1".getBytes(StandardCharsets.US_ASCII);
  private static final int FINGERPRINT_BYTES = 32;
  private static final int HEADER_FIXED = 1 + FINGERPRINT_BYTES + 2;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BYTES = 16;
  private static final int AES_KEY_BYTES = 32;
  private static final int MIN_RSA_BITS = 3072;
  private static final int MAX_RSA_BITS = 16384;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final OAEPParameterSpec OAEP = new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
      PSource.PSpecified.DEFAULT);

  private enum Curve {
    P256("secp256r1", "P-256", ECDH_P256), P384("secp384r1", "P-384", ECDH_P384);

    final String jdkName;
    final String displayName;
    final byte scheme;
    final ECParameterSpec params;

    Curve(String jdkName, String displayName, byte scheme) {
      this.jdkName = jdkName;
      this.displayName = displayName;
      this.scheme = scheme;
      try {
        AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
        p.init(new ECGenParameterSpec(jdkName));
        this.params = p.getParameterSpec(ECParameterSpec.class);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JDK does not support " + jdkName, e);
      }
    }

    BigInteger p() {
      return ((ECFieldFp) params.getCurve().getField()).getP();
    }

    int fieldBytes() {
      return (params.getCurve().getField().getFieldSize() + 7) / 8;
    }

    int pointBytes() {
      return 1 + 2 * fieldBytes();
    }

    boolean matches(ECParameterSpec other) {
      return other != null && other.getCurve().getField().equals(params.getCurve().getField())
          && other.getCurve().getA().equals(params.getCurve().getA())
          && other.getCurve().getB().equals(params.getCurve().getB())
          && other.getGenerator().equals(params.getGenerator())
          && other.getOrder().equals(params.getOrder()) && other.getCofactor() == params.getCofactor();
    }

    static Curve of(ECParameterSpec spec) {
      for (Curve c : values()) {
        if (c.matches(spec)) {
          return c;
        }
      }
      return null;
    }

    static Curve ofScheme(byte scheme) {
      for (Curve c : values()) {
        if (c.scheme == scheme) {
          return c;
        }
      }
      return null;
    }

    /** True if {@code w} is a finite point on this curve (cofactor 1: so in the prime-order group). */
    boolean onCurve(ECPoint w) {
      if (w == null || w.equals(ECPoint.POINT_INFINITY)) {
        return false;
      }
      BigInteger p = p();
      BigInteger x = w.getAffineX();
      BigInteger y = w.getAffineY();
      if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
        return false;
      }
      return y.multiply(y).mod(p).equals(rhs(x));
    }

    BigInteger rhs(BigInteger x) {
      BigInteger p = p();
      return x.pow(3).add(params.getCurve().getA().multiply(x)).add(params.getCurve().getB()).mod(p);
    }

    byte[] encode(ECPoint w) {
      int n = fieldBytes();
      byte[] out = new byte[1 + 2 * n];
      out[0] = 4;
      copyUnsigned(w.getAffineX(), out, 1, n);
      copyUnsigned(w.getAffineY(), out, 1 + n, n);
      return out;
    }

    ECPoint decode(byte[] point) {
      int n = fieldBytes();
      if (point.length != 1 + 2 * n || point[0] != 4) {
        throw new InvalidInputException("encrypted share is malformed: the ephemeral key is not an uncompressed "
            + displayName + " point");
      }
      ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 1 + n)),
          new BigInteger(1, Arrays.copyOfRange(point, 1 + n, 1 + 2 * n)));
      if (!onCurve(w)) {
        throw new InvalidInputException("encrypted share is malformed: the ephemeral key is not on " + displayName);
      }
      return w;
    }

    PublicKey publicKey(ECPoint w) {
      try {
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, params));
      } catch (GeneralSecurityException e) {
        throw new InvalidInputException("not a valid " + displayName + " public key", e);
      }
    }
  }

  /** A custodian's public key, checked to be strong enough; what shares are encrypted to. */
  public static final class Recipient {
    private final PublicKey key;
    private final byte[] spki;
    private final byte scheme;
    private final String description;

    private Recipient(PublicKey key, byte scheme, String description) {
      this.key = key;
      this.spki = key.getEncoded();
      this.scheme = scheme;
      this.description = description;
    }

    /**
     * Reads a custodian key from PEM: the first {@code CERTIFICATE} (its subject public key) or
     * {@code PUBLIC KEY} block. A file holding a private key is refused, so that private keys
     * are never sent anywhere by mistake.
     *
     * @throws InvalidInputException if the PEM is malformed or the key is not RSA ≥ 3072 bits or EC P-256/P-384
     */
    public static Recipient fromPem(String pem) {
      List<Pem.Block> blocks = Pem.read(pem);
      try {
        for (Pem.Block b : blocks) {
          if (b.label().contains("PRIVATE KEY")) {
            throw new InvalidInputException("custodian key holds a private key ('" + b.label()
                + "'); give the custodian's certificate or PUBLIC KEY, never the private key");
          }
        }
        for (Pem.Block b : blocks) {
          switch (b.label()) {
            case "CERTIFICATE" -> {
              return fromCertificate(b.der());
            }
            case "PUBLIC KEY" -> {
              return fromSpki(b.der());
            }
            default -> { }
          }
        }
        throw new InvalidInputException("custodian key holds no CERTIFICATE or PUBLIC KEY block (found "
            + blocks.stream().map(Pem.Block::label).distinct().toList() + ")");
      } finally {
        blocks.forEach(b -> Arrays.fill(b.der(), (byte) 0));
      }
    }

    /** Reads a DER X.509 certificate and takes its subject public key. */
    public static Recipient fromCertificate(byte[] der) {
      X509Certificate cert;
      try {
        cert = (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(der));
      } catch (CertificateException | RuntimeException e) {
        throw new InvalidInputException("custodian certificate is not a valid X.509 certificate");
      }
      return fromSpki(cert.getPublicKey().getEncoded());
    }

    /** Reads a DER SubjectPublicKeyInfo. */
    public static Recipient fromSpki(byte[] der) {
      X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
      PublicKey parsed = null;
      for (String alg : List.of("RSA", "EC")) {
        try {
          parsed = KeyFactory.getInstance(alg).generatePublic(spec);
          break;
        } catch (GeneralSecurityException | RuntimeException wrongAlgorithm) {
          // try the next
        }
      }
      return switch (parsed) {
        case RSAPublicKey rsa -> rsa(rsa);
        case ECPublicKey ec -> ec(ec);
        case null -> throw new InvalidInputException(
            "custodian key is not an RSA or EC public key (RSA of at least 3072 bits, or EC P-256/P-384)");
        default -> throw new InvalidInputException("custodian key type " + parsed.getAlgorithm() + " is not supported");
      };
    }

    private static Recipient rsa(RSAPublicKey rsa) {
      int bits = rsa.getModulus().bitLength();
      if (bits < MIN_RSA_BITS) {
        throw new InvalidInputException("custodian key is RSA-" + bits + ", too weak: RSA keys must have at least "
            + MIN_RSA_BITS + " bits (or use EC P-256/P-384)");
      }
      if (bits > MAX_RSA_BITS) {
        throw new InvalidInputException("custodian key is RSA-" + bits + ": at most " + MAX_RSA_BITS + " bits are accepted");
      }
      BigInteger e = rsa.getPublicExponent();
      if (!e.testBit(0) || e.compareTo(BigInteger.valueOf(3)) < 0 || e.compareTo(rsa.getModulus()) >= 0) {
        throw new InvalidInputException("custodian key is not a valid RSA public key (bad public exponent)");
      }
      try {
        PublicKey canonical = KeyFactory.getInstance("RSA")
            .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), e));
        return new Recipient(canonical, RSA_OAEP, "RSA-" + bits);
      } catch (GeneralSecurityException ex) {
        throw new InvalidInputException("custodian key is not a valid RSA public key", ex);
      }
    }

    private static Recipient ec(ECPublicKey ec) {
      Curve curve = Curve.of(ec.getParams());
      if (curve == null) {
        throw new InvalidInputException("custodian key is on an unsupported elliptic curve: use P-256 or P-384"
            + " (or RSA of at least 3072 bits)");
      }
      if (!curve.onCurve(ec.getW())) {
        throw new InvalidInputException("custodian key is not a valid " + curve.displayName + " public key");
      }
      return new Recipient(curve.publicKey(ec.getW()), curve.scheme, "EC " + curve.displayName);
    }

    /** SHA-256 of the recipient's SubjectPublicKeyInfo, in hex: how custodians recognise their key. */
    public String fingerprint() {
      return HexFormat.of().formatHex(sha256(spki));
    }

    /** The public key as a PEM {@code PUBLIC KEY} block. */
    public String publicKeyPem() {
      return Pem.write("PUBLIC KEY", spki);
    }

    /** The key type, e.g. "RSA-3072" or "EC P-256". */
    public String description() {
      return description;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Recipient r && Arrays.equals(spki, r.spki);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(spki);
    }

    @Override
    public String toString() {
      return "Recipient[" + description + ", SPKI sha256 " + fingerprint() + "]";
    }
  }

  private CustodianEnvelope() {}

  /** True if {@code text} looks like an envelope (by its prefix). */
  public static boolean isEnvelope(String text) {
    return text != null && text.strip().startsWith(PREFIX);
  }

  /**
   * Encrypts {@code plaintext} to {@code recipient}, drawing the AES key (or the ephemeral EC
   * key) and the nonce from {@code drbg}.
   */
  public static String seal(Recipient recipient, byte[] plaintext, Drbg drbg) {
    return seal(recipient, plaintext, drbg, MAX_PLAINTEXT_BYTES);
  }

  /**
   * Encrypts a private key generated for a requester (SS-002 11.1.2: a key made away from its
   * end entity travels encrypted) to the requester's public key, in the same format as a share.
   * The plaintext is the DER PKCS#8 in {@code pkcs8}; {@link #open} gives it back.
   */
  public static String sealKey(Recipient recipient, SecretBytes pkcs8, Drbg drbg) {
    Objects.requireNonNull(pkcs8, "pkcs8");
    return pkcs8.use(der -> seal(recipient, der, drbg, MAX_KEY_BYTES));
  }

  private static String seal(Recipient recipient, byte[] plaintext, Drbg drbg, int limit) {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(drbg, "drbg");
    if (plaintext.length == 0 || plaintext.length > limit) {
      throw new InvalidInputException("a custodian envelope holds 1 to " + limit + " bytes");
    }
    byte[] aesKey = null;
    byte[] keyField;
    try {
      if (recipient.scheme == RSA_OAEP) {
        aesKey = new byte[AES_KEY_BYTES];
        drbg.nextBytes(aesKey);
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
        oaep.init(Cipher.ENCRYPT_MODE, recipient.key, OAEP, drbg.asSecureRandom());
        keyField = oaep.doFinal(aesKey);
      } else {
        Curve curve = Curve.ofScheme(recipient.scheme);
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec(curve.jdkName), drbg.asSecureRandom());
        KeyPair ephemeral = kpg.generateKeyPair();
        keyField = curve.encode(((ECPublicKey) ephemeral.getPublic()).getW());
        aesKey = ecdhKey(ephemeral.getPrivate(), recipient.key, recipient.scheme, recipient.spki, keyField);
      }
      byte[] header = header(recipient.scheme, sha256(recipient.spki), keyField);
      byte[] nonce = new byte[NONCE_BYTES];
      drbg.nextBytes(nonce);
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
      gcm.updateAAD(header);
      byte[] sealed = gcm.doFinal(plaintext);
      ByteArrayOutputStream out = new ByteArrayOutputStream(header.length + NONCE_BYTES + sealed.length);
      out.writeBytes(header);
      out.writeBytes(nonce);
      out.writeBytes(sealed);
      return PREFIX + B64.encodeToString(out.toByteArray());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not encrypt to the custodian key: " + e.getMessage(), e);
    } finally {
      if (aesKey != null) {
        Arrays.fill(aesKey, (byte) 0);
      }
    }
  }

  /** The SPKI SHA-256 (hex) of the key an envelope is encrypted to, read from its header. */
  public static String recipientFingerprint(String text) {
    return HexFormat.of().formatHex(Parsed.of(text).recipient);
  }

  /**
   * Decrypts an envelope with the custodian's private key ({@code pkcs8}: DER PKCS#8, not
   * owned). Returns the plaintext, or fails with a message saying why (another key, altered,
   * malformed) and never returns partial output.
   *
   * @throws InvalidInputException if the envelope is malformed, for another key, or does not authenticate
   */
  public static SecretBytes open(SecretBytes pkcs8, String text) {
    Objects.requireNonNull(pkcs8, "pkcs8");
    Parsed env = Parsed.of(text);
    PrivateKey key = pkcs8.use(CustodianEnvelope::privateKey);
    List<byte[]> candidates = publicKeyCandidates(key);
    boolean mine = candidates.stream().anyMatch(spki -> MessageDigest.isEqual(sha256(spki), env.recipient));
    if (!mine && !candidates.isEmpty()) {
      throw new InvalidInputException("this share is encrypted to another key (SPKI sha256 "
          + HexFormat.of().formatHex(env.recipient) + "), not to the private key given"
          + (candidates.size() == 1 ? " (SPKI sha256 " + HexFormat.of().formatHex(sha256(candidates.getFirst())) + ")" : ""));
    }
    byte[] aesKey = null;
    try {
      if (env.scheme == RSA_OAEP) {
        if (!(key instanceof RSAPrivateKey rsa)) {
          throw new InvalidInputException("this share is encrypted to an RSA key, but the private key given is "
              + key.getAlgorithm());
        }
        if (env.keyField.length != (rsa.getModulus().bitLength() + 7) / 8) {
          throw new InvalidInputException("encrypted share is malformed: the wrapped key does not fit this RSA key");
        }
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
        oaep.init(Cipher.DECRYPT_MODE, rsa, OAEP);
        try {
          aesKey = oaep.doFinal(env.keyField);
        } catch (GeneralSecurityException e) {
          throw new InvalidInputException("encrypted share does not decrypt with this key: the wrapped key was altered"
              + " or is for another key");
        }
        if (aesKey.length != AES_KEY_BYTES) {
          throw new InvalidInputException("encrypted share is malformed: the wrapped key is not an AES-256 key");
        }
      } else {
        Curve curve = Curve.ofScheme(env.scheme);
        if (!(key instanceof ECPrivateKey ec) || !curve.matches(ec.getParams())) {
          throw new InvalidInputException("this share is encrypted to an EC " + curve.displayName
              + " key, but the private key given is not one");
        }
        PublicKey ephemeral = curve.publicKey(curve.decode(env.keyField));
        byte[] mySpki = candidates.stream().filter(s -> MessageDigest.isEqual(sha256(s), env.recipient))
            .findFirst().orElseThrow();
        aesKey = ecdhKey(key, ephemeral, env.scheme, mySpki, env.keyField);
      }
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new GCMParameterSpec(TAG_BYTES * 8, env.nonce));
      gcm.updateAAD(env.header);
      try {
        return SecretBytes.adopt(gcm.doFinal(env.sealed));
      } catch (AEADBadTagException e) {
        throw new InvalidInputException("encrypted share does not authenticate: it was altered, damaged or truncated");
      }
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException("encrypted share cannot be decrypted: " + e.getMessage(), e);
    } finally {
      if (aesKey != null) {
        Arrays.fill(aesKey, (byte) 0);
      }
    }
  }

  /**
   * The DER PKCS#8 of the first {@code PRIVATE KEY} block in {@code pem}, in a zeroising
   * holder. Encrypted and legacy (OpenSSL "RSA PRIVATE KEY"/"EC PRIVATE KEY") forms are refused
   * with the command that converts them.
   */
  public static SecretBytes privateKeyFromPem(String pem) {
    List<Pem.Block> blocks = Pem.read(pem);
    try {
      for (Pem.Block b : blocks) {
        switch (b.label()) {
          case "PRIVATE KEY" -> {
            SecretBytes pkcs8 = SecretBytes.copyOf(b.der());
            try {
              pkcs8.use(CustodianEnvelope::privateKey); // refuse unreadable keys here, not at first use
              return pkcs8;
            } catch (RuntimeException e) {
              pkcs8.close();
              throw e;
            }
          }
          case "ENCRYPTED PRIVATE KEY" -> throw new InvalidInputException("the private key is passphrase-protected;"
              + " decrypt it to a PKCS#8 file readable only by you: openssl pkcs8 -in KEY -out KEY.pk8");
          case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new InvalidInputException("the private key is in the legacy '"
              + b.label() + "' form; convert it: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
          default -> { }
        }
      }
      throw new InvalidInputException("no PRIVATE KEY block found (expected a PEM PKCS#8 private key)");
    } finally {
      blocks.forEach(b -> Arrays.fill(b.der(), (byte) 0));
    }
  }

  private static PrivateKey privateKey(byte[] der) {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : List.of("RSA", "EC")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException | RuntimeException wrongAlgorithm) {
        // try the next
      }
    }
    throw new InvalidInputException("the private key is not an RSA or EC PKCS#8 key");
  }

  /**
   * The SPKI encodings the public key of {@code key} may have: one for RSA (from the CRT key),
   * two for EC (ECDH with the generator yields only the x coordinate of the public point, so both
   * signs of y are candidates). Empty if the public half cannot be derived.
   */
  private static List<byte[]> publicKeyCandidates(PrivateKey key) {
    List<byte[]> out = new ArrayList<>();
    try {
      if (key instanceof RSAPrivateCrtKey crt && crt.getPublicExponent() != null && crt.getPublicExponent().signum() > 0) {
        out.add(KeyFactory.getInstance("RSA")
            .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent())).getEncoded());
      } else if (key instanceof ECPrivateKey ec) {
        Curve curve = Curve.of(ec.getParams());
        if (curve == null) {
          throw new InvalidInputException("the private key is on an unsupported curve: custodian keys are P-256 or P-384");
        }
        KeyAgreement ka = KeyAgreement.getInstance("ECDH");
        ka.init(ec);
        ka.doPhase(curve.publicKey(curve.params.getGenerator()), true);
        byte[] xBytes = ka.generateSecret();
        BigInteger x = new BigInteger(1, xBytes);
        Arrays.fill(xBytes, (byte) 0);
        BigInteger p = curve.p();
        BigInteger y = curve.rhs(x).modPow(p.add(BigInteger.ONE).shiftRight(2), p); // p ≡ 3 (mod 4)
        for (BigInteger candidate : List.of(y, p.subtract(y).mod(p))) {
          ECPoint w = new ECPoint(x, candidate);
          if (curve.onCurve(w)) {
            out.add(curve.publicKey(w).getEncoded());
          }
        }
      }
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException("the private key cannot be used: " + e.getMessage(), e);
    }
    return out;
  }

  private static byte[] ecdhKey(PrivateKey mine, PublicKey theirs, byte scheme, byte[] recipientSpki, byte[] ephemeralPoint)
      throws GeneralSecurityException {
    KeyAgreement ka = KeyAgreement.getInstance("ECDH");
    ka.init(mine);
    ka.doPhase(theirs, true);
    byte[] z = ka.generateSecret();
    try {
      ByteArrayOutputStream info = new ByteArrayOutputStream();
      info.writeBytes(INFO_LABEL);
      info.write(0);
      info.write(scheme);
      info.writeBytes(recipientSpki);
      info.writeBytes(ephemeralPoint);
      KDF hkdf = KDF.getInstance("HKDF-SHA256");
      SecretKey k = hkdf.deriveKey("AES",
          HKDFParameterSpec.ofExtract().addIKM(z).thenExpand(info.toByteArray(), AES_KEY_BYTES));
      return k.getEncoded();
    } finally {
      Arrays.fill(z, (byte) 0);
    }
  }

  private static byte[] header(byte scheme, byte[] recipient, byte[] keyField) {
    return ByteBuffer.allocate(HEADER_FIXED + keyField.length).put(scheme).put(recipient)
        .putShort((short) keyField.length).put(keyField).array();
  }

  /** The fields of an envelope, checked for shape only. */
  private record Parsed(byte scheme, byte[] recipient, byte[] keyField, byte[] header, byte[] nonce, byte[] sealed) {
    static Parsed of(String text) {
      if (text == null || text.isBlank()) {
        throw new InvalidInputException("encrypted share is empty");
      }
      String s = text.strip();
      if (!s.startsWith(PREFIX)) {
        if (s.startsWith("custos-share-v")) {
          throw new InvalidInputException("this share is not encrypted to a custodian key; submit it as it is");
        }
        throw new InvalidInputException("not an encrypted share: it must start with '" + PREFIX + "'");
      }
      if (s.length() > MAX_TEXT_CHARS) {
        throw new InvalidInputException("encrypted share is too long (more than " + MAX_TEXT_CHARS + " characters)");
      }
      String body = s.substring(PREFIX.length());
      for (int i = 0; i < body.length(); i++) {
        char c = body.charAt(i);
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
          throw new InvalidInputException("encrypted share has a character that is not base64url at position "
              + (PREFIX.length() + i + 1));
        }
      }
      byte[] bytes;
      try {
        bytes = Base64.getUrlDecoder().decode(body);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("encrypted share is truncated (its base64url length is impossible)");
      }
      if (!B64.encodeToString(bytes).equals(body)) {
        throw new InvalidInputException("encrypted share is altered or truncated: its last character is not valid");
      }
      if (bytes.length < HEADER_FIXED) {
        throw new InvalidInputException("encrypted share is truncated");
      }
      ByteBuffer b = ByteBuffer.wrap(bytes);
      byte scheme = b.get();
      Curve curve = Curve.ofScheme(scheme);
      if (scheme != RSA_OAEP && curve == null) {
        throw new InvalidInputException("encrypted share uses unknown scheme " + (scheme & 0xFF)
            + " (this build reads 1 = RSA-OAEP, 2 = ECDH P-256, 3 = ECDH P-384)");
      }
      byte[] recipient = new byte[FINGERPRINT_BYTES];
      b.get(recipient);
      int keyLength = b.getShort() & 0xFFFF;
      boolean plausible = curve != null ? keyLength == curve.pointBytes()
          : keyLength >= MIN_RSA_BITS / 8 && keyLength <= MAX_RSA_BITS / 8;
      if (!plausible) {
        throw new InvalidInputException("encrypted share is malformed: key field of " + keyLength + " bytes");
      }
      if (b.remaining() < keyLength + NONCE_BYTES + TAG_BYTES + 1) {
        throw new InvalidInputException("encrypted share is truncated");
      }
      byte[] keyField = new byte[keyLength];
      b.get(keyField);
      byte[] header = Arrays.copyOf(bytes, b.position());
      byte[] nonce = new byte[NONCE_BYTES];
      b.get(nonce);
      byte[] sealed = new byte[b.remaining()];
      b.get(sealed);
      return new Parsed(scheme, recipient, keyField, header, nonce, sealed);
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void copyUnsigned(BigInteger v, byte[] out, int offset, int length) {
    byte[] raw = v.toByteArray();
    int start = raw.length > length ? raw.length - length : 0;
    int len = raw.length - start;
    System.arraycopy(raw, start, out, offset + length - len, len);
  }
}
