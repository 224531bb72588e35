package io.custos.store.jdbc;

import io.custos.failure.UnavailableException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * The node's hottest point reads — a record (every authenticated request reads its token) or its
 * version (every issuance checks its CA's), a certificate by serial (OCSP) and the certified-key
 * index — on a few connections kept with their prepared statements.
 * SQLite compiles a statement on every prepare, and for a read by primary key that cost more than
 * the read. A caller borrows an idle reader; when every kept reader is busy it reads on a pooled
 * connection, preparing the statement as any other read does, rather than wait.
 *
 * <p>Each read runs in autocommit and closes its result set, which resets the statement: a kept
 * reader holds no read transaction between reads, so it always sees the latest commit and never
 * holds back a WAL checkpoint.
 */
final class KeptReads implements AutoCloseable {
  /** Reads from a prepared statement, its parameters cleared; must close any result set it opens. */
  @FunctionalInterface
  interface Read<T> {
    T run(PreparedStatement ps) throws SQLException;
  }

  private final DataSource ds;
  private final GroupWriter.ConnectionEvictor evict;
  private final int max;
  private final ArrayBlockingQueue<GroupWriter.Session> idle;
  private final AtomicInteger open = new AtomicInteger();
  private volatile boolean closed;

  KeptReads(DataSource ds, GroupWriter.ConnectionEvictor evict, int max) {
    this.ds = ds;
    this.evict = evict;
    this.max = max;
    this.idle = new ArrayBlockingQueue<>(max);
  }

  <T> T read(String sql, Read<T> read) throws SQLException {
    if (closed) {
      throw new UnavailableException("storage is closed");
    }
    GroupWriter.Session s = idle.poll();
    if (s == null && open.incrementAndGet() > max) {
      open.decrementAndGet();
      try (java.sql.Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
        return read.run(ps);
      }
    }
    boolean failed = true;
    boolean kept = false;
    try {
      if (s == null) {
        s = GroupWriter.Session.open(ds.getConnection());
      }
      T result = read.run(s.prepare(sql));
      failed = false;
      kept = !closed && idle.offer(s);
      return result;
    } finally {
      if (!kept) {
        drop(s, failed);
      }
    }
  }

  /** Closes a reader not wanted back: its connection goes back to the pool, or is discarded after a failure. */
  private void drop(GroupWriter.Session s, boolean failed) {
    open.decrementAndGet();
    if (s == null) {
      return;
    }
    s.close();
    try {
      if (failed) {
        evict.accept(s.connection());
      } else {
        s.connection().close();
      }
    } catch (SQLException | RuntimeException ignored) {
      // nothing more to do with it
    }
  }

  @Override
  public void close() {
    closed = true;
    GroupWriter.Session s;
    while ((s = idle.poll()) != null) {
      s.close();
      try {
        s.connection().close();
      } catch (SQLException | RuntimeException ignored) {
        // the pool closes next
      }
    }
  }
}
