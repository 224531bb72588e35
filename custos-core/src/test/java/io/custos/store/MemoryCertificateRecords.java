package io.custos.store;

import io.custos.failure.ConflictException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** The certificate inventory in memory, with the store's rules. */
public final class MemoryCertificateRecords implements CertificateRecords {
  private final ConcurrentSkipListMap<String, CertificateRow> rows = new ConcurrentSkipListMap<>();
  private final Map<String, String> keys = new ConcurrentHashMap<>();
  private final Map<String, Instant> changed = new ConcurrentHashMap<>();

  @Override
  public JoinedWrite joinedAdd(CertificateRow row) {
    return new MemoryJoinedWrite("certificate " + row.serial(), () -> add(row), () -> {
      synchronized (this) {
        rows.remove(row.serial());
        keys.remove(HexFormat.of().formatHex(row.spkiHash()));
      }
    });
  }

  @Override
  public synchronized void add(CertificateRow row) {
    String k = HexFormat.of().formatHex(row.spkiHash());
    if (keys.containsKey(k)) {
      throw new ConflictException("SS-002 11.1.10: this public key was already certified (serial " + keys.get(k)
          + "); generate a new key pair for a new certificate");
    }
    if (rows.containsKey(row.serial())) {
      throw new ConflictException("serial " + row.serial() + " already exists");
    }
    keys.put(k, row.serial());
    rows.put(row.serial(), row);
  }

  @Override
  public Optional<String> certifiedKey(byte[] spkiHash) {
    return Optional.ofNullable(keys.get(HexFormat.of().formatHex(spkiHash)));
  }

  @Override
  public List<CertificateRow> certificatesOfKey(byte[] spkiHash) {
    return rows.values().stream().filter(r -> java.util.Arrays.equals(r.spkiHash(), spkiHash)).toList();
  }

  /**
   * Stores a row without claiming its key: a certificate imported from elsewhere around the rule
   * that a key is certified once (the situation a compromise of a shared key must still clean up).
   */
  public synchronized void importUnchecked(CertificateRow row) {
    if (rows.containsKey(row.serial())) {
      throw new ConflictException("serial " + row.serial() + " already exists");
    }
    keys.putIfAbsent(HexFormat.of().formatHex(row.spkiHash()), row.serial());
    rows.put(row.serial(), row);
  }

  @Override
  public Optional<CertificateRow> get(String serial) {
    return Optional.ofNullable(rows.get(serial));
  }

  @Override
  public List<CertificateRow> query(Query q) {
    return rows.values().stream()
        .filter(r -> q.ca().map(r.ca()::equals).orElse(true))
        .filter(r -> q.owner().map(r.owner()::equals).orElse(true))
        .filter(r -> q.expiringBefore().map(r.notAfter()::isBefore).orElse(true))
        .filter(r -> q.status().map(r.status()::equals).orElse(true))
        .filter(r -> q.afterSerial().map(a -> r.serial().compareTo(a) > 0).orElse(true))
        .limit(q.limit()).toList();
  }

  @Override
  public synchronized boolean setStatus(String serial, String status, Optional<Instant> revokedAt, Optional<String> reason,
      Instant changedAt) {
    CertificateRow r = rows.get(serial);
    if (r == null) {
      return false;
    }
    rows.put(serial, new CertificateRow(r.serial(), r.ca(), r.owner(), r.ownerName(), r.ownerContact(), r.profile(),
        r.subject(), r.sans(), r.spkiHash(), r.notBefore(), r.notAfter(), r.issuedAt(), status, revokedAt, reason, r.der()));
    changed.put(serial, changedAt);
    return true;
  }

  @Override
  public void forEachRevoked(String ca, java.util.function.Consumer<StatusEntry> each) {
    rows.values().stream().filter(r -> r.ca().equals(ca) && !r.status().equals("good")).forEach(r -> each.accept(entry(r)));
  }

  @Override
  public List<StatusEntry> changedSince(String ca, Instant since) {
    return rows.values().stream().filter(r -> r.ca().equals(ca) && changed.containsKey(r.serial())
        && !changed.get(r.serial()).isBefore(since)).map(this::entry).toList();
  }

  private StatusEntry entry(CertificateRow r) {
    return new StatusEntry(r.serial(), r.status(), r.revokedAt(), r.revocationReason(),
        changed.getOrDefault(r.serial(), r.revokedAt().orElse(r.issuedAt())));
  }

  @Override
  public long count() {
    return rows.size();
  }
}
