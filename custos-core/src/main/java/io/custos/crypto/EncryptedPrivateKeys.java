package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.EncryptedPrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.EncryptionScheme;
import org.bouncycastle.asn1.pkcs.KeyDerivationFunc;
import org.bouncycastle.asn1.pkcs.PBES2Parameters;
import org.bouncycastle.asn1.pkcs.PBKDF2Params;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.crypto.OutputEncryptor;
import org.bouncycastle.crypto.PasswordBasedDeriver;
import org.bouncycastle.crypto.SymmetricSecretKey;
import org.bouncycastle.crypto.fips.FipsAES;
import org.bouncycastle.crypto.fips.FipsPBKD;
import org.bouncycastle.crypto.fips.FipsSHS;

/**
 * Password protection of a private key generated for a requester (SS-002 11.1.2: a key made
 * away from its end entity is encrypted in transit and at rest): PKCS#8
 * {@code EncryptedPrivateKeyInfo} (RFC 5958) with PBES2 (RFC 8018), PBKDF2 with HMAC-SHA-256
 * and AES-256-CBC, as {@code openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256} writes it
 * and {@code openssl pkcs8 -in KEY -passin file:PW} reads it.
 *
 * <p>Parameters: {@value #PBKDF2_ITERATIONS} PBKDF2 iterations (OWASP's 2023 figure for
 * PBKDF2-HMAC-SHA-256; NIST SP 800-132 asks for at least 1,000 and "as large as feasible"), a
 * 16-byte salt and a 16-byte IV from the approved DRBG, a derived 32-byte key. Passwords are at
 * least {@value #MIN_PASSWORD_CHARS} characters (used as their UTF-8 bytes). The derivation and
 * the encryption run inside the Bouncy Castle FIPS module; the derived key is wiped after use.
 */
public final class EncryptedPrivateKeys {
  public static final int PBKDF2_ITERATIONS = 600_000;
  public static final int MIN_PASSWORD_CHARS = 16;
  public static final int MAX_PASSWORD_CHARS = 1024;
  private static final int SALT_BYTES = 16;
  private static final int IV_BYTES = 16;
  private static final int KEY_BYTES = 32;

  private EncryptedPrivateKeys() {}

  /**
   * The key in the PKCS#8 v1 form of RFC 5208 ({@code PrivateKeyInfo} without the optional
   * public key) when the module wrote the v2 form of RFC 5958 ({@code OneAsymmetricKey}, as it does
   * for Ed25519): OpenSSL 3.0 refuses v2, and the public key is in the certificate anyway. Other
   * keys are copied unchanged. The result is a new holder the caller closes; the intermediate
   * encodings are wiped.
   */
  public static SecretBytes portable(SecretBytes pkcs8) {
    return pkcs8.use(der -> {
      org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(der);
      if (info.getVersion().intValueExact() == 0 && info.getPublicKeyData() == null && info.getAttributes() == null) {
        return SecretBytes.copyOf(der);
      }
      byte[] inner = null;
      try {
        inner = info.getPrivateKey().getOctets();
        return SecretBytes.adopt(new org.bouncycastle.asn1.pkcs.PrivateKeyInfo(info.getPrivateKeyAlgorithm(),
            org.bouncycastle.asn1.ASN1Primitive.fromByteArray(inner)).getEncoded("DER"));
      } catch (IOException e) {
        throw new IllegalStateException("could not re-encode the generated private key", e);
      } finally {
        if (inner != null) {
          Arrays.fill(inner, (byte) 0);
        }
      }
    });
  }

  /**
   * Checks a password chosen by a requester, without keeping it.
   *
   * @throws InvalidInputException naming what is wrong
   */
  public static void checkPassword(SecretBytes password) {
    int chars = password.use(b -> {
      String s = new String(b, StandardCharsets.UTF_8);
      return s.codePointCount(0, s.length());
    });
    if (chars < MIN_PASSWORD_CHARS) {
      throw new InvalidInputException("the key password must be at least " + MIN_PASSWORD_CHARS + " characters (it has "
          + chars + ")");
    }
    if (chars > MAX_PASSWORD_CHARS) {
      throw new InvalidInputException("the key password must be at most " + MAX_PASSWORD_CHARS + " characters");
    }
  }

  /**
   * Encrypts {@code pkcs8} (DER PrivateKeyInfo, not owned) under {@code password} (UTF-8 bytes,
   * not owned) and returns the PEM {@code ENCRYPTED PRIVATE KEY} block.
   */
  public static String encrypt(SecretBytes pkcs8, SecretBytes password, Drbg drbg) {
    Objects.requireNonNull(pkcs8, "pkcs8");
    Objects.requireNonNull(drbg, "drbg");
    checkPassword(password);
    byte[] salt = new byte[SALT_BYTES];
    byte[] iv = new byte[IV_BYTES];
    drbg.nextBytes(salt);
    drbg.nextBytes(iv);
    byte[] key = password.use(pw -> {
      FipsPBKD.Parameters params = FipsPBKD.PBKDF2.using(FipsSHS.Algorithm.SHA256_HMAC, pw)
          .withSalt(salt).withIterationCount(PBKDF2_ITERATIONS);
      PasswordBasedDeriver<FipsPBKD.Parameters> deriver = new FipsPBKD.DeriverFactory().createDeriver(params);
      return deriver.deriveKey(PasswordBasedDeriver.KeyType.CIPHER, KEY_BYTES);
    });
    byte[] ciphertext;
    try {
      ciphertext = pkcs8.use(plain -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length + IV_BYTES);
        OutputEncryptor<FipsAES.Parameters> enc = new FipsAES.OperatorFactory()
            .createOutputEncryptor(new SymmetricSecretKey(FipsAES.CBCwithPKCS7, key), FipsAES.CBCwithPKCS7.withIV(iv));
        try (OutputStream c = enc.getEncryptingStream(out)) {
          c.write(plain);
        } catch (IOException e) {
          throw new IllegalStateException("AES-256-CBC failed: " + e.getMessage(), e);
        }
        return out.toByteArray();
      });
    } finally {
      Arrays.fill(key, (byte) 0);
    }
    PBES2Parameters pbes2 = new PBES2Parameters(
        new KeyDerivationFunc(PKCSObjectIdentifiers.id_PBKDF2, new PBKDF2Params(salt, PBKDF2_ITERATIONS, KEY_BYTES,
            new AlgorithmIdentifier(PKCSObjectIdentifiers.id_hmacWithSHA256, org.bouncycastle.asn1.DERNull.INSTANCE))),
        new EncryptionScheme(NISTObjectIdentifiers.id_aes256_CBC, new DEROctetString(iv)));
    try {
      byte[] der = new EncryptedPrivateKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.id_PBES2, pbes2), ciphertext)
          .getEncoded("DER");
      return Pem.write("ENCRYPTED PRIVATE KEY", der);
    } catch (IOException e) {
      throw new IllegalStateException("could not encode the encrypted private key", e);
    }
  }
}
