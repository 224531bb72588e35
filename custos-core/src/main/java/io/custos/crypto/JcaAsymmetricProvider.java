package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import io.custos.failure.UnavailableException;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.ProviderException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.RSAKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.DecapsulateException;
import javax.crypto.IllegalBlockSizeException;
import javax.crypto.KEM;
import javax.crypto.SecretKey;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.security.auth.DestroyFailedException;
import javax.security.auth.Destroyable;

/**
 * An {@link AsymmetricProvider} over JCA engines. Subclasses say which engine performs each key
 * type; this class fixes the schemes (see {@link KeyPairType}), checks keys and inputs, and
 * keeps the handles' lifecycle.
 */
abstract sealed class JcaAsymmetricProvider implements AsymmetricProvider
    permits JdkAsymmetricProvider, AccpAsymmetricProvider {

  static final PSSParameterSpec PSS = new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32,
      PSSParameterSpec.TRAILER_FIELD_BC);
  static final OAEPParameterSpec OAEP = new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
      PSource.PSpecified.DEFAULT);
  static final String OAEP_TRANSFORMATION = "RSA/ECB/OAEPPadding";
  /** RSAES-OAEP with SHA-256: k - 2 hLen - 2 (RFC 8017 7.1.1). */
  private static final int OAEP_OVERHEAD = 2 * 32 + 2;

  abstract KeyFactory keyFactory(KeyPairType type) throws GeneralSecurityException;

  /** A fresh signature engine for the type's scheme, its parameters set. */
  abstract Signature signature(KeyPairType type) throws GeneralSecurityException;

  abstract Cipher oaep(KeyPairType type) throws GeneralSecurityException;

  abstract KEM kem(KeyPairType type) throws GeneralSecurityException;

  /** True if private keys of {@code type} are native keys that are cleansed when destroyed. */
  abstract boolean wipesOnClose(KeyPairType type);

  /** Which implementation performs operations with keys of {@code type}. */
  abstract String performer(KeyPairType type);

  static String signatureAlgorithm(KeyPairType type) {
    return switch (type) {
      case EC_P256 -> "SHA256withECDSA";
      case EC_P384 -> "SHA384withECDSA";
      case ED25519 -> "Ed25519";
      case RSA_3072, RSA_4096 -> "RSASSA-PSS";
      case ML_DSA_44, ML_DSA_65, ML_DSA_87 -> "ML-DSA";
      case ML_KEM_768, ML_KEM_1024 -> throw new InvalidInputException(KeyDer.label(type) + " keys do not sign");
    };
  }

  static void setSchemeParameters(KeyPairType type, Signature signature) throws GeneralSecurityException {
    if (type == KeyPairType.RSA_3072 || type == KeyPairType.RSA_4096) {
      signature.setParameter(PSS);
    }
  }

  @Override
  public final PrivateKeyHandle privateKey(KeyPairType type, SecretBytes pkcs8) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(pkcs8, "pkcs8");
    KeyFactory factory = engine(type, () -> keyFactory(type));
    PrivateKey key = pkcs8.use(der -> {
      KeyDer.checkPrivate(type, der);
      try {
        // The JDK keeps its own copy of the encoding in the spec and cannot clear it from here.
        return factory.generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException | RuntimeException e) {
        throw new InvalidInputException("the private key is not a valid " + KeyDer.label(type) + " key");
      }
    });
    try {
      checkSize(type, key, "private");
    } catch (RuntimeException e) {
      destroyQuietly(key);
      throw e;
    }
    return new JcaPrivateKey(type, key, wipesOnClose(type));
  }

  @Override
  public final PublicKeyHandle publicKey(KeyPairType type, byte[] spki) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(spki, "spki");
    byte[] copy = spki.clone();
    KeyDer.checkPublic(type, copy);
    KeyFactory factory = engine(type, () -> keyFactory(type));
    PublicKey key;
    try {
      key = factory.generatePublic(new X509EncodedKeySpec(copy));
    } catch (InvalidKeySpecException | RuntimeException e) {
      throw new InvalidInputException("the public key is not a valid " + KeyDer.label(type) + " key");
    }
    checkSize(type, key, "public");
    return new JcaPublicKey(type, key, copy);
  }

  private static void checkSize(KeyPairType type, Object key, String half) {
    int bits = switch (type) {
      case RSA_3072 -> 3072;
      case RSA_4096 -> 4096;
      default -> 0;
    };
    if (bits != 0) {
      if (!(key instanceof RSAKey rsa) || rsa.getModulus().bitLength() != bits) {
        throw new InvalidInputException("the " + half + " key is not an " + KeyDer.label(type) + " key");
      }
    }
  }

  private static boolean isRsa(KeyPairType type) {
    return type.use() == KeyPairType.Use.SIGN_OR_ENCRYPT;
  }

  private static boolean isKem(KeyPairType type) {
    return type.use() == KeyPairType.Use.ENCAPSULATE;
  }

  private interface Engine<T> {
    T get() throws GeneralSecurityException;
  }

  private <T> T engine(KeyPairType type, Engine<T> engine) {
    try {
      return engine.get();
    } catch (GeneralSecurityException e) {
      throw new UnavailableException(performer(type) + " cannot work with " + KeyDer.label(type) + " keys: "
          + e.getMessage());
    }
  }

  private static void destroyQuietly(Object key) {
    if (key instanceof Destroyable d) {
      try {
        d.destroy();
      } catch (DestroyFailedException e) {
        // JDK keys cannot be destroyed (JDK-8160206).
      }
    }
  }

  private static SecretBytes secretOf(SecretKey key) {
    byte[] bytes = key.getEncoded();
    destroyQuietly(key);
    return SecretBytes.adopt(bytes);
  }

  /**
   * A loaded private key. Operations hold a read lock and {@link #close()} the write lock, so a
   * key is never destroyed under a running operation. Native (AWS-LC) keys are freed and
   * cleansed on close; the JDK's keys are dropped but cannot be wiped (JDK-8160206).
   */
  private final class JcaPrivateKey implements PrivateKeyHandle {
    private final KeyPairType type;
    private final boolean wipes;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private PrivateKey key;

    JcaPrivateKey(KeyPairType type, PrivateKey key, boolean wipes) {
      this.type = type;
      this.key = key;
      this.wipes = wipes;
    }

    @Override
    public KeyPairType type() {
      return type;
    }

    private interface Op<T> {
      T run(PrivateKey key) throws GeneralSecurityException;
    }

    private <T> T withKey(Op<T> op) {
      lock.readLock().lock();
      try {
        if (key == null) {
          throw new IllegalStateException("the " + KeyDer.label(type) + " private key handle is closed");
        }
        return op.run(key);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(performer(type) + " failed with a " + KeyDer.label(type) + " key: "
            + e.getClass().getSimpleName(), e);
      } finally {
        lock.readLock().unlock();
      }
    }

    @Override
    public byte[] sign(byte[] message) {
      Objects.requireNonNull(message, "message");
      signatureAlgorithm(type);
      return withKey(k -> {
        Signature signature = engine(type, () -> signature(type));
        signature.initSign(k);
        signature.update(message);
        return signature.sign();
      });
    }

    @Override
    public SecretBytes decrypt(byte[] ciphertext) {
      Objects.requireNonNull(ciphertext, "ciphertext");
      if (!isRsa(type)) {
        throw new InvalidInputException(KeyDer.label(type) + " keys do not decrypt; only RSA keys do (RSA-OAEP)");
      }
      return withKey(k -> {
        Cipher cipher = engine(type, () -> oaep(type));
        cipher.init(Cipher.DECRYPT_MODE, k, OAEP);
        try {
          return SecretBytes.adopt(cipher.doFinal(ciphertext));
        } catch (BadPaddingException | IllegalBlockSizeException e) {
          throw new InvalidInputException("the ciphertext does not decrypt under this key");
        }
      });
    }

    @Override
    public SecretBytes decapsulate(byte[] encapsulation) {
      Objects.requireNonNull(encapsulation, "encapsulation");
      if (!isKem(type)) {
        throw new InvalidInputException(KeyDer.label(type) + " keys do not decapsulate; only ML-KEM keys do");
      }
      return withKey(k -> {
        KEM.Decapsulator decapsulator = engine(type, () -> kem(type)).newDecapsulator(k);
        if (encapsulation.length != decapsulator.encapsulationSize()) {
          throw new InvalidInputException("an " + KeyDer.label(type) + " encapsulation is "
              + decapsulator.encapsulationSize() + " bytes, not " + encapsulation.length);
        }
        try {
          return secretOf(decapsulator.decapsulate(encapsulation));
        } catch (DecapsulateException e) {
          throw new InvalidInputException("the encapsulation is malformed");
        }
      });
    }

    @Override
    public boolean wipesOnClose() {
      return wipes;
    }

    @Override
    public void close() {
      lock.writeLock().lock();
      try {
        if (key == null) {
          return;
        }
        PrivateKey k = key;
        key = null;
        if (k instanceof Destroyable d) {
          try {
            d.destroy();
          } catch (DestroyFailedException e) {
            if (wipes) {
              throw new IllegalStateException("could not destroy the provider's " + KeyDer.label(type) + " key", e);
            }
          }
        }
      } finally {
        lock.writeLock().unlock();
      }
    }

    @Override
    public String toString() {
      return "PrivateKeyHandle[" + KeyDer.label(type) + ", " + performer(type) + (key == null ? ", closed" : "") + "]";
    }
  }

  private final class JcaPublicKey implements PublicKeyHandle {
    private final KeyPairType type;
    private final PublicKey key;
    private final byte[] spki;

    JcaPublicKey(KeyPairType type, PublicKey key, byte[] spki) {
      this.type = type;
      this.key = key;
      this.spki = spki;
    }

    @Override
    public KeyPairType type() {
      return type;
    }

    @Override
    public byte[] spki() {
      return spki.clone();
    }

    @Override
    public boolean verify(byte[] message, byte[] signature) {
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(signature, "signature");
      signatureAlgorithm(type);
      Signature verifier = engine(type, () -> signature(type));
      try {
        verifier.initVerify(key);
        verifier.update(message);
        return verifier.verify(signature);
      } catch (SignatureException | IllegalArgumentException | ProviderException e) {
        return false;
      } catch (InvalidKeyException e) {
        throw new IllegalStateException(performer(type) + " refused a loaded " + KeyDer.label(type) + " key", e);
      }
    }

    @Override
    public byte[] encrypt(byte[] plaintext) {
      Objects.requireNonNull(plaintext, "plaintext");
      if (!isRsa(type)) {
        throw new InvalidInputException(KeyDer.label(type) + " keys do not encrypt; only RSA keys do (RSA-OAEP)");
      }
      int max = maxOaepPlaintext();
      if (plaintext.length > max) {
        throw new InvalidInputException("RSA-OAEP under an " + KeyDer.label(type) + " key takes at most " + max
            + " bytes, not " + plaintext.length);
      }
      try {
        Cipher cipher = engine(type, () -> oaep(type));
        cipher.init(Cipher.ENCRYPT_MODE, key, OAEP);
        return cipher.doFinal(plaintext);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(performer(type) + " failed to encrypt with RSA-OAEP", e);
      }
    }

    @Override
    public int maxOaepPlaintext() {
      return isRsa(type) ? (((RSAKey) key).getModulus().bitLength() + 7) / 8 - OAEP_OVERHEAD : 0;
    }

    @Override
    public Encapsulation encapsulate() {
      if (!isKem(type)) {
        throw new InvalidInputException(KeyDer.label(type) + " keys do not encapsulate; only ML-KEM keys do");
      }
      try {
        KEM.Encapsulated encapsulated = engine(type, () -> kem(type)).newEncapsulator(key).encapsulate();
        return new Encapsulation(secretOf(encapsulated.key()), encapsulated.encapsulation());
      } catch (InvalidKeyException e) {
        throw new IllegalStateException(performer(type) + " refused a loaded " + KeyDer.label(type) + " key", e);
      }
    }

    @Override
    public String toString() {
      return "PublicKeyHandle[" + KeyDer.label(type) + ", " + performer(type) + "]";
    }
  }
}
