package io.custos.store.jdbc;

import io.custos.failure.StorageException;
import io.custos.failure.UnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import javax.sql.DataSource;

/**
 * Group commit for the node's hot writes — certificate inventory rows and audit events — on one
 * writer thread with its own connection and kept prepared statements.
 *
 * <p>A caller hands over a {@link Unit} and waits (a virtual thread unmounts) until the
 * transaction holding it is durable; a lone caller, with nothing queued and no transaction
 * running, commits its unit itself. The writer takes every unit waiting, runs each inside a
 * savepoint of one transaction, and commits once: an issuance's inventory row and the audit
 * events of the requests before it share one fsync instead of taking one each, and no caller
 * waits in a lock convoy behind another's commit.
 *
 * <p>A unit that throws is rolled back to its savepoint and fails alone (a duplicate key, a
 * conflicting seq, a row the database refuses); the others commit. If the transaction itself
 * cannot begin or commit, every unit in it fails and nothing of them is stored (fail closed), and
 * the writer starts over on a fresh connection.
 */
final class GroupWriter implements AutoCloseable {
  /** Most units in one transaction. */
  static final int MAX_BATCH = 1024;
  private static final System.Logger LOG = System.getLogger(GroupWriter.class.getName());

  /** One caller's writes, run inside the shared transaction. */
  @FunctionalInterface
  interface Unit<T> {
    T write(Session s) throws SQLException;
  }

  /**
   * A unit that runs inside another unit of the same writer — an inventory row inside the audit
   * batch that records it — rather than in a savepoint of its own.
   */
  record Joined(String what, GroupWriter writer, Unit<?> unit) implements io.custos.store.JoinedWrite {
    /** Runs the write in {@code owner}'s session; refuses a write made for another store. */
    void runIn(GroupWriter owner, Session s) throws SQLException {
      if (writer != owner) {
        throw new IllegalArgumentException(what + " belongs to another store and cannot join this transaction");
      }
      unit.write(s);
    }
  }

  /** {@code unit}, to run inside another unit of this writer (see {@link Joined}). */
  Joined joined(String what, Unit<?> unit) {
    return new Joined(what, this, unit);
  }

  /** A unit waiting for its transaction, and how that ended for it. */
  static final class Pending<T> {
    final String what;
    final Unit<T> unit;
    final CompletableFuture<T> done = new CompletableFuture<>();
    private T result;

    Pending(String what, Unit<T> unit) {
      this.what = what;
      this.unit = unit;
    }

    private void run(Session s) throws SQLException {
      result = unit.write(s);
    }

    private void complete() {
      done.complete(result);
    }
  }

  /** The writer's connection and its prepared statements, kept across transactions. */
  static final class Session implements AutoCloseable {
    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    private Session(Connection connection) {
      this.connection = connection;
    }

    static Session open(Connection connection) {
      return new Session(connection);
    }

    Connection connection() {
      return connection;
    }

    /** A prepared statement for {@code sql}, kept for the next unit; parameters and batch cleared. */
    PreparedStatement prepare(String sql) throws SQLException {
      PreparedStatement ps = statements.get(sql);
      if (ps == null) {
        ps = connection.prepareStatement(sql);
        statements.put(sql, ps);
      } else {
        ps.clearParameters();
        ps.clearBatch();
      }
      return ps;
    }

    private void exec(String sql) throws SQLException {
      prepare(sql).execute();
    }

    @Override
    public void close() {
      for (PreparedStatement ps : statements.values()) {
        try {
          ps.close();
        } catch (SQLException | RuntimeException ignored) {
          // the connection goes too
        }
      }
      statements.clear();
    }
  }

  /** Takes a connection out of the pool for good. */
  interface ConnectionEvictor {
    void accept(Connection c) throws SQLException;
  }

  private final DataSource ds;
  private final ConnectionEvictor evict;
  private final Lock writes;
  private final LinkedBlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
  private final AtomicLong transactions = new AtomicLong();
  private final Thread thread;
  private volatile boolean closing;
  // Held while a transaction runs, by the writer thread or a lone caller; guards the session.
  private final java.util.concurrent.locks.ReentrantLock committing = new java.util.concurrent.locks.ReentrantLock();
  private Session session;

  /**
   * @param writes the node's write lock, held for each transaction (see {@link JdbcStorage})
   */
  GroupWriter(DataSource ds, ConnectionEvictor evict, Lock writes) {
    this.ds = ds;
    this.evict = evict;
    this.writes = writes;
    this.thread = Thread.ofPlatform().name("custos-store-writer").daemon().start(this::loop);
  }

