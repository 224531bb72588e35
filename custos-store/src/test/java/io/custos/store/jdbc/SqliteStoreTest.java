package io.custos.store.jdbc;

import io.custos.store.CertificateRecords.CertificateRow;
import io.custos.store.StorageUrl;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A store on a real SQLite file in a fresh directory, open for each test, and inventory rows to put in it. */
abstract class SqliteStoreTest {
  static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
  @TempDir Path dir;
  JdbcStorage storage;

  @BeforeEach
  void open() {
    storage = open(dir);
  }

  @AfterEach
  void close() {
    storage.close();
  }

  static JdbcStorage open(Path dataDir) {
    return JdbcStorage.open(StorageUrl.inDataDir(dataDir), "test", InstantSource.system());
  }

  /** Closes the store and opens it again: what it then holds was durable. */
  void reopen() {
    storage.close();
    storage = open(dir);
  }

  static String serial(int n) {
    return Integer.toHexString(0x1000 + n);
  }

  /** A key's SPKI hash, one for every {@code n}. */
  static byte[] hash(int n) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(ByteBuffer.allocate(4).putInt(n).array());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A good tls-server row for {@code host-N.example.com} with serial {@link #serial} and key {@link #hash}. */
  static CertificateRow row(int serial, int key) {
    return new CertificateRow(serial(serial), "issuing", "svc", "Service", "svc@example.com", "tls-server",
        "CN=host-" + serial, List.of("dns:host-" + serial + ".example.com"), hash(key), NOW,
        NOW.plus(Duration.ofDays(90)), NOW, "good", Optional.empty(), Optional.empty(), new byte[] {0x30, 0x00});
  }
}
