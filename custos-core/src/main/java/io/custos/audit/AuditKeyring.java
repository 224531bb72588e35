package io.custos.audit;

import io.custos.barrier.Barrier;
import io.custos.crypto.SecretBytes;
import io.custos.failure.ConflictException;
import io.custos.failure.NotFoundException;
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
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The audit log's two dedicated, single-purpose keys (SS-002 11.3.3): an Ed25519 key that only
 * signs checkpoints, and an HMAC-SHA-256 key that only hashes sensitive identifiers so
 * investigators can match them without seeing them. Both are stored only under the barrier
 * (SS-002 11.3.6); the checkpoint public key is stored in the clear, as verifiers need it while
 * the node is sealed. Created once, by {@code operator init}.
 */
public final class AuditKeyring implements AutoCloseable {
  /** Records of this type are all sealed by the barrier. */
  public static final String TYPE = "audit.key";
  static final String PUBLIC_TYPE = "audit.public-key";
  static final String SIGNING = "checkpoint-signing";
  static final String PUBLIC = SIGNING;
  static final String HMAC = "identifier-hmac";

  private final Ed25519CheckpointSigner signer;
  private final SecretBytes hmacKey;

  private AuditKeyring(Ed25519CheckpointSigner signer, SecretBytes hmacKey) {
    this.signer = signer;
    this.hmacKey = hmacKey;
  }

  /** The checkpoint key's name for an installation: {@code custos-audit-<instance id>}. */
  public static String keyNameFor(UUID instanceId) {
    return "custos-audit-" + instanceId;
  }

  /**
   * Opens the keys under the (unsealed) barrier, creating them the first time from
   * {@code random}, the approved DRBG.
   */
  public static AuditKeyring unlock(RecordStore records, Barrier barrier, String keyName, SecureRandom random) {
    KeyPair pair = loadSigning(records, barrier).orElseGet(() -> createSigning(records, barrier, random));
    byte[] mac = records.get(TYPE, HMAC).map(r -> barrier.open(TYPE, HMAC, r.version(), r.payload()))
        .orElseGet(() -> createHmac(records, barrier, random));
    return new AuditKeyring(new Ed25519CheckpointSigner(keyName, pair), SecretBytes.adopt(mac));
  }

  /** The raw Ed25519 checkpoint public key, if the keys exist yet (no secret is read). */
  public static Optional<byte[]> publicKey(RecordStore records) {
    return records.get(PUBLIC_TYPE, PUBLIC).map(r -> {
      try {
        return CheckpointKeys.rawPublicKey(KeyFactory.getInstance("Ed25519").generatePublic(
            new X509EncodedKeySpec(r.payload())));
      } catch (GeneralSecurityException e) {
        throw new StorageException("audit public key in the store is unreadable: " + e.getMessage(), e);
      }
    });
  }

  /** Like {@link #publicKey} but the keys must exist. */
  public static byte[] storedPublicKey(RecordStore records) {
    return publicKey(records).orElseThrow(() -> new NotFoundException("this store has no audit signing key yet"));
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

  private static Optional<KeyPair> loadSigning(RecordStore records, Barrier barrier) {
    Optional<StoredRecord> sealed = records.get(TYPE, SIGNING);
    if (sealed.isEmpty()) {
      return Optional.empty();
    }
    byte[] pkcs8 = barrier.open(TYPE, SIGNING, sealed.get().version(), sealed.get().payload());
    try {
      KeyFactory kf = KeyFactory.getInstance("Ed25519");
      PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      byte[] spki = records.get(PUBLIC_TYPE, PUBLIC).orElseThrow(
          () -> new StorageException("audit signing key has no public half in the store")).payload();
      PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(spki));
      return Optional.of(new KeyPair(pub, priv));
    } catch (GeneralSecurityException e) {
      throw new StorageException("audit signing key in the store is unreadable: " + e.getMessage(), e);
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
  }

  private static KeyPair createSigning(RecordStore records, Barrier barrier, SecureRandom random) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
      g.initialize(255, random);
      KeyPair pair = g.generateKeyPair();
      byte[] pkcs8 = pair.getPrivate().getEncoded();
      try {
        records.put(PUBLIC_TYPE, PUBLIC, pair.getPublic().getEncoded(), 0);
        // A new record is at version 1; the barrier binds that into the ciphertext.
        records.put(TYPE, SIGNING, barrier.seal(TYPE, SIGNING, 1, pkcs8), 0);
      } finally {
        Arrays.fill(pkcs8, (byte) 0);
      }
      return pair;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 unavailable", e);
    } catch (ConflictException raced) {
      return loadSigning(records, barrier).orElseThrow();
    }
  }

  private static byte[] createHmac(RecordStore records, Barrier barrier, SecureRandom random) {
    byte[] key = new byte[32];
    random.nextBytes(key);
    try {
      records.put(TYPE, HMAC, barrier.seal(TYPE, HMAC, 1, key), 0);
      return key;
    } catch (ConflictException raced) {
      Arrays.fill(key, (byte) 0);
      StoredRecord r = records.get(TYPE, HMAC).orElseThrow();
      return barrier.open(TYPE, HMAC, r.version(), r.payload());
    }
  }

  @Override
  public void close() {
    hmacKey.close();
  }
}
