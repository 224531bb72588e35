package io.custos.store.jdbc;

import io.custos.failure.InvalidInputException;
import io.custos.failure.StorageException;
import io.custos.store.CertificateRecords;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/** {@link CertificateRecords} in the {@code certificate} and {@code certified_key} tables. */
final class JdbcCertificateRecords implements CertificateRecords {
  private static final Pattern SERIAL = Pattern.compile("[0-9a-f]{1,48}");
  private static final String COLUMNS = "serial, ca, owner, owner_name, owner_contact, profile, subject, sans, spki_hash, "
      + "not_before_ms, not_after_ms, issued_at_ms, status, revoked_at_ms, revocation_reason, der";
  private static final String INSERT = "INSERT INTO certificate (" + COLUMNS
      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private final DataSource ds;
  private final InventoryCommitter committer;
  // Write transactions of this node, one at a time (see JdbcStorage).
  private final java.util.concurrent.locks.Lock writes;

  private final KeptReads reads;

  JdbcCertificateRecords(DataSource ds, GroupWriter writer, java.util.concurrent.locks.Lock writes, KeptReads reads) {
    this.ds = ds;
    this.reads = reads;
    this.writes = writes;
    this.committer = new InventoryCommitter(writer, INSERT);
  }

  /** Concurrent adds share a transaction (group commit, with audit events); each returns once its row is durable. */
  @Override
  public void add(CertificateRow row) {
    checkSerial(row.serial());
    committer.add(row);
  }

  @Override
  public io.custos.store.JoinedWrite joinedAdd(CertificateRow row) {
    checkSerial(row.serial());
    return committer.joined(row);
  }

  /** The group committer behind {@link #add}, for tests. */
  InventoryCommitter committer() {
    return committer;
  }

  /** All of {@code rows} in one unit of the store writer: every one is recorded, or none. */
  @Override
  public void addAll(List<CertificateRow> rows) {
    if (rows.isEmpty()) {
      return;
    }
    rows.forEach(r -> checkSerial(r.serial()));
    committer.addAll(rows);
  }

  static void bind(PreparedStatement ps, CertificateRow row) throws SQLException {
    ps.setString(1, row.serial());
    ps.setString(2, row.ca());
    ps.setString(3, row.owner());
    ps.setString(4, row.ownerName());
    ps.setString(5, row.ownerContact());
    ps.setString(6, row.profile());
    ps.setString(7, row.subject());
    ps.setString(8, String.join("\n", row.sans()));
    ps.setBytes(9, row.spkiHash());
    ps.setLong(10, row.notBefore().toEpochMilli());
    ps.setLong(11, row.notAfter().toEpochMilli());
    ps.setLong(12, row.issuedAt().toEpochMilli());
    ps.setString(13, row.status());
    if (row.revokedAt().isPresent()) {
      ps.setLong(14, row.revokedAt().get().toEpochMilli());
    } else {
      ps.setNull(14, Types.BIGINT);
    }
    ps.setString(15, row.revocationReason().orElse(null));
    ps.setBytes(16, row.der());
  }

  @Override
  public Optional<String> certifiedKey(byte[] spkiHash) {
    try {
      return reads.read(CERTIFIED_KEY, ps -> certifiedKey(ps, spkiHash));
    } catch (SQLException e) {
      throw new StorageException("cannot read the certified-key index: " + e.getMessage(), e);
    }
  }

  static final String CERTIFIED_KEY = "SELECT serial FROM certified_key WHERE spki_hash = ?";

