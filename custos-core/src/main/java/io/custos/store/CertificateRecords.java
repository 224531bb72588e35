package io.custos.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The certificate inventory (SS-002 11.5.2) and the index of every public key ever certified
 * (SS-002 11.1.10: re-key on replacement, no shared keys). Certificates are public; what must
 * hold is that a row, once written, keeps its identity — rows are added and their status
 * changes, nothing else.
 */
public interface CertificateRecords {
  /** Largest page of a query. */
  int MAX_PAGE = 1000;

  /**
   * One issued certificate.
   *
   * @param serial lower-case hex, no leading zeros
   * @param sans subject alternative names as {@code dns:…}, {@code ip:…}, {@code email:…}, {@code uri:…}
   * @param spkiHash SHA-256 of the SubjectPublicKeyInfo
   * @param status {@code good}, {@code revoked} or {@code hold}
   */
  record CertificateRow(
      String serial,
      String ca,
      String owner,
      String ownerName,
      String ownerContact,
      String profile,
      String subject,
      List<String> sans,
      byte[] spkiHash,
      Instant notBefore,
      Instant notAfter,
      Instant issuedAt,
      String status,
      Optional<Instant> revokedAt,
      Optional<String> revocationReason,
      byte[] der) {
    public CertificateRow {
      Objects.requireNonNull(serial, "serial");
      Objects.requireNonNull(ca, "ca");
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(ownerName, "ownerName");
      Objects.requireNonNull(ownerContact, "ownerContact");
      Objects.requireNonNull(profile, "profile");
      Objects.requireNonNull(subject, "subject");
      sans = List.copyOf(sans);
      spkiHash = spkiHash.clone();
      Objects.requireNonNull(notBefore, "notBefore");
      Objects.requireNonNull(notAfter, "notAfter");
      Objects.requireNonNull(issuedAt, "issuedAt");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(revokedAt, "revokedAt");
      Objects.requireNonNull(revocationReason, "revocationReason");
      der = der.clone();
    }

    @Override
    public byte[] spkiHash() {
      return spkiHash.clone();
    }

    @Override
    public byte[] der() {
      return der.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CertificateRow r && serial.equals(r.serial) && Arrays.equals(der, r.der)
          && status.equals(r.status) && revokedAt.equals(r.revokedAt);
    }

    @Override
    public int hashCode() {
      return serial.hashCode();
    }

    @Override
    public String toString() {
      return "CertificateRow[" + serial + ", " + subject + ", " + status + "]";
    }
  }

