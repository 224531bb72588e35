package io.custos.store.jdbc;

import io.custos.store.Storage;
import io.custos.store.AuditRecordsContract;
import io.custos.store.StorageUrl;
import java.nio.file.Path;
import java.time.InstantSource;

class SqliteStorageTest extends AuditRecordsContract {
  @Override
  protected Storage open(Path dir) {
    return JdbcStorage.open(StorageUrl.inDataDir(dir), "test",
        InstantSource.system());
  }
}
