package io.custos.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.custos.failure.StorageException;
import io.custos.store.AuditRecords;
import io.custos.store.InstanceRecord;
import io.custos.store.RecordStore;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.UUID;

/** {@link Storage} over JDBC: a connection pool, the migrated schema and the record tables. */
public final class JdbcStorage implements Storage {
  private final String kind;
  private final HikariDataSource dataSource;
  private final int schemaVersion;
  private final InstanceRecord instance;
  private final JdbcRecordStore records;
  private final JdbcAuditRecords audit;
  private final JdbcCertificateRecords certificates;
  private final GroupWriter writer;
  private final KeptReads reads;
  /** Connections kept for point reads (see {@link KeptReads}); the pool holds them besides the writer's. */
  static final int KEPT_READERS = 3;

  private JdbcStorage(String kind, HikariDataSource dataSource, int schemaVersion,
      InstanceRecord instance, InstantSource clock) {
    this.kind = kind;
    this.dataSource = dataSource;
    this.schemaVersion = schemaVersion;
    this.instance = instance;
    // One write transaction at a time within this node: SQLite allows one writer per database,
    // and a writer that finds the lock taken backs off in sleeps (1, 2, 5, 10 ms, …) rather than
    // waking when it is free; the audit log's and the inventory's group commits would otherwise
    // wait out each other's sleeps. Readers never take it (WAL). Other processes still meet
    // the busy timeout.
    java.util.concurrent.locks.Lock writes = new java.util.concurrent.locks.ReentrantLock();
    // Inventory rows and audit events, the writes of every issuance, commit together.
    this.writer = new GroupWriter(dataSource, dataSource::evictConnection, writes);
    this.reads = new KeptReads(dataSource, dataSource::evictConnection, KEPT_READERS);
    this.records = new JdbcRecordStore(dataSource, clock, writes, reads);
    this.audit = new JdbcAuditRecords(dataSource, writer, writes);
    this.certificates = new JdbcCertificateRecords(dataSource, writer, writes, reads);
  }

  /**
   * Opens the store at {@code url}, creating and migrating it if needed. Refuses, without
   * writing anything, a file that is not a SQLite database, a database that is not a Custos
   * store, and a schema newer than this release knows.
   *
   * @param version the Custos release opening it, recorded if the store is new
   */
  public static JdbcStorage open(StorageUrl url, String version, InstantSource clock) {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(clock, "clock");
    return switch (url) {
      case StorageUrl.Sqlite sqlite -> {
        SqliteFiles.prepare(sqlite.file());
        yield openPool("sqlite", SqliteFiles.poolConfig(sqlite.file()), url, version, clock);
      }
      case StorageUrl.Postgresql pg -> throw new StorageException(
          "storage 'postgresql' is not available in this release; use sqlite:<path>");
    };
  }

  private static JdbcStorage openPool(String kind, HikariConfig config, StorageUrl url,
      String version, InstantSource clock) {
    HikariDataSource ds;
    try {
      ds = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new StorageException("cannot open storage " + url + ": " + rootMessage(e), e);
    }
    try {
      int schema = Migrations.migrate(ds, kind, url);
      InstanceRecord instance = ensureInstance(ds, version, clock);
      return new JdbcStorage(kind, ds, schema, instance, clock);
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
  }

  private static InstanceRecord ensureInstance(HikariDataSource ds, String version,
      InstantSource clock) {
    try (Connection c = ds.getConnection()) {
      InstanceRecord existing = readInstance(c);
      if (existing != null) {
        return existing;
      }
      InstanceRecord created = new InstanceRecord(UUID.randomUUID(),
          Instant.ofEpochMilli(clock.millis()), version);
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO custos_instance (singleton, instance_id, created_at_ms, created_by_version) VALUES (1, ?, ?, ?)")) {
        ps.setString(1, created.id().toString());
        ps.setLong(2, created.createdAt().toEpochMilli());
        ps.setString(3, created.createdByVersion());
        ps.executeUpdate();
        return created;
      } catch (SQLException raced) {
        // Another node created it first; theirs stands.
        InstanceRecord theirs = readInstance(c);
        if (theirs != null) {
          return theirs;
        }
        throw raced;
      }
    } catch (SQLException e) {
      throw new StorageException("cannot read the instance record: " + e.getMessage(), e);
    }
  }

  private static InstanceRecord readInstance(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
            "SELECT instance_id, created_at_ms, created_by_version FROM custos_instance WHERE singleton = 1");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return null;
      }
      return new InstanceRecord(UUID.fromString(rs.getString(1)),
          Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3));
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  @Override
  public String kind() {
    return kind;
  }

  @Override
  public int schemaVersion() {
    return schemaVersion;
  }

  @Override
  public InstanceRecord instance() {
    return instance;
  }

  /** The connection pool, for tests of its settings. */
  javax.sql.DataSource dataSource() {
    return dataSource;
  }

  @Override
  public RecordStore records() {
    return records;
  }

  @Override
  public io.custos.store.CertificateRecords certificates() {
    return certificates;
  }

  @Override
  public AuditRecords audit() {
    return audit;
  }

  @Override
  public void ping() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT 1");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
    } catch (SQLException | RuntimeException e) {
      throw new StorageException("storage does not answer: " + rootMessage(e), e);
    }
  }

  @Override
  public void close() {
    writer.close();
    reads.close();
    dataSource.close();
  }
}
