package io.custos.store.jdbc;

import io.custos.failure.ConflictException;
import io.custos.failure.StorageException;
import io.custos.store.CertificateRecords.CertificateRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * Group commit for the certificate inventory: concurrent callers of {@code add} share one
 * transaction, and so one fsync. A caller queues its row; whoever holds the commit lock takes
 * every row queued so far and commits them together (the leader; the others wait for the lock
 * and usually find their row already committed). No thread of its own, nothing to close, and a
 * lone caller commits at once. A caller returns only when the transaction holding its row is
 * durable.
 *
 * <p>Rows are checked in queue order, against the store and against the rows before them in
 * the batch: a serial that exists, or a key that was certified before (SS-002 11.1.10), fails
 * that caller alone with a {@link ConflictException}; the others commit. Any other error rolls
 * the whole transaction back and fails every caller in it (fail closed): none of their rows is
 * stored.
 */
final class InventoryCommitter {
  /** Most rows in one transaction. */
  static final int MAX_BATCH = 512;
  private static final String INSERT_KEY = "INSERT INTO certified_key (spki_hash, serial) VALUES (?, ?)";

  /** A row waiting for its transaction, and how that ended for it. */
  record Pending(CertificateRow row, CompletableFuture<Void> done) {
    Pending(CertificateRow row) {
      this(row, new CompletableFuture<>());
    }
  }

  private final DataSource ds;
  private final String insertCertificate;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicLong transactions = new AtomicLong();

  private final java.util.concurrent.locks.Lock writes;

  InventoryCommitter(DataSource ds, String insertCertificate, java.util.concurrent.locks.Lock writes) {
    this.ds = ds;
    this.insertCertificate = insertCertificate;
    this.writes = writes;
  }

  /** Adds one row and returns once it is durable; throws what failed it otherwise. */
  void add(CertificateRow row) {
    Pending mine = new Pending(row);
    queue.add(mine);
    while (!mine.done().isDone()) {
      lock.lock();
      try {
        if (!mine.done().isDone()) {
          List<Pending> batch = new ArrayList<>();
          for (Pending p; batch.size() < MAX_BATCH && (p = queue.poll()) != null; ) {
            batch.add(p);
          }
          commit(batch);
        }
      } finally {
        lock.unlock();
      }
    }
    try {
      mine.done().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new StorageException("certificate " + row.serial() + " was not recorded: " + e.getCause(), e.getCause());
    }
  }

  /** Transactions committed so far (each holding one or more rows). */
  long transactions() {
    return transactions.get();
  }

  /**
   * Commits {@code batch} in one transaction and completes every one of its futures: with
   * nothing for a row stored, with a {@link ConflictException} for a duplicate, with the
   * storage error for all of them if the transaction failed.
   */
  void commit(List<Pending> batch) {
    if (batch.isEmpty()) {
      return;
    }
    List<Pending> accepted = new ArrayList<>(batch.size());
    writes.lock();
    try {
      try (Connection c = ds.getConnection()) {
        c.setAutoCommit(false);
        try (PreparedStatement key = c.prepareStatement(INSERT_KEY);
            PreparedStatement cert = c.prepareStatement(insertCertificate)) {
          Set<String> serials = new HashSet<>();
          Map<String, String> keys = new HashMap<>();
          for (Pending p : batch) {
            CertificateRow row = p.row();
            String spki = HexFormat.of().formatHex(row.spkiHash());
            String earlier = keys.containsKey(spki) ? keys.get(spki) : certifiedKey(c, row.spkiHash());
            if (earlier != null) {
              p.done().completeExceptionally(
                  new ConflictException("this public key was already certified (serial " + earlier + ")"));
              continue;
            }
            if (serials.contains(row.serial()) || exists(c, row.serial())) {
              p.done().completeExceptionally(new ConflictException("serial " + row.serial() + " already exists"));
              continue;
            }
            key.setBytes(1, row.spkiHash());
            key.setString(2, row.serial());
            key.addBatch();
            JdbcCertificateRecords.bind(cert, row);
            cert.addBatch();
            serials.add(row.serial());
            keys.put(spki, row.serial());
            accepted.add(p);
          }
          if (accepted.isEmpty()) {
            c.rollback();
            return;
          }
          key.executeBatch();
          cert.executeBatch();
          c.commit();
          transactions.incrementAndGet();
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        } finally {
          c.setAutoCommit(true);
        }
      }
    } catch (SQLException | RuntimeException e) {
      String what = accepted.size() == 1 ? "certificate " + accepted.getFirst().row().serial()
          : accepted.size() + " certificates committed together";
      StorageException failed = new StorageException("cannot record " + what + ": "
          + JdbcStorage.rootMessage(e) + "; nothing of them is stored", e);
      // Rows already refused keep their conflict; completing them again changes nothing.
      batch.forEach(p -> p.done().completeExceptionally(failed));
      return;
    } catch (Error e) {
      batch.forEach(p -> p.done().completeExceptionally(e));
      throw e;
    } finally {
      writes.unlock();
    }
    accepted.forEach(p -> p.done().complete(null));
  }

  private static String certifiedKey(Connection c, byte[] spkiHash) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT serial FROM certified_key WHERE spki_hash = ?")) {
      ps.setBytes(1, spkiHash);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static boolean exists(Connection c, String serial) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM certificate WHERE serial = ?")) {
      ps.setString(1, serial);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
