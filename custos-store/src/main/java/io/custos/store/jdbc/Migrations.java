package io.custos.store.jdbc;

import io.custos.failure.StorageException;
import io.custos.store.StorageUrl;
import java.util.Arrays;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;

/** Versioned schema migrations (Flyway), refusing databases from a newer Custos. */
final class Migrations {
  /** Portable migrations; vendor-specific ones (triggers) live in LOCATION-<kind>. */
  static final String LOCATION = "classpath:io/custos/store/migration";
  static final String HISTORY_TABLE = "custos_schema_history";

  private Migrations() {}

  /** Brings the schema up to date and returns its version. */
  static int migrate(DataSource ds, String kind, StorageUrl url) {
    Flyway flyway = Flyway.configure()
        .dataSource(ds)
        .locations(LOCATION, LOCATION + "-" + kind)
        .table(HISTORY_TABLE)
        .placeholders(Map.of("blob", "postgresql".equals(kind) ? "BYTEA" : "BLOB"))
        .cleanDisabled(true)
        .validateMigrationNaming(true)
        .load();
    try {
      MigrationInfo[] applied = flyway.info().applied();
      MigrationInfo[] future = Arrays.stream(applied)
          .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED)
          .toArray(MigrationInfo[]::new);
      if (future.length > 0) {
        MigrationInfo newest = future[future.length - 1];
        throw new StorageException("storage " + url + " has schema version " + newest.getVersion()
            + ", newer than this Custos supports (" + latestKnown(flyway) + "); upgrade Custos to open it");
      }
      flyway.migrate();
      MigrationInfo current = flyway.info().current();
      return current == null ? 0 : Integer.parseInt(current.getVersion().getVersion());
    } catch (FlywayException e) {
      String msg = e.getMessage() == null ? "" : e.getMessage();
      if (msg.contains("non-empty schema") || msg.contains("without schema history")) {
        throw new StorageException("storage " + url
            + " holds a database that is not a Custos store (tables but no Custos schema history); refusing to change it", e);
      }
      throw new StorageException("storage " + url + " cannot be migrated: " + firstLine(msg), e);
    }
  }

  /** Newest version among the migrations this release ships. */
  private static String latestKnown(Flyway flyway) {
    return Arrays.stream(flyway.info().all())
        .filter(m -> m.getState() != MigrationState.FUTURE_SUCCESS && m.getState() != MigrationState.FUTURE_FAILED)
        .map(MigrationInfo::getVersion)
        .filter(v -> v != null)
        .max(MigrationVersion::compareTo)
        .map(MigrationVersion::getVersion)
        .orElse("none");
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }
}
