package io.custos.audit;

import io.custos.crypto.SecretBytes;
import io.custos.failure.ConflictException;
import io.custos.failure.StorageException;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The audit log's two dedicated, single-purpose keys (SS-002 11.3.3): an Ed25519 key that
 * only signs checkpoints, and an HMAC-SHA-256 key that only hashes sensitive identifiers so
 * investigators can match them without seeing them. Created with the log, once.
 *
 * <p>Until the root of trust exists these keys are held in the record store as they are; once
 * the seal is in place they move under the barrier like every other secret.
 */
public final class AuditKeyring implements AutoCloseable {
  static final String TYPE = "audit.key";
  static final String SIGNING = "checkpoint-signing";
  static final String HMAC = "identifier-hmac";

  private final Ed25519CheckpointSigner signer;
  private final SecretBytes hmacKey;

  private AuditKeyring(Ed25519CheckpointSigner signer, SecretBytes hmacKey) {
    this.signer = signer;
    this.hmacKey = hmacKey;
  }

  /** Loads the keys, creating them the first time (from {@code random}, a DRBG). */
  public static AuditKeyring loadOrCreate(RecordStore records, String keyName, SecureRandom random) {
    KeyPair pair = loadSigning(records).orElseGet(() -> createSigning(records, random));
    byte[] mac = records.get(TYPE, HMAC).map(StoredRecord::payload).orElseGet(() -> createHmac(records, random));
    return new AuditKeyring(new Ed25519CheckpointSigner(keyName, pair), SecretBytes.adopt(mac));
  }

  /** The checkpoint key's name for an installation: {@code custos-audit-<instance id>}. */
  public static String keyNameFor(java.util.UUID instanceId) {
    return "custos-audit-" + instanceId;
  }

  /** The raw Ed25519 checkpoint public key held in the store (no secret is read). */
  public static byte[] storedPublicKey(RecordStore records) {
    byte[] spki = records.get(TYPE, SIGNING + ".public").orElseThrow(
        () -> new io.custos.failure.NotFoundException("this store has no audit signing key yet")).payload();
    try {
      return CheckpointKeys.rawPublicKey(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
    } catch (GeneralSecurityException e) {
      throw new StorageException("audit public key in the store is unreadable: " + e.getMessage(), e);
    }
  }

  public CheckpointSigner signer() {
    return signer;
  }

  /** HMAC-SHA-256 of a sensitive identifier, hex, prefixed {@code hmac-sha256:}. */
  public String hash(String value) {
    return hmacKey.use(k -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(k, "HmacSHA256"));
        return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HMAC-SHA-256 unavailable", e);
      }
    });
  }

  private static Optional<KeyPair> loadSigning(RecordStore records) {
    return records.get(TYPE, SIGNING).map(r -> {
      byte[] pkcs8 = r.payload();
      try {
        KeyFactory kf = KeyFactory.getInstance("Ed25519");
        PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        byte[] spki = records.get(TYPE, SIGNING + ".public").orElseThrow(
            () -> new StorageException("audit signing key has no public half in the store")).payload();
        PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(spki));
        return new KeyPair(pub, priv);
      } catch (GeneralSecurityException e) {
        throw new StorageException("audit signing key in the store is unreadable: " + e.getMessage(), e);
      } finally {
        Arrays.fill(pkcs8, (byte) 0);
      }
    });
  }

  private static KeyPair createSigning(RecordStore records, SecureRandom random) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
      g.initialize(255, random);
      KeyPair pair = g.generateKeyPair();
      byte[] pkcs8 = pair.getPrivate().getEncoded();
      try {
        records.put(TYPE, SIGNING + ".public", pair.getPublic().getEncoded(), 0);
        records.put(TYPE, SIGNING, pkcs8, 0);
      } finally {
        Arrays.fill(pkcs8, (byte) 0);
      }
      return pair;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 unavailable", e);
    } catch (ConflictException raced) {
      return loadSigning(records).orElseThrow();
    }
  }

  private static byte[] createHmac(RecordStore records, SecureRandom random) {
    byte[] key = new byte[32];
    random.nextBytes(key);
    try {
      records.put(TYPE, HMAC, key, 0);
      return key;
    } catch (ConflictException raced) {
      Arrays.fill(key, (byte) 0);
      return records.get(TYPE, HMAC).orElseThrow().payload();
    }
  }

  @Override
  public void close() {
    hmacKey.close();
  }
}
