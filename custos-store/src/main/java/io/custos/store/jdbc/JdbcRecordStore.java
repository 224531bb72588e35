package io.custos.store.jdbc;

import static io.custos.store.RecordAddress.checkId;
import static io.custos.store.RecordAddress.checkLimit;
import static io.custos.store.RecordAddress.checkPayload;
import static io.custos.store.RecordAddress.checkPrefix;
import static io.custos.store.RecordAddress.checkType;

import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.StorageException;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** {@link RecordStore} in the {@code custos_record} table; every write is compare-and-set. */
final class JdbcRecordStore implements RecordStore {
  private final DataSource ds;
  private final InstantSource clock;

  // Write transactions of this node, one at a time (see JdbcStorage).
  private final java.util.concurrent.locks.Lock writes;

  private final KeptReads reads;

  JdbcRecordStore(DataSource ds, InstantSource clock, java.util.concurrent.locks.Lock writes, KeptReads reads) {
    this.ds = ds;
    this.clock = clock;
    this.writes = writes;
    this.reads = reads;
  }

  @Override
  public Optional<StoredRecord> get(String type, String id) {
    checkType(type);
    checkId(id);
    try {
      // Read on every authenticated request (the token's record) and on many others: a kept statement.
      return reads.read(READ, ps -> read(ps, type, id));
    } catch (SQLException e) {
      throw failed("read", type, id, e);
    }
  }

  @Override
  public long version(String type, String id) {
    checkType(type);
    checkId(id);
    try {
      // Read on every issuance (is the active CA still current?): a kept statement.
      return reads.read("SELECT version FROM custos_record WHERE record_type = ? AND record_id = ?", ps -> {
        ps.setString(1, type);
        ps.setString(2, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getLong(1) : 0L;
        }
      });
    } catch (SQLException e) {
      throw failed("read the version of", type, id, e);
    }
  }

  @Override
  public StoredRecord put(String type, String id, byte[] payload, long expectedVersion) {
    writes.lock();
    try {
      return putLocked(type, id, payload, expectedVersion);
    } finally {
      writes.unlock();
    }
  }

  private StoredRecord putLocked(String type, String id, byte[] payload, long expectedVersion) {
    checkType(type);
    checkId(id);
    checkPayload(payload);
    if (expectedVersion < 0) {
      throw new InvalidInputException("expected version must be 0 (create) or the current version, got " + expectedVersion);
    }
    long now = clock.millis();
    try (Connection c = ds.getConnection()) {
      if (expectedVersion == 0) {
        return create(c, type, id, payload, now);
      }
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE custos_record SET version = version + 1, payload = ?, updated_at_ms = ? "
              + "WHERE record_type = ? AND record_id = ? AND version = ?")) {
        ps.setBytes(1, payload);
        ps.setLong(2, now);
        ps.setString(3, type);
        ps.setString(4, id);
        ps.setLong(5, expectedVersion);
        if (ps.executeUpdate() == 1) {
          return new StoredRecord(type, id, expectedVersion + 1, payload, Instant.ofEpochMilli(now));
        }
      }
      throw stale(c, type, id, expectedVersion);
    } catch (SQLException e) {
      throw failed("write", type, id, e);
    }
  }

  private StoredRecord create(Connection c, String type, String id, byte[] payload, long now)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO custos_record (record_type, record_id, version, payload, updated_at_ms) VALUES (?, ?, 1, ?, ?)")) {
      ps.setString(1, type);
      ps.setString(2, id);
      ps.setBytes(3, payload);
      ps.setLong(4, now);
      ps.executeUpdate();
      return new StoredRecord(type, id, 1, payload, Instant.ofEpochMilli(now));
    } catch (SQLException e) {
      // The portable way to tell a duplicate key from other failures: look.
      if (read(c, type, id).isPresent()) {
        throw new ConflictException("record " + type + "/" + id + " already exists");
      }
      throw e;
    }
  }

  @Override
  public void delete(String type, String id, long expectedVersion) {
    writes.lock();
    try {
      deleteLocked(type, id, expectedVersion);
    } finally {
      writes.unlock();
    }
  }

  private void deleteLocked(String type, String id, long expectedVersion) {
    checkType(type);
    checkId(id);
    try (Connection c = ds.getConnection()) {
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM custos_record WHERE record_type = ? AND record_id = ? AND version = ?")) {
        ps.setString(1, type);
        ps.setString(2, id);
        ps.setLong(3, expectedVersion);
        if (ps.executeUpdate() == 1) {
          return;
        }
      }
      if (read(c, type, id).isEmpty()) {
        throw new NotFoundException("record " + type + "/" + id + " does not exist");
      }
      throw stale(c, type, id, expectedVersion);
    } catch (SQLException e) {
      throw failed("delete", type, id, e);
    }
  }

  @Override
  public List<String> list(String type, String prefix, int limit) {
    checkType(type);
    checkPrefix(prefix);
    checkLimit(limit);
    // substr() rather than LIKE: ids may contain % and _, and substr() is portable.
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT record_id FROM custos_record WHERE record_type = ? AND substr(record_id, 1, ?) = ? "
                + "ORDER BY record_id LIMIT ?")) {
      ps.setString(1, type);
      ps.setInt(2, prefix.length());
      ps.setString(3, prefix);
      ps.setInt(4, limit);
      List<String> ids = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      return ids;
    } catch (SQLException e) {
      throw failed("list", type, prefix + "*", e);
    }
  }

  private static final String READ =
      "SELECT version, payload, updated_at_ms FROM custos_record WHERE record_type = ? AND record_id = ?";

  private static Optional<StoredRecord> read(Connection c, String type, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(READ)) {
      return read(ps, type, id);
    }
  }

  private static Optional<StoredRecord> read(PreparedStatement ps, String type, String id) throws SQLException {
    ps.setString(1, type);
    ps.setString(2, id);
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      byte[] payload = rs.getBytes(2);
      return Optional.of(new StoredRecord(type, id, rs.getLong(1),
          payload == null ? new byte[0] : payload, Instant.ofEpochMilli(rs.getLong(3))));
    }
  }

  private static ConflictException stale(Connection c, String type, String id, long expected)
      throws SQLException {
    Optional<StoredRecord> now = read(c, type, id);
    return new ConflictException("record " + type + "/" + id + " is not at version " + expected
        + (now.isPresent() ? " (it is at version " + now.get().version() + ")" : " (it does not exist)"));
  }

  private static StorageException failed(String what, String type, String id, SQLException e) {
    return new StorageException("storage failed to " + what + " record " + type + "/" + id + ": "
        + JdbcStorage.rootMessage(e), e);
  }
}
