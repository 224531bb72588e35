package io.custos.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.ConflictException;
import io.custos.failure.StorageException;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteConfig;

/** The certificate inventory's group commit, on a real SQLite file. */
class InventoryCommitterTest extends SqliteStoreTest {

  private JdbcCertificateRecords certs() {
    return (JdbcCertificateRecords) storage.certificates();
  }

  @Test
  @DisplayName("SS-002 11.5.2 — concurrent issuances share transactions, every row is stored, and all survive a reopen")
  void concurrentAddsAreGroupedAndDurable() throws Exception {
    int threads = 8;
    int each = 40;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (int t = 0; t < threads; t++) {
        int base = t * each;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            certs().add(row(base + i + 1, base + i + 1));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    }
    int total = threads * each;
    assertThat(certs().count()).isEqualTo(total);
    assertThat(certs().committer().transactions()).isBetween(1L, (long) total);
    reopen();
    assertThat(storage.certificates().count()).isEqualTo(total);
    for (int n = 1; n <= total; n++) {
      assertThat(storage.certificates().certifiedKey(hash(n))).contains(serial(n));
      assertThat(storage.certificates().get(serial(n))).isPresent();
    }
  }

  @Test
  @DisplayName("SS-002 11.1.10 — within one batch, a key or serial already taken earlier in the batch fails only its own caller")
  void duplicatesInsideOneBatchFailAlone() {
    certs().add(row(1, 1));
    List<GroupWriter.Pending<Void>> batch = List.of(
        certs().committer().pending(row(2, 2)),
        certs().committer().pending(row(3, 2)),   // the key of the row before it
        certs().committer().pending(row(2, 4)),   // the serial of the first row in the batch
        certs().committer().pending(row(5, 1)),   // a key certified in an earlier transaction
        certs().committer().pending(row(6, 6)));
    certs().committer().commit(batch);

    assertThat(batch.get(0).done).isCompleted();
    assertThat(failure(batch.get(1))).isInstanceOf(ConflictException.class)
        .hasMessage("SS-002 11.1.10: this public key was already certified (serial " + serial(2)
            + "); generate a new key pair for a new certificate");
    assertThat(failure(batch.get(2))).isInstanceOf(ConflictException.class)
        .hasMessage("serial " + serial(2) + " already exists");
    assertThat(failure(batch.get(3))).isInstanceOf(ConflictException.class)
        .hasMessage("SS-002 11.1.10: this public key was already certified (serial " + serial(1)
            + "); generate a new key pair for a new certificate");
    assertThat(batch.get(4).done).isCompleted();
    // Order kept: the first claimant of key 2 and serial 2 won; the refused rows left nothing behind.
    assertThat(certs().count()).isEqualTo(3);
    assertThat(certs().certifiedKey(hash(2))).contains(serial(2));
    assertThat(certs().certifiedKey(hash(4))).isEmpty();
    assertThat(certs().get(serial(3))).isEmpty();
    assertThat(certs().get(serial(5))).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.5.2 — a row the database refuses fails alone; the rest of its transaction is stored")
  void aRefusedRowFailsAlone() throws Exception {
    // A real refusal inside SQLite: the database aborts one row mid-transaction.
    execute("CREATE TRIGGER refuse_one BEFORE INSERT ON certificate WHEN NEW.serial = '" + serial(13)
        + "' BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    certs().add(row(1, 1));
    List<GroupWriter.Pending<Void>> batch = List.of(
        certs().committer().pending(row(11, 11)),
        certs().committer().pending(row(12, 1)),   // a duplicate: keeps its own conflict
        certs().committer().pending(row(13, 13)),  // the row the database refuses
        certs().committer().pending(row(14, 14)));
    certs().committer().commit(batch);

    assertThat(batch.get(0).done).isCompleted();
    assertThat(failure(batch.get(1))).isInstanceOf(ConflictException.class);
    assertThat(failure(batch.get(2))).isInstanceOf(StorageException.class).hasMessageContaining("disk says no")
        .hasMessageContaining("nothing of it is stored");
    assertThat(batch.get(3).done).isCompleted();
    assertThat(certs().count()).isEqualTo(3);
    // Its key claim went with it: the key may be certified by a later, accepted request.
    assertThat(certs().certifiedKey(hash(13))).isEmpty();

    // Through add: the caller hears the refusal; the next caller is not affected.
    assertThatThrownBy(() -> certs().add(row(13, 13))).isInstanceOf(StorageException.class)
        .hasMessageContaining("disk says no");
    certs().add(row(15, 15));
    assertThat(certs().count()).isEqualTo(4);
  }

  @Test
  @DisplayName("SS-002 11.5.2 — a transaction that cannot commit fails every caller in it and stores none of their rows (fail closed)")
  void aFailedTransactionFailsTheWholeBatch() throws Exception {
    // A real failure at COMMIT: a deferred foreign key broken by one row is checked only then.
    execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    execute("CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)");
    execute("CREATE TRIGGER break_at_commit AFTER INSERT ON certificate WHEN NEW.serial = '" + serial(13)
        + "' BEGIN INSERT INTO child VALUES (42); END");
    certs().add(row(1, 1));
    List<GroupWriter.Pending<Void>> batch = List.of(
        certs().committer().pending(row(11, 11)),
        certs().committer().pending(row(12, 1)),   // a duplicate: keeps its own conflict
        certs().committer().pending(row(13, 13)),  // the row that makes the commit fail
        certs().committer().pending(row(14, 14)));
    certs().committer().commit(batch);

    assertThat(failure(batch.get(0))).isInstanceOf(StorageException.class).hasMessageContaining("FOREIGN KEY")
        .hasMessageContaining("nothing of them is stored");
    assertThat(failure(batch.get(1))).isInstanceOf(ConflictException.class);
    assertThat(failure(batch.get(2))).isInstanceOf(StorageException.class);
    assertThat(failure(batch.get(3))).isInstanceOf(StorageException.class);
    assertThat(certs().count()).isEqualTo(1);
    assertThat(certs().certifiedKey(hash(11))).isEmpty();
    assertThat(certs().certifiedKey(hash(14))).isEmpty();

    // The writer starts over: later callers are stored.
    certs().add(row(11, 11));
    assertThat(certs().count()).isEqualTo(2);
  }

  private void execute(String sql) throws Exception {
    SQLiteConfig config = new SQLiteConfig();
    try (Connection c = config.createConnection("jdbc:sqlite:" + dir.resolve("custos.db").toAbsolutePath());
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  @Test
  @DisplayName("SS-002 11.1.10 — two callers racing with the same key: exactly one certificate is stored")
  void racingDuplicatesOneWins() throws Exception {
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ConcurrentLinkedQueue<Throwable> refused = new ConcurrentLinkedQueue<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (int t = 0; t < threads; t++) {
        int n = 100 + t;
        pool.submit(() -> {
          try {
            start.await();
            certs().add(row(n, 99));
          } catch (Exception e) {
            refused.add(e);
          }
          return null;
        });
      }
      start.countDown();
    }
    assertThat(refused).hasSize(threads - 1).allMatch(e -> e instanceof ConflictException);
    assertThat(certs().count()).isEqualTo(1);
  }

  private static Throwable failure(GroupWriter.Pending<Void> p) {
    assertThat(p.done).isCompletedExceptionally();
    try {
      p.done.join();
      throw new AssertionError("completed normally");
    } catch (CompletionException e) {
      return e.getCause();
    }
  }
}
