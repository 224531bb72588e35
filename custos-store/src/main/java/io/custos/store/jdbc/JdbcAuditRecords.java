package io.custos.store.jdbc;

import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.StorageException;
import io.custos.store.AuditRecords;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/** {@link AuditRecords} in the audit_* tables; appends commit through the node's {@link GroupWriter}. */
final class JdbcAuditRecords implements AuditRecords {
  private static final Pattern SINK = Pattern.compile("[a-z][a-z0-9_.-]{0,63}");
  private static final String INSERT_EVENT =
      "INSERT INTO audit_event (seq, recorded_at_ms, event, leaf_hash) VALUES (?, ?, ?, ?)";
  private static final String LAST_SEQ = "SELECT MAX(seq) FROM audit_event";
  private final DataSource ds;
  private final GroupWriter writer;

  // Write transactions of this node, one at a time (see JdbcStorage).
  private final java.util.concurrent.locks.Lock writes;

  JdbcAuditRecords(DataSource ds, GroupWriter writer, java.util.concurrent.locks.Lock writes) {
    this.ds = ds;
    this.writer = writer;
    this.writes = writes;
  }

  /**
   * In the node's shared transaction (group commit with inventory rows), the joined writes first;
   * durable when this returns.
   */
  @Override
  public void append(List<EventRow> rows, List<io.custos.store.JoinedWrite> joined) {
    if (rows.isEmpty()) {
      if (!joined.isEmpty()) {
        throw new IllegalArgumentException("a joined write needs the audit event that records it");
      }
      return;
    }
    List<GroupWriter.Joined> writes = new ArrayList<>(joined.size());
    for (io.custos.store.JoinedWrite w : joined) {
      if (!(w instanceof GroupWriter.Joined j)) {
        throw new IllegalArgumentException(w.what() + " belongs to another store and cannot join the audit log's transaction");
      }
      writes.add(j);
    }
    for (int i = 1; i < rows.size(); i++) {
      if (rows.get(i).seq() != rows.get(i - 1).seq() + 1) {
        throw new InvalidInputException("audit events must be appended with consecutive seqs; "
            + rows.get(i).seq() + " follows " + rows.get(i - 1).seq());
      }
    }
    writer.submit("audit events " + rows.getFirst().seq() + ".." + rows.getLast().seq(), s -> {
      for (GroupWriter.Joined j : writes) {
        j.runIn(writer, s);
      }
      long last = lastSeq(s.prepare(LAST_SEQ));
      if (rows.getFirst().seq() != last + 1) {
        throw new ConflictException("audit log is at seq " + last + "; cannot append seq " + rows.getFirst().seq());
      }
      PreparedStatement ps = s.prepare(INSERT_EVENT);
      for (EventRow r : rows) {
        ps.setLong(1, r.seq());
        ps.setLong(2, r.recordedAt().toEpochMilli());
        ps.setBytes(3, r.event());
        ps.setBytes(4, r.leafHash());
        ps.addBatch();
      }
      ps.executeBatch();
      return null;
    });
  }

