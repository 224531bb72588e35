package io.custos.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.store.CertificateRecords;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Point reads on kept connections and statements, on a real SQLite file. */
class KeptReadsTest extends SqliteStoreTest {

  @Test
  @DisplayName("SS-002 11.5.2 — a kept reader sees every commit at once, and holds no read transaction that would stop a WAL checkpoint")
  void keptReadersSeeTheLatestCommit() throws Exception {
    for (int i = 1; i <= 20; i++) {
      CertificateRecords.CertificateRow row = row(i, i);
      assertThat(storage.certificates().get(row.serial())).isEmpty();
      assertThat(storage.certificates().certifiedKey(row.spkiHash())).isEmpty();
      storage.certificates().add(row);
      assertThat(storage.certificates().get(row.serial())).map(CertificateRecords.CertificateRow::subject)
          .contains("CN=host-" + i);
      assertThat(storage.certificates().certifiedKey(row.spkiHash())).contains(row.serial());
    }
    try (Connection c = storage.dataSource().getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).as("checkpoint blocked by a reader").isZero();
    }
  }

  @Test
  @DisplayName("more readers at once than are kept read on pooled connections; every answer is right")
  void concurrentReads() throws Exception {
    for (int i = 1; i <= 50; i++) {
      storage.certificates().add(row(i, i));
    }
    List<Future<Boolean>> done = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int t = 0; t < 16; t++) {
        done.add(pool.submit(() -> {
          for (int i = 1; i <= 50; i++) {
            String subject = "CN=host-" + i;
            if (!storage.certificates().get(row(i, i).serial()).map(r -> r.subject().equals(subject)).orElse(false)) {
              return false;
            }
            if (!storage.certificates().certifiedKey(row(i, i).spkiHash()).equals(Optional.of(row(i, i).serial()))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> f : done) {
        assertThat(f.get()).isTrue();
      }
    }
  }

  @Test
  @DisplayName("a read that fails discards its reader; the next read works")
  void failedReadDiscardsItsReader() throws Exception {
    KeptReads reads = new KeptReads(storage.dataSource(), Connection::close, 1);
    assertThatThrownBy(() -> reads.read("SELECT no_such_column FROM certificate", ps -> ps.executeQuery().next()))
        .isInstanceOf(SQLException.class);
    long count = reads.read("SELECT COUNT(*) FROM certificate", ps -> {
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
    assertThat(count).isZero();
    reads.close();
    assertThatThrownBy(() -> reads.read("SELECT 1", ps -> true)).isInstanceOf(io.custos.failure.UnavailableException.class);
  }
}
