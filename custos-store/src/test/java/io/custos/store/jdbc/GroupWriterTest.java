package io.custos.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.UnavailableException;
import io.custos.store.AuditRecords;
import io.custos.store.CertificateRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's store writer: inventory rows and audit events committed together, on a real SQLite file. */
class GroupWriterTest extends SqliteStoreTest {

  @Test
  @DisplayName("SS-002 11.5.2, 11.7.1 — concurrent inventory rows and audit events share transactions; all are durable after a reopen")
  void rowsAndEventsShareTransactions() throws Exception {
    int issuers = 6;
    int each = 30;
    int events = 120;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int t = 0; t < issuers; t++) {
        int base = t * each;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 1; i <= each; i++) {
            storage.certificates().add(row(base + i, base + i));
          }
          return null;
        }));
      }
      done.add(pool.submit(() -> {
        start.await();
        for (long seq = 1; seq <= events; seq += 2) {
          storage.audit().append(List.of(event(seq), event(seq + 1)));
        }
        return null;
      }));
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    }
    int rows = issuers * each;
    long transactions = ((JdbcCertificateRecords) storage.certificates()).committer().transactions();
    // Fewer transactions than writes: callers waiting at the same time shared one.
    assertThat(transactions).isBetween(1L, (long) rows + events / 2 - 1);

    reopen();
    assertThat(storage.certificates().count()).isEqualTo(rows);
    assertThat(storage.audit().lastSeq()).isEqualTo(events);
    assertThat(storage.audit().read(1, events)).extracting(AuditRecords.EventRow::seq)
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, events).boxed().toList());
  }

  @Test
  @DisplayName("SS-002 11.7.1 — a write offered after the store closed is refused at once, not left waiting")
  void writesAfterCloseAreRefused() {
    storage.certificates().add(row(1, 1));
    storage.close();
    assertThatThrownBy(() -> storage.certificates().add(row(2, 2))).isInstanceOf(UnavailableException.class)
        .hasMessageContaining("was not recorded");
    assertThatThrownBy(() -> storage.audit().append(List.of(event(1)))).isInstanceOf(UnavailableException.class);
    storage = open(dir);
    assertThat(storage.certificates().count()).isEqualTo(1);
  }

  @Test
  @DisplayName("SS-002 11.5.2, 11.7.1 — an inventory row joined to its audit event commits in the same transaction, durable after a reopen")
  void joinedRowCommitsWithItsEvent() {
    InventoryCommitter committer = ((JdbcCertificateRecords) storage.certificates()).committer();
    storage.audit().append(List.of(event(1)));
    long before = committer.transactions();
    storage.audit().append(List.of(event(2), event(3)), List.of(storage.certificates().joinedAdd(row(1, 1)),
        storage.certificates().joinedAdd(row(2, 2))));
    assertThat(committer.transactions()).isEqualTo(before + 1);
    reopen();
    assertThat(storage.certificates().get(row(1, 1).serial())).isPresent();
    assertThat(storage.certificates().get(row(2, 2).serial())).isPresent();
    assertThat(storage.audit().lastSeq()).isEqualTo(3);
  }

  @Test
  @DisplayName("SS-002 11.1.10, 11.7.1 — a joined row the inventory refuses (a key certified before) stores neither the row nor the events")
  void refusedJoinedRowStoresNothing() {
    storage.certificates().add(row(1, 1));
    CertificateRecords.CertificateRow sameKey = new CertificateRecords.CertificateRow("ab12", "issuing", "svc", "Service",
        "svc@example.com", "tls-server", "CN=again", List.of(), row(1, 1).spkiHash(), NOW, NOW.plus(Duration.ofDays(90)),
        NOW, "good", Optional.empty(), Optional.empty(), new byte[] {0x30, 0x00});
    assertThatThrownBy(() -> storage.audit().append(List.of(event(1)),
        List.of(storage.certificates().joinedAdd(row(2, 2)), storage.certificates().joinedAdd(sameKey))))
        .isInstanceOf(io.custos.failure.ConflictException.class).hasMessageContaining("already certified");
    assertThat(storage.audit().lastSeq()).isZero();
    assertThat(storage.certificates().get(row(2, 2).serial())).isEmpty();
    assertThat(storage.certificates().get("ab12")).isEmpty();
    // The writer goes on: the next batch commits.
    storage.audit().append(List.of(event(1)), List.of(storage.certificates().joinedAdd(row(2, 2))));
    assertThat(storage.certificates().count()).isEqualTo(2);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — a write of another store cannot join the audit log's transaction")
  void writeOfAnotherStoreCannotJoin(@TempDir Path other) {
    JdbcStorage second = open(other);
    try {
      assertThatThrownBy(() -> storage.audit().append(List.of(event(1)), List.of(second.certificates().joinedAdd(row(1, 1)))))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another store");
      assertThat(storage.audit().lastSeq()).isZero();
      assertThat(second.certificates().count()).isZero();
    } finally {
      second.close();
    }
  }

  @Test
  @DisplayName("SQLite connections keep a 32 MB page cache and savepoint journals in memory, so a large inventory's transaction does not spill to the WAL before its commit")
  void connectionsAreTunedForTheInventory() throws Exception {
    try (java.sql.Connection c = storage.dataSource().getConnection();
        java.sql.Statement st = c.createStatement()) {
      try (java.sql.ResultSet rs = st.executeQuery("PRAGMA cache_size")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(-32768);
      }
      try (java.sql.ResultSet rs = st.executeQuery("PRAGMA temp_store")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(2); // MEMORY
      }
    }
  }

  private static AuditRecords.EventRow event(long seq) {
    return new AuditRecords.EventRow(seq, NOW, ("{\"seq\":" + seq + "}").getBytes(), hash((int) seq));
  }
}
