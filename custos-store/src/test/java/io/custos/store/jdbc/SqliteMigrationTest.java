package io.custos.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.StorageException;
import io.custos.store.StorageUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteMigrationTest {
  private static final String VERSION = "test";
  private static final int LATEST = 8;
  @TempDir Path dir;

  private JdbcStorage open(Path file) {
    return JdbcStorage.open(new StorageUrl.Sqlite(file), VERSION, InstantSource.system());
  }

  @Test
  @DisplayName("an empty directory gets a migrated database in WAL mode with foreign keys on")
  void migratesEmptyDatabase() throws Exception {
    Path file = dir.resolve("sub/custos.db");
    try (JdbcStorage s = open(file)) {
      assertThat(s.schemaVersion()).isEqualTo(LATEST);
      assertThat(s.kind()).isEqualTo("sqlite");
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      assertThat(scalar(st, "PRAGMA journal_mode")).isEqualTo("wal");
      assertThat(scalar(st, "SELECT max(CAST(version AS INTEGER)) FROM custos_schema_history WHERE success = 1"))
          .isEqualTo(String.valueOf(LATEST));
      assertThat(scalar(st, "SELECT count(*) FROM custos_schema_history WHERE success = 0")).isEqualTo("0");
    }
  }

  @Test
  @DisplayName("connections run with foreign keys enforced and a busy timeout")
  void connectionPragmas() throws Exception {
    try (JdbcStorage s = open(dir.resolve("custos.db"))) {
      var ds = new com.zaxxer.hikari.HikariDataSource(SqliteFiles.poolConfig(dir.resolve("custos.db")));
      try (ds; Connection c = ds.getConnection(); Statement st = c.createStatement()) {
        assertThat(scalar(st, "PRAGMA foreign_keys")).isEqualTo("1");
        assertThat(scalar(st, "PRAGMA busy_timeout")).isEqualTo(String.valueOf(SqliteFiles.BUSY_TIMEOUT_MS));
        assertThat(scalar(st, "PRAGMA synchronous")).isEqualTo("2");
      }
    }
  }

  @Test
  @DisplayName("an existing database is opened without re-running migrations or losing data")
  void reopensExistingDatabase() {
    Path file = dir.resolve("custos.db");
    try (JdbcStorage s = open(file)) {
      s.records().put("t", "kept", new byte[] {42}, 0);
    }
    try (JdbcStorage s = open(file)) {
      assertThat(s.schemaVersion()).isEqualTo(LATEST);
      assertThat(s.records().get("t", "kept").orElseThrow().payload()).containsExactly(42);
    }
  }

  @Test
  @DisplayName("a file that is not SQLite is refused and left exactly as it was")
  void refusesNonSqliteFile() throws Exception {
    Path file = dir.resolve("custos.db");
    Files.writeString(file, "this is my thesis, do not overwrite\n".repeat(100));
    String before = sha256(file);
    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("is not a SQLite database");
    assertThat(sha256(file)).isEqualTo(before);
  }

  @Test
  @DisplayName("a SQLite database of another program is refused and left unchanged")
  void refusesForeignDatabase() throws Exception {
    Path file = dir.resolve("custos.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
    }
    String before = sha256(file);
    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("not a Custos store");
    assertThat(sha256(file)).isEqualTo(before);
  }

  @Test
  @DisplayName("a database from a newer Custos is refused with both versions named")
  void refusesNewerSchema() throws Exception {
    Path file = dir.resolve("custos.db");
    open(file).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      st.execute("INSERT INTO custos_schema_history (installed_rank, version, description, type, script, checksum, "
          + "installed_by, installed_on, execution_time, success) VALUES (99, '99', 'from the future', 'SQL', "
          + "'V99__future.sql', 1, 'custos', CURRENT_TIMESTAMP, 1, 1)");
    }
    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("schema version 99")
        .hasMessageContaining("newer than this Custos supports (" + LATEST + ")");
  }

  @Test
  @DisplayName("a data directory that cannot be created is a clear error")
  void unwritableDataDirectory() throws Exception {
    Path blocker = dir.resolve("a-file");
    Files.writeString(blocker, "x");
    assertThatThrownBy(() -> open(blocker.resolve("data/custos.db")))
        .isInstanceOf(StorageException.class)
        .hasMessageStartingWith("data directory " + blocker.resolve("data"))
        .hasMessageContaining("cannot be created");
  }

  @Test
  @DisplayName("SS-002 11.7.1 — the database itself refuses to change or delete audit events and checkpoints")
  void auditTablesAreAppendOnly() throws Exception {
    Path file = dir.resolve("custos.db");
    try (JdbcStorage s = open(file)) {
      s.audit().append(java.util.List.of(new io.custos.store.AuditRecords.EventRow(1,
          java.time.Instant.now(), new byte[] {1}, new byte[32])));
      s.audit().addCheckpoint(new io.custos.store.AuditRecords.CheckpointRow(1, java.time.Instant.now(), "note"));
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      for (String sql : new String[] {
          "UPDATE audit_event SET event = X'02' WHERE seq = 1",
          "DELETE FROM audit_event WHERE seq = 1",
          "UPDATE audit_checkpoint SET note = 'forged'",
          "DELETE FROM audit_checkpoint"}) {
        assertThatThrownBy(() -> st.execute(sql)).as(sql).hasMessageContaining("append-only (SS-002 11.7.1)");
      }
      assertThat(scalar(st, "SELECT hex(event) FROM audit_event WHERE seq = 1")).isEqualTo("01");
      assertThat(scalar(st, "SELECT note FROM audit_checkpoint")).isEqualTo("note");
    }
  }

  @Test
  @DisplayName("SS-002 11.6.4 — an inventory written under schema 5 upgrades with every row: revoked and held "
      + "certificates list for CRLs with their change times, and new 20-octet serials fit beside the old ones")
  void upgradesInventoryFromSchema5() throws Exception {
    Path file = dir.resolve("custos.db");
    // The store as a schema-5 release left it, with certificates good, revoked and on hold.
    org.flywaydb.core.Flyway.configure().dataSource("jdbc:sqlite:" + file, "", "")
        .locations(Migrations.LOCATION, Migrations.LOCATION + "-sqlite").table(Migrations.HISTORY_TABLE)
        .placeholders(java.util.Map.of("blob", "BLOB")).target("5").load().migrate();
    long revokedAt = java.time.Instant.parse("2026-06-01T10:00:00Z").toEpochMilli();
    long heldAt = java.time.Instant.parse("2026-06-02T10:00:00Z").toEpochMilli();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      assertThat(scalar(st, "SELECT MAX(CAST(version AS INTEGER)) FROM custos_schema_history")).isEqualTo("5");
      String columns = "INSERT INTO certificate (serial, ca, owner, owner_name, owner_contact, profile, subject, sans, "
          + "spki_hash, not_before_ms, not_after_ms, issued_at_ms, status, revoked_at_ms, revocation_reason, der) VALUES ";
      st.execute(columns + "('a1', 'issuing', 'web', 'Web', 'web@example.com', 'tls-server', 'CN=a', 'dns:a.example.com', "
          + "X'0A', 1767225600000, 1774915200000, 1767225600000, 'good', NULL, NULL, X'30')");
      st.execute(columns + "('b2', 'issuing', 'web', 'Web', 'web@example.com', 'tls-server', 'CN=b', 'dns:b.example.com', "
          + "X'0B', 1767225600000, 1774915200000, 1767225600000, 'revoked', " + revokedAt + ", 'keyCompromise', X'30')");
      st.execute(columns + "('c3', 'issuing', 'web', 'Web', 'web@example.com', 'tls-server', 'CN=c', 'dns:c.example.com', "
          + "X'0C', 1767225600000, 1774915200000, 1767225600000, 'hold', " + heldAt + ", 'certificateHold', X'30')");
      st.execute("INSERT INTO certified_key (spki_hash, serial) VALUES (X'0A', 'a1'), (X'0B', 'b2'), (X'0C', 'c3')");
    }

    try (JdbcStorage s = open(file)) {
      assertThat(s.schemaVersion()).isEqualTo(LATEST);
      assertThat(s.certificates().count()).isEqualTo(3);
      java.util.List<io.custos.store.CertificateRecords.StatusEntry> listed = new java.util.ArrayList<>();
      s.certificates().forEachRevoked("issuing", listed::add);
      assertThat(listed).extracting(e -> e.serial() + " " + e.status() + " " + e.reason().orElseThrow() + " "
          + e.changedAt().toEpochMilli()).containsExactlyInAnyOrder(
              "b2 revoked keyCompromise " + revokedAt, "c3 hold certificateHold " + heldAt);
      assertThat(s.certificates().changedSince("issuing", java.time.Instant.ofEpochMilli(heldAt)))
          .extracting(io.custos.store.CertificateRecords.StatusEntry::serial).containsExactly("c3");
      assertThat(s.certificates().certificatesOfKey(new byte[] {0x0b}))
          .extracting(io.custos.store.CertificateRecords.CertificateRow::serial).containsExactly("b2");
      assertThat(s.certificates().certifiedKey(new byte[] {0x0a})).contains("a1");

      // A serial as issued now: 20 octets, the second of issue first.
      String serial = "4" + "0".repeat(6) + "1" + "ab".repeat(16);
      java.time.Instant t = java.time.Instant.parse("2026-11-29T00:00:00Z");
      s.certificates().add(new io.custos.store.CertificateRecords.CertificateRow(serial, "issuing", "web", "Web",
          "web@example.com", "tls-server", "CN=d", java.util.List.of("dns:d.example.com"), new byte[] {0x0d}, t,
          t.plusSeconds(86_400), t, "good", java.util.Optional.empty(), java.util.Optional.empty(), new byte[] {0x30}));
      assertThat(s.certificates().get(serial)).isPresent();
      assertThat(s.certificates().count()).isEqualTo(4);
    }
  }

  @Test
  @DisplayName("SS-002 11.6.1 — every certificate of a public key is found by its SPKI hash, through an index, "
      + "including certificates imported around the one-certificate-per-key rule")
  void certificatesOfKey() throws Exception {
    Path file = dir.resolve("custos.db");
    byte[] spki = new byte[32];
    spki[0] = 7;
    java.time.Instant t = java.time.Instant.parse("2026-01-01T00:00:00Z");
    try (JdbcStorage s = open(file)) {
      s.certificates().add(new io.custos.store.CertificateRecords.CertificateRow("a1", "issuing-a", "web", "Web",
          "web@example.com", "tls-server", "CN=x", java.util.List.of("dns:x.example.com"), spki, t, t.plusSeconds(86400),
          t, "good", java.util.Optional.empty(), java.util.Optional.empty(), new byte[] {1}));
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      // A row written straight into the table, as an import from an older inventory would have.
      st.execute("INSERT INTO certificate (serial, ca, owner, owner_name, owner_contact, profile, subject, sans, "
          + "spki_hash, not_before_ms, not_after_ms, issued_at_ms, status, der) SELECT 'b2', 'issuing-b', owner, "
          + "owner_name, owner_contact, profile, subject, sans, spki_hash, not_before_ms, not_after_ms, issued_at_ms, "
          + "status, der FROM certificate WHERE serial = 'a1'");
      try (ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN SELECT serial FROM certificate WHERE spki_hash = X'"
          + HexFormat.of().formatHex(spki) + "'")) {
        StringBuilder plan = new StringBuilder();
        while (rs.next()) {
          plan.append(rs.getString(4));
        }
        assertThat(plan.toString()).contains("certificate_spki_hash");
      }
    }
    try (JdbcStorage s = open(file)) {
      assertThat(s.certificates().certificatesOfKey(spki)).extracting(r -> r.serial() + "@" + r.ca())
          .containsExactly("a1@issuing-a", "b2@issuing-b");
      assertThat(s.certificates().certificatesOfKey(new byte[32])).isEmpty();
    }
  }

  private static String scalar(Statement st, String sql) throws Exception {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