  /**
   * A query over the inventory; empty filters match everything. Results come in serial order,
   * starting after {@code afterSerial}, at most {@code limit}.
   */
  record Query(Optional<String> ca, Optional<String> owner, Optional<Instant> expiringBefore,
      Optional<String> status, Optional<String> afterSerial, int limit) {
    public Query {
      Objects.requireNonNull(ca, "ca");
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(expiringBefore, "expiringBefore");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(afterSerial, "afterSerial");
      if (limit < 1 || limit > MAX_PAGE) {
        throw new io.custos.failure.InvalidInputException("page size must be 1 to " + MAX_PAGE + ", got " + limit);
      }
    }

    public static Query all(int limit) {
      return new Query(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), limit);
    }
  }

  /**
   * Records a certificate and claims its key in one transaction, and returns once that is
   * durable. Adapters may commit concurrent adds together (group commit); a duplicate among
   * them fails only its own caller.
   *
   * @throws io.custos.failure.ConflictException if the serial exists, or the key was certified
   *     before (the message names the earlier serial)
   */
  void add(CertificateRow row);

  /**
   * {@link #add} of {@code row}, to commit with the audit event that records it (see
   * {@link JoinedWrite}); nothing is written until the audit log records it.
   */
  JoinedWrite joinedAdd(CertificateRow row);

  /**
   * Records many certificates (imports, bulk loads), each under the rules of {@link #add}. The
   * default adds them one by one; the SQL adapter adds all of them in one transaction, or none
   * if any serial exists or any key was certified before (earlier or within the batch).
   */
  default void addAll(List<CertificateRow> rows) {
    rows.forEach(this::add);
  }

  /** A position in expiry order: after this notAfter and serial. */
  record ExpiryCursor(Instant notAfter, String serial) {
    public ExpiryCursor {
      Objects.requireNonNull(notAfter, "notAfter");
      Objects.requireNonNull(serial, "serial");
    }
  }

  /**
   * Certificates of {@code status} whose notAfter is in [{@code from}, {@code to}), in (notAfter,
   * serial) order, after {@code after}, at most {@code limit} (expiry alerts: the certificates
   * expired long ago are never read). The default pages through {@link #query}; adapters walk
   * an index.
   */
  default List<CertificateRow> expiring(String status, Instant from, Instant to, Optional<ExpiryCursor> after,
      int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new io.custos.failure.InvalidInputException("page size must be 1 to " + MAX_PAGE + ", got " + limit);
    }
    java.util.Comparator<CertificateRow> order = java.util.Comparator.comparing(CertificateRow::notAfter)
        .thenComparing(CertificateRow::serial);
    List<CertificateRow> all = new java.util.ArrayList<>();
    Optional<String> page = Optional.empty();
    while (true) {
      List<CertificateRow> rows = query(new Query(Optional.empty(), Optional.empty(), Optional.of(to),
          Optional.of(status), page, MAX_PAGE));
      for (CertificateRow r : rows) {
        if (!r.notAfter().isBefore(from) && after.map(a -> r.notAfter().isAfter(a.notAfter())
            || r.notAfter().equals(a.notAfter()) && r.serial().compareTo(a.serial()) > 0).orElse(true)) {
          all.add(r);
        }
      }
      if (rows.size() < MAX_PAGE) {
        break;
      }
      page = Optional.of(rows.getLast().serial());
    }
    return all.stream().sorted(order).limit(limit).toList();
  }

  /** The serial that first certified this key, if any. */
  Optional<String> certifiedKey(byte[] spkiHash);

  /**
   * Every certificate that carries this public key (SHA-256 of its SubjectPublicKeyInfo), in
   * every CA, in serial order. Normally at most one, since issuance refuses a key certified
   * before; more when certificates were imported around that rule. A compromise revokes them all
   * (SS-002 11.6.1).
   */
  List<CertificateRow> certificatesOfKey(byte[] spkiHash);

  Optional<CertificateRow> get(String serial);

  List<CertificateRow> query(Query query);

  /**
   * Changes a certificate's status (revocation, hold, release) as of {@code changedAt}, the time
   * delta CRLs list changes by; returns false if no such serial.
   */
  boolean setStatus(String serial, String status, Optional<Instant> revokedAt, Optional<String> reason,
      Instant changedAt);

  /** {@link #setStatus(String, String, Optional, Optional, Instant)} as of the revocation time, or now. */
  default boolean setStatus(String serial, String status, Optional<Instant> revokedAt, Optional<String> reason) {
    return setStatus(serial, status, revokedAt, reason, revokedAt.orElseGet(Instant::now));
  }

  /**
   * A certificate's standing as a revocation list shows it.
   *
   * @param status {@code revoked}, {@code hold}, or {@code good} (a released hold, in changes only)
   * @param changedAt when its status last changed
   */
  record StatusEntry(String serial, String status, Optional<Instant> revokedAt, Optional<String> reason,
      Instant changedAt) {
    public StatusEntry {
      Objects.requireNonNull(serial, "serial");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(revokedAt, "revokedAt");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(changedAt, "changedAt");
    }
  }

  /**
   * Hands every revoked or held certificate of {@code ca} to {@code each}, in no promised order:
   * the entries of a full CRL, up to millions, never all in memory as rows.
   */
  void forEachRevoked(String ca, java.util.function.Consumer<StatusEntry> each);

  /**
   * The certificates of {@code ca} whose status changed at or after {@code since}, whatever it
   * is now (a hold released since shows as {@code good}): the entries of a delta CRL.
   */
  List<StatusEntry> changedSince(String ca, Instant since);

  /** How many certificates are stored. */
  long count();
}