  @Override
  public long lastSeq() {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(LAST_SEQ)) {
      return lastSeq(ps);
    } catch (SQLException e) {
      throw failed("read the audit log", e);
    }
  }

  private static long lastSeq(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public List<EventRow> read(long fromSeq, int max) {
    if (max < 1 || max > 100_000) {
      throw new InvalidInputException("audit read size must be 1 to 100000, got " + max);
    }
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT seq, recorded_at_ms, event, leaf_hash FROM audit_event WHERE seq >= ? ORDER BY seq LIMIT ?")) {
      ps.setLong(1, fromSeq);
      ps.setInt(2, max);
      List<EventRow> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(new EventRow(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getBytes(3), rs.getBytes(4)));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw failed("read the audit log", e);
    }
  }

  @Override
  public List<byte[]> leafHashes(long fromSeq, long toSeq) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT leaf_hash FROM audit_event WHERE seq >= ? AND seq <= ? ORDER BY seq")) {
      ps.setLong(1, fromSeq);
      ps.setLong(2, toSeq);
      List<byte[]> hashes = new ArrayList<>((int) Math.max(0, Math.min(toSeq - fromSeq + 1, 1 << 20)));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          hashes.add(rs.getBytes(1));
        }
      }
      return hashes;
    } catch (SQLException e) {
      throw failed("read audit leaf hashes", e);
    }
  }

  @Override
  public void addCheckpoint(CheckpointRow cp) {
    writes.lock();
    try {
      addCheckpointLocked(cp);
    } finally {
      writes.unlock();
    }
  }

  private void addCheckpointLocked(CheckpointRow cp) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "INSERT INTO audit_checkpoint (tree_size, issued_at_ms, note) VALUES (?, ?, ?)")) {
      ps.setLong(1, cp.treeSize());
      ps.setLong(2, cp.issuedAt().toEpochMilli());
      ps.setString(3, cp.note());
      ps.executeUpdate();
    } catch (SQLException e) {
      if (!checkpoints(cp.treeSize(), cp.treeSize()).isEmpty()) {
        throw new ConflictException("a checkpoint for tree size " + cp.treeSize() + " already exists");
      }
      throw failed("store an audit checkpoint", e);
    }
  }

  @Override
  public List<CheckpointRow> checkpoints(long fromSize, long toSize) {
    return queryCheckpoints("SELECT tree_size, issued_at_ms, note FROM audit_checkpoint "
        + "WHERE tree_size >= ? AND tree_size <= ? ORDER BY tree_size", fromSize, toSize);
  }

  @Override
  public Optional<CheckpointRow> latestCheckpoint() {
    List<CheckpointRow> rows = queryCheckpoints("SELECT tree_size, issued_at_ms, note FROM audit_checkpoint "
        + "WHERE tree_size >= ? AND tree_size <= ? ORDER BY tree_size DESC LIMIT 1", 1, Long.MAX_VALUE);
    return rows.stream().findFirst();
  }

  private List<CheckpointRow> queryCheckpoints(String sql, long from, long to) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, from);
      ps.setLong(2, to);
      List<CheckpointRow> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(new CheckpointRow(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3)));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw failed("read audit checkpoints", e);
    }
  }

  @Override
  public long cursor(String sink) {
    checkSink(sink);
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT delivered_through FROM audit_sink_cursor WHERE sink = ?")) {
      ps.setString(1, sink);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    } catch (SQLException e) {
      throw failed("read the cursor of sink " + sink, e);
    }
  }

  @Override
  public void advanceCursor(String sink, long deliveredThrough) {
    writes.lock();
    try {
      advanceCursorLocked(sink, deliveredThrough);
    } finally {
      writes.unlock();
    }
  }

  private void advanceCursorLocked(String sink, long deliveredThrough) {
    checkSink(sink);
    try (Connection c = ds.getConnection()) {
      try (PreparedStatement up = c.prepareStatement(
          "UPDATE audit_sink_cursor SET delivered_through = ? WHERE sink = ? AND delivered_through < ?")) {
        up.setLong(1, deliveredThrough);
        up.setString(2, sink);
        up.setLong(3, deliveredThrough);
        if (up.executeUpdate() == 1) {
          return;
        }
      }
      try (PreparedStatement ins = c.prepareStatement(
          "INSERT INTO audit_sink_cursor (sink, delivered_through) SELECT ?, ? WHERE NOT EXISTS "
              + "(SELECT 1 FROM audit_sink_cursor WHERE sink = ?)")) {
        ins.setString(1, sink);
        ins.setLong(2, deliveredThrough);
        ins.setString(3, sink);
        ins.executeUpdate();
      }
    } catch (SQLException e) {
      throw failed("advance the cursor of sink " + sink, e);
    }
  }

  private static void checkSink(String sink) {
    if (sink == null || !SINK.matcher(sink).matches()) {
      throw new InvalidInputException("sink name must match [a-z][a-z0-9_.-]{0,63}");
    }
  }

  private static StorageException failed(String what, SQLException e) {
    return new StorageException("storage failed to " + what + ": " + JdbcStorage.rootMessage(e), e);
  }
}
