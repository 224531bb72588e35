package io.custos.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import io.custos.failure.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import org.sqlite.SQLiteConfig;

/** Checks on the SQLite file before any connection is opened, and the pool settings. */
final class SqliteFiles {
  private static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  static final int BUSY_TIMEOUT_MS = 10_000;

  private SqliteFiles() {}

  /** Creates the directory if needed and refuses a file that is not a SQLite database. */
  static void prepare(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
    } catch (FileSystemException e) {
      throw new StorageException("data directory " + dir + " cannot be created: " + reason(e));
    } catch (IOException e) {
      throw new StorageException("data directory " + dir + " cannot be created: " + e.getMessage());
    }
    if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
      throw new StorageException("data directory " + dir + " is not writable");
    }
    if (Files.isDirectory(file)) {
      throw new StorageException(file + " is a directory, not a SQLite database");
    }
    if (Files.exists(file) && checkHeader(file)) {
      checkIsCustosStore(file);
    }
  }

  /**
   * Looks, read-only, at an existing database: one with tables but no Custos schema history
   * belongs to another program. Opening it for writing would already change its header
   * (WAL mode), so this happens before the pool exists.
   */
  private static void checkIsCustosStore(Path file) {
    SQLiteConfig readOnly = new SQLiteConfig();
    readOnly.setReadOnly(true);
    try (Connection c = readOnly.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      boolean anyTable = false;
      while (rs.next()) {
        if (Migrations.HISTORY_TABLE.equals(rs.getString(1))) {
          return;
        }
        anyTable = true;
      }
      if (anyTable) {
        throw new StorageException(file + " is a database of another program (tables but no Custos "
            + "schema history), not a Custos store; refusing to change it");
      }
    } catch (SQLException e) {
      throw new StorageException(file + " cannot be opened as a SQLite database: " + JdbcStorage.rootMessage(e), e);
    }
  }

  /** True if the file holds data to look at, false if it is empty. */
  private static boolean checkHeader(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(MAGIC.length);
      if (head.length == 0) {
        return false; // an empty file is an empty database
      }
      if (!Arrays.equals(head, MAGIC)) {
        throw new StorageException(file + " is not a SQLite database; refusing to use or overwrite it");
      }
      return true;
    } catch (AccessDeniedException e) {
      throw new StorageException(file + " cannot be read: permission denied");
    } catch (IOException e) {
      throw new StorageException(file + " cannot be read: " + e.getMessage());
    }
  }

  static HikariConfig poolConfig(Path file) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("custos-sqlite");
    config.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath());
    // One connection is the group writer's for good and three the kept point readers'; the rest
    // serve other readers and writers.
    config.setMaximumPoolSize(9);
    config.setMinimumIdle(1);
    // Read by sqlite-jdbc as PRAGMAs on every new connection.
    config.addDataSourceProperty("journal_mode", "WAL");
    config.addDataSourceProperty("foreign_keys", "true");
    config.addDataSourceProperty("busy_timeout", String.valueOf(BUSY_TIMEOUT_MS));
    config.addDataSourceProperty("synchronous", "FULL");
    // A certificate touches a dozen index pages, two of them at random places (its key's hash):
    // with SQLite's default 2 MB page cache a large inventory's transaction spilled dirty pages to
    // the WAL before its commit and read them back. Pages are allocated only as they are used.
    config.addDataSourceProperty("cache_size", "-32768");
    // Savepoints' statement journals in memory rather than temporary files opened and unlinked.
    config.addDataSourceProperty("temp_store", "MEMORY");
    // Write transactions take the write lock at BEGIN, so they queue on busy_timeout
    // instead of failing when two of them try to upgrade a read lock.
    config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
    return config;
  }

  private static String reason(FileSystemException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    String r = e.getReason();
    return r != null ? r : e.getClass().getSimpleName() + " " + e.getFile();
  }
}
