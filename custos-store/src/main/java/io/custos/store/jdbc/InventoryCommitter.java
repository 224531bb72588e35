package io.custos.store.jdbc;

import io.custos.failure.ConflictException;
import io.custos.store.CertificateRecords.CertificateRow;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The certificate inventory's writes through the node's {@link GroupWriter}: concurrent callers
 * of {@code add} share one transaction, and so one fsync, with each other and with the audit
 * events being recorded meanwhile. A caller returns only when the transaction holding its row is
 * durable.
 *
 * <p>Each row is checked inside the transaction, against the store and so against the rows
 * committed before it in the same transaction: a serial that exists, or a key that was certified
 * before (SS-002 11.1.10), fails that caller alone with a {@link ConflictException}; the others
 * commit. A row the database refuses fails alone too; a transaction that cannot commit fails
 * every caller in it and stores none of their rows (fail closed).
 */
final class InventoryCommitter {
  private static final String INSERT_KEY = "INSERT INTO certified_key (spki_hash, serial) VALUES (?, ?)";
  private static final String EXISTS = "SELECT 1 FROM certificate WHERE serial = ?";

  private final GroupWriter writer;
  private final String insertCertificate;

  InventoryCommitter(GroupWriter writer, String insertCertificate) {
    this.writer = writer;
    this.insertCertificate = insertCertificate;
  }

  /** Adds one row and returns once it is durable; throws what failed it otherwise. */
  void add(CertificateRow row) {
    writer.submit("certificate " + row.serial(), unit(row));
  }

  /** The row, to commit inside the audit batch that records it (see {@link io.custos.store.JoinedWrite}). */
  GroupWriter.Joined joined(CertificateRow row) {
    return writer.joined("certificate " + row.serial(), unit(row));
  }

  /** The row as a unit of the writer, for tests that form a batch themselves. */
  GroupWriter.Pending<Void> pending(CertificateRow row) {
    return new GroupWriter.Pending<>("certificate " + row.serial(), unit(row));
  }

  /** Commits {@code batch} as one transaction of the writer (tests form batches themselves). */
  void commit(java.util.List<GroupWriter.Pending<Void>> batch) {
    writer.commit(batch);
  }

  /** Transactions committed so far by the writer (each holding one or more rows or audit batches). */
  long transactions() {
    return writer.transactions();
  }

  /**
   * Adds many rows as one unit (imports, bulk loads): all are recorded, or, if any serial exists or
   * any key was certified before (earlier or within the rows), none.
   */
  void addAll(java.util.List<CertificateRow> rows) {
    String what = rows.size() == 1 ? "certificate " + rows.getFirst().serial() : rows.size() + " certificates";
    writer.submit(what, s -> {
      for (CertificateRow row : rows) {
        insert(s, row);
      }
      return null;
    });
  }

  private GroupWriter.Unit<Void> unit(CertificateRow row) {
    return s -> {
      insert(s, row);
      return null;
    };
  }

  /** Claims the row's key and records the row, unless its key or serial is taken. */
  private void insert(GroupWriter.Session s, CertificateRow row) throws SQLException {
    Optional<String> earlier = JdbcCertificateRecords.certifiedKey(s.prepare(JdbcCertificateRecords.CERTIFIED_KEY),
        row.spkiHash());
    if (earlier.isPresent()) {
      throw new ConflictException("SS-002 11.1.10: this public key was already certified (serial " + earlier.get()
          + "); generate a new key pair for a new certificate");
    }
    if (exists(s.prepare(EXISTS), row.serial())) {
      throw new ConflictException("serial " + row.serial() + " already exists");
    }
    PreparedStatement key = s.prepare(INSERT_KEY);
    key.setBytes(1, row.spkiHash());
    key.setString(2, row.serial());
    key.executeUpdate();
    PreparedStatement cert = s.prepare(insertCertificate);
    JdbcCertificateRecords.bind(cert, row);
    cert.executeUpdate();
  }

  private static boolean exists(PreparedStatement ps, String serial) throws SQLException {
    ps.setString(1, serial);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next();
    }
  }
}