  /**
   * Runs {@code unit} in the next shared transaction and returns its result once that is
   * durable; throws what failed it otherwise (a {@link StorageException} for a database error).
   *
   * @param what names the writes in an error, e.g. "certificate 3f2a…"
   */
  <T> T submit(String what, Unit<T> unit) {
    if (closing) {
      throw new UnavailableException("storage is closing; " + what + " was not recorded");
    }
    Pending<T> p = new Pending<>(what, unit);
    // Nobody waiting and the writer idle: commit here rather than hand over to the writer thread
    // and back, which would only add two wake-ups to a lone caller's wait.
    if (queue.isEmpty() && committing.tryLock()) {
      try {
        commitLocked(List.of(p));
      } finally {
        committing.unlock();
      }
      return result(p);
    }
    queue.add(p);
    return result(p);
  }

  /** The unit's result once its transaction has ended; throws what failed it. */
  private <T> T result(Pending<T> p) {
    String what = p.what;
    try {
      while (true) {
        try {
          return p.done.get(1, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          // A unit that arrived as the writer stopped is refused rather than left waiting.
          if (!thread.isAlive() && queue.remove(p)) {
            throw new UnavailableException("storage is closed; " + what + " was not recorded");
          }
        }
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new StorageException(what + " was not recorded: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for " + what + " to be recorded");
    }
  }

  /** Transactions committed so far (each holding one or more units). */
  long transactions() {
    return transactions.get();
  }

  private void loop() {
    List<Pending<?>> batch = new ArrayList<>();
    while (!(closing && queue.isEmpty())) {
      try {
        Pending<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        commit(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Throwable t) {
        LOG.log(System.Logger.Level.ERROR, "store writer: " + t);
        StorageException failed = new StorageException("the store writer failed: " + t, t);
        batch.forEach(p -> p.done.completeExceptionally(failed));
      } finally {
        batch.clear();
      }
    }
    committing.lock();
    try {
      dropSession(true);
    } finally {
      committing.unlock();
    }
  }

  /**
   * Runs {@code batch} in one transaction and completes every unit: with its result once the
   * commit is durable, with its own failure if it threw, with the storage error if the
   * transaction failed. Called by the writer thread (and by tests, with the writer idle).
   */
  void commit(List<? extends Pending<?>> batch) {
    if (batch.isEmpty()) {
      return;
    }
    committing.lock();
    try {
      commitLocked(batch);
    } finally {
      committing.unlock();
    }
  }

  private void commitLocked(List<? extends Pending<?>> batch) {
    List<Pending<?>> accepted = new ArrayList<>(batch.size());
    writes.lock();
    try {
      Session s = session();
      s.exec("BEGIN IMMEDIATE");
      try {
        for (Pending<?> p : batch) {
          s.exec("SAVEPOINT unit");
          try {
            p.run(s);
            s.exec("RELEASE unit");
            accepted.add(p);
          } catch (SQLException | RuntimeException e) {
            s.exec("ROLLBACK TO unit");
            s.exec("RELEASE unit");
            p.done.completeExceptionally(e instanceof SQLException sql
                ? new StorageException("cannot record " + p.what + ": " + JdbcStorage.rootMessage(sql)
                    + "; nothing of it is stored", sql)
                : e);
          }
        }
        s.exec("COMMIT");
        transactions.incrementAndGet();
      } catch (SQLException | RuntimeException e) {
        try {
          s.exec("ROLLBACK");
        } catch (SQLException | RuntimeException ignored) {
          // the session is dropped below
        }
        throw e;
      }
    } catch (SQLException | RuntimeException e) {
      dropSession(false);
      String what = accepted.size() == 1 ? accepted.getFirst().what
          : batch.size() == 1 ? batch.getFirst().what : batch.size() + " writes committed together";
      StorageException failed = new StorageException("cannot record " + what + ": " + JdbcStorage.rootMessage(e)
          + "; nothing of them is stored", e);
      // Units already failed keep their own failure; completing them again changes nothing.
      batch.forEach(p -> p.done.completeExceptionally(failed));
      return;
    } catch (Error e) {
      dropSession(false);
      batch.forEach(p -> p.done.completeExceptionally(e));
      throw e;
    } finally {
      writes.unlock();
    }
    accepted.forEach(Pending::complete);
  }

  private Session session() throws SQLException {
    if (session == null) {
      session = new Session(ds.getConnection());
    }
    return session;
  }

  /** Closes the session's statements and gives its connection back, or discards it after a failure. */
  private void dropSession(boolean clean) {
    if (session == null) {
      return;
    }
    Session s = session;
    session = null;
    s.close();
    try {
      if (clean) {
        s.connection.close();
      } else {
        evict.accept(s.connection);
      }
    } catch (SQLException | RuntimeException ignored) {
      // nothing more to do with it
    }
  }

  /** Commits what is queued, then stops; later submissions are refused. */
  @Override
  public void close() {
    closing = true;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
