package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.OutputAEADDecryptor;
import org.bouncycastle.crypto.OutputAEADEncryptor;
import org.bouncycastle.crypto.SymmetricSecretKey;
import org.bouncycastle.crypto.fips.FipsAES;
import org.bouncycastle.crypto.fips.FipsSecureRandom;

/**
 * AES-256-GCM from the Bouncy Castle FIPS module: 96-bit IVs drawn inside the module from the
 * approved DRBG (SP 800-38D §8.2.2, RBG-based construction), 128-bit tags. Output: IV (12) ||
 * ciphertext || tag (16). The module's key object is made for one operation and destroyed
 * straight after, so the key's only long-lived copy is the caller's {@link SecretBytes}.
 */
final class FipsAesGcm implements Aead {
  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;

  private static final FipsAES.AEADOperatorFactory FACTORY = new FipsAES.AEADOperatorFactory();

  private final SecretBytes key;
  private final NonceBudget budget;
  private final FipsSecureRandom drbg;

  FipsAesGcm(SecretBytes key, NonceBudget budget, FipsSecureRandom drbg) {
    this.key = Objects.requireNonNull(key, "key");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.drbg = Objects.requireNonNull(drbg, "drbg");
    if (key.length() != 32) {
      throw new InvalidInputException("AES-256-GCM needs a 32-byte key, not " + key.length() + " bytes");
    }
  }

  @Override
  public byte[] encrypt(byte[] plaintext, byte[] associatedData) {
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(associatedData, "associatedData");
    budget.spend();
    FipsAES.AuthParameters params;
    synchronized (drbg) {
      params = FipsAES.GCM.withIV(drbg, NONCE_BYTES).withMACSize(TAG_BYTES * 8);
    }
    byte[] iv = params.getIV();
    ByteArrayOutputStream out = new ByteArrayOutputStream(NONCE_BYTES + plaintext.length + TAG_BYTES);
    out.write(iv, 0, iv.length);
    return key.use(k -> {
      SymmetricSecretKey moduleKey = new SymmetricSecretKey(FipsAES.GCM, k);
      try {
        OutputAEADEncryptor<FipsAES.AuthParameters> enc = FACTORY.createOutputAEADEncryptor(moduleKey, params);
        enc.getAADStream().update(associatedData);
        try (OutputStream c = enc.getEncryptingStream(out)) {
          c.write(plaintext);
        }
        return out.toByteArray();
      } catch (IOException e) {
        throw new IllegalStateException("AES-GCM encryption failed", e);
      } finally {
        destroy(moduleKey);
      }
    });
  }

  @Override
  public byte[] decrypt(byte[] ciphertext, byte[] associatedData) {
    Objects.requireNonNull(ciphertext, "ciphertext");
    Objects.requireNonNull(associatedData, "associatedData");
    if (ciphertext.length < NONCE_BYTES + TAG_BYTES) {
      throw new InvalidInputException("ciphertext is too short to authenticate");
    }
    FipsAES.AuthParameters params = FipsAES.GCM
        .withIV(Arrays.copyOf(ciphertext, NONCE_BYTES)).withMACSize(TAG_BYTES * 8);
    return key.use(k -> {
      SymmetricSecretKey moduleKey = new SymmetricSecretKey(FipsAES.GCM, k);
      ByteArrayOutputStream out = new ByteArrayOutputStream(ciphertext.length);
      try {
        OutputAEADDecryptor<FipsAES.AuthParameters> dec = FACTORY.createOutputAEADDecryptor(moduleKey, params);
        dec.getAADStream().update(associatedData);
        try (OutputStream p = dec.getDecryptingStream(out)) {
          p.write(ciphertext, NONCE_BYTES, ciphertext.length - NONCE_BYTES);
        }
        return out.toByteArray();
      } catch (InvalidCipherTextException e) {
        throw new InvalidInputException("ciphertext does not authenticate", e);
      } catch (IOException e) {
        if (e.getCause() instanceof InvalidCipherTextException) {
          throw new InvalidInputException("ciphertext does not authenticate", e);
        }
        throw new IllegalStateException("AES-GCM decryption failed", e);
      } finally {
        destroy(moduleKey);
      }
    });
  }

  private static void destroy(SymmetricSecretKey moduleKey) {
    try {
      moduleKey.destroy();
    } catch (javax.security.auth.DestroyFailedException e) {
      throw new IllegalStateException("could not zeroise the module's key copy", e);
    }
  }

  @Override
  public String toString() {
    return "FipsAesGcm[AES-256, 96-bit nonce, 128-bit tag]";
  }
}