  /** The serial that first certified a key, from {@link #CERTIFIED_KEY} prepared. */
  static Optional<String> certifiedKey(PreparedStatement ps, byte[] spkiHash) throws SQLException {
    ps.setBytes(1, spkiHash);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
    }
  }

  @Override
  public List<CertificateRow> certificatesOfKey(byte[] spkiHash) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM certificate WHERE spki_hash = ? ORDER BY serial")) {
      ps.setBytes(1, spkiHash);
      List<CertificateRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(row(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageException("cannot find the certificates of a key: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<CertificateRow> get(String serial) {
    checkSerial(serial);
    try {
      return reads.read(GET, ps -> get(ps, serial));
    } catch (SQLException e) {
      throw new StorageException("cannot read certificate " + serial + ": " + e.getMessage(), e);
    }
  }

  private static final String GET = "SELECT " + COLUMNS + " FROM certificate WHERE serial = ?";

  private static Optional<CertificateRow> get(PreparedStatement ps, String serial) throws SQLException {
    ps.setString(1, serial);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(row(rs)) : Optional.empty();
    }
  }

  @Override
  public List<CertificateRow> query(Query q) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM certificate WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    q.ca().ifPresent(v -> {
      sql.append(" AND ca = ?");
      args.add(v);
    });
    q.owner().ifPresent(v -> {
      sql.append(" AND owner = ?");
      args.add(v);
    });
    q.expiringBefore().ifPresent(v -> {
      sql.append(" AND not_after_ms < ?");
      args.add(v.toEpochMilli());
    });
    q.status().ifPresent(v -> {
      sql.append(" AND status = ?");
      args.add(v);
    });
    q.afterSerial().ifPresent(v -> {
      checkSerial(v);
      sql.append(" AND serial > ?");
      args.add(v);
    });
    sql.append(" ORDER BY serial LIMIT ?");
    args.add(q.limit());
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      List<CertificateRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(row(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageException("cannot query certificates: " + e.getMessage(), e);
    }
  }

  @Override
  public List<CertificateRow> expiring(String status, Instant from, Instant to, Optional<ExpiryCursor> after,
      int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new InvalidInputException("page size must be 1 to " + MAX_PAGE + ", got " + limit);
    }
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS
        + " FROM certificate WHERE not_after_ms >= ? AND not_after_ms < ? AND status = ?");
    List<Object> args = new ArrayList<>(List.of(from.toEpochMilli(), to.toEpochMilli(), status));
    after.ifPresent(a -> {
      checkSerial(a.serial());
      sql.append(" AND (not_after_ms > ? OR (not_after_ms = ? AND serial > ?))");
      args.addAll(List.of(a.notAfter().toEpochMilli(), a.notAfter().toEpochMilli(), a.serial()));
    });
    sql.append(" ORDER BY not_after_ms, serial LIMIT ?");
    args.add(limit);
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      List<CertificateRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(row(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageException("cannot list expiring certificates: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean setStatus(String serial, String status, Optional<Instant> revokedAt, Optional<String> reason,
      Instant changedAt) {
    writes.lock();
    try {
      return setStatusLocked(serial, status, revokedAt, reason, changedAt);
    } finally {
      writes.unlock();
    }
  }

  private boolean setStatusLocked(String serial, String status, Optional<Instant> revokedAt, Optional<String> reason,
      Instant changedAt) {
    checkSerial(serial);
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE certificate SET status = ?, "
        + "revoked_at_ms = ?, revocation_reason = ?, status_changed_at_ms = ? WHERE serial = ?")) {
      ps.setString(1, status);
      if (revokedAt.isPresent()) {
        ps.setLong(2, revokedAt.get().toEpochMilli());
      } else {
        ps.setNull(2, Types.BIGINT);
      }
      ps.setString(3, reason.orElse(null));
      ps.setLong(4, changedAt.toEpochMilli());
      ps.setString(5, serial);
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new StorageException("cannot change certificate " + serial + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void forEachRevoked(String ca, Consumer<StatusEntry> each) {
    // One walk of the covering index (ca, status, serial, revoked_at_ms, revocation_reason) per status.
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT serial, revoked_at_ms, "
        + "revocation_reason FROM certificate WHERE ca = ? AND status = ?")) {
      for (String status : List.of("revoked", "hold")) {
        ps.setString(1, ca);
        ps.setString(2, status);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long at = rs.getLong(2);
            Instant revoked = Instant.ofEpochMilli(at);
            each.accept(new StatusEntry(rs.getString(1), status, Optional.of(revoked),
                Optional.ofNullable(rs.getString(3)), revoked));
          }
        }
      }
    } catch (SQLException e) {
      throw new StorageException("cannot list the revoked certificates of CA " + ca + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<StatusEntry> changedSince(String ca, Instant since) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT serial, status, "
        + "revoked_at_ms, revocation_reason, status_changed_at_ms FROM certificate WHERE ca = ? "
        + "AND status_changed_at_ms >= ? ORDER BY status_changed_at_ms, serial")) {
      ps.setString(1, ca);
      ps.setLong(2, since.toEpochMilli());
      List<StatusEntry> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long revoked = rs.getLong(3);
          boolean hasRevoked = !rs.wasNull();
          out.add(new StatusEntry(rs.getString(1), rs.getString(2),
              hasRevoked ? Optional.of(Instant.ofEpochMilli(revoked)) : Optional.empty(),
              Optional.ofNullable(rs.getString(4)), Instant.ofEpochMilli(rs.getLong(5))));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageException("cannot list the status changes of CA " + ca + ": " + e.getMessage(), e);
    }
  }

  @Override
  public long count() {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM certificate");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new StorageException("cannot count certificates: " + e.getMessage(), e);
    }
  }

  private static CertificateRow row(ResultSet rs) throws SQLException {
    String sans = rs.getString(8);
    long revoked = rs.getLong(14);
    boolean hasRevoked = !rs.wasNull();
    return new CertificateRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), rs.getString(7), sans.isEmpty() ? List.of() : Arrays.asList(sans.split("\n")), rs.getBytes(9),
        Instant.ofEpochMilli(rs.getLong(10)), Instant.ofEpochMilli(rs.getLong(11)), Instant.ofEpochMilli(rs.getLong(12)),
        rs.getString(13), hasRevoked ? Optional.of(Instant.ofEpochMilli(revoked)) : Optional.empty(),
        Optional.ofNullable(rs.getString(15)), rs.getBytes(16));
  }

  private static void checkSerial(String serial) {
    if (serial == null || !SERIAL.matcher(serial).matches()) {
      throw new InvalidInputException("a serial number is lower-case hex, 1 to 48 digits");
    }
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
