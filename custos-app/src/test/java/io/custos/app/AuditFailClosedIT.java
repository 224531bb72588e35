package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.Ed25519CheckpointSigner;
import io.custos.audit.AuditLog;
import io.custos.failure.StorageException;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fail closed against a real SQLite store that stops accepting writes mid-run. */
class AuditFailClosedIT {
  @TempDir Path dir;

  private static AuditDraft draft() {
    return AuditDraft.ok("req", new AuditEvent.Principal("alice", "token"), "kms.encrypt", "kms/keys/payments",
        "127.0.0.1", Map.of());
  }

  @Test
  @DisplayName("SS-002 11.7.1 — fail closed: no audit record, no operation; the log resumes without a gap")
  void noAuditRecordNoOperation() throws Exception {
    Ed25519CheckpointSigner signer = new Ed25519CheckpointSigner("custos-audit-test",
        KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
    try (JdbcStorage storage = JdbcStorage.open(StorageUrl.inDataDir(dir), "test", InstantSource.system());
        AuditLog log = AuditLog.open(storage.audit(), signer, "custos-audit-test", InstantSource.system(),
            new AuditLog.Settings(1000, Duration.ofHours(1), 256))) {
      assertThat(log.record(draft())).isEqualTo(1);

      // Another process takes the database's write lock and keeps it past the busy timeout.
      try (Connection intruder = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("custos.db"));
          Statement st = intruder.createStatement()) {
        st.execute("BEGIN EXCLUSIVE");
        assertThatThrownBy(() -> log.record(draft()))
            .isInstanceOf(StorageException.class)
            .hasMessageContaining("operation refused (fail closed)");
        assertThat(log.size()).isEqualTo(1);
        st.execute("ROLLBACK");
      }

      assertThat(log.record(draft())).isEqualTo(2);
      assertThat(storage.audit().lastSeq()).isEqualTo(2);
    }
  }
}
