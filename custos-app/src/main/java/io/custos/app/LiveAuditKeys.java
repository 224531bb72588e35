package io.custos.app;

import io.custos.audit.AuditKeyring;
import io.custos.audit.AuditKeys;
import io.custos.audit.AuditLog;
import io.custos.barrier.Barrier;
import io.custos.failure.UnavailableException;
import io.custos.seal.Seal;
import io.custos.store.RecordStore;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit keys following the seal: created under the barrier by init, opened on unseal and
 * handed to the audit log, wiped on seal.
 */
final class LiveAuditKeys implements AuditKeys, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LiveAuditKeys.class);
  private final RecordStore records;
  private final String keyName;
  private final SecureRandom drbg;
  private final AuditLog log;
  private final AtomicReference<AuditKeyring> open = new AtomicReference<>();

  LiveAuditKeys(RecordStore records, String keyName, SecureRandom drbg, AuditLog log, Seal seal) {
    this.records = records;
    this.keyName = keyName;
    this.drbg = drbg;
    this.log = log;
    seal.registerSealedType(AuditKeyring.TYPE);
    seal.onInit(barrier -> AuditKeyring.unlock(records, barrier, keyName, drbg).close());
    seal.onUnseal(this::unlock);
    seal.onSeal(this::lock);
  }

  private void unlock(Barrier barrier) {
    try {
      AuditKeyring keyring = AuditKeyring.unlock(records, barrier, keyName, drbg);
      AuditKeyring before = open.getAndSet(keyring);
      if (before != null) {
        before.close();
      }
      log.attachSigner(keyring.signer());
    } catch (RuntimeException e) {
      // Events are still recorded; they stay unsigned (and the metric shows it) until fixed.
      LOG.error("audit keys could not be opened: {}", e.getMessage());
    }
  }

  private void lock() {
    log.detachSigner();
    AuditKeyring keyring = open.getAndSet(null);
    if (keyring != null) {
      keyring.close();
    }
  }

  @Override
  public String keyName() {
    return keyName;
  }

  @Override
  public Optional<byte[]> publicKey() {
    return AuditKeyring.publicKey(records);
  }

  @Override
  public String hash(String value) {
    AuditKeyring keyring = open.get();
    if (keyring == null) {
      throw new UnavailableException("Custos is sealed: the audit HMAC key is under the barrier");
    }
    return keyring.hash(value);
  }

  @Override
  public void close() {
    lock();
  }
}
