package io.custos.app;

import io.custos.server.ApiServer;
import io.custos.server.ServerSettings;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.system.SystemHealth;
import io.custos.system.SystemState;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import io.custos.app.config.CustosConfig;

/** The one place that wires a running Custos node: store, core services, HTTP API. */
final class Node implements AutoCloseable {
  private final Storage storage;
  private final ApiServer server;

  private Node(Storage storage, ApiServer server) {
    this.storage = storage;
    this.server = server;
  }

  static Node start(CustosConfig config, StorageUrl storageUrl, boolean dev) {
    InstantSource clock = InstantSource.system();
    Storage storage = JdbcStorage.open(storageUrl, VersionInfo.CURRENT.version(), clock);
    try {
      // No root of trust exists until `operator init`; the seal replaces this supplier.
      SystemHealth health = new SystemHealth(VersionInfo.CURRENT, storage, () -> SystemState.UNINITIALISED, clock, dev);
      Optional<ServerSettings.Tls> tls = config.tlsCert().map(c -> new ServerSettings.Tls(c, config.tlsKey().orElseThrow()));
      ServerSettings settings = new ServerSettings(config.listen().host(), config.listen().port(), tls, dev,
          config.maxRequestBytes(), config.idleTimeout(), ServerSettings.DEFAULT_STOP_TIMEOUT);
      ApiServer server = ApiServer.start(settings, VersionInfo.CURRENT.version(), health, List.of());
      return new Node(storage, server);
    } catch (RuntimeException e) {
      storage.close();
      throw e;
    }
  }

  String address() {
    return server.address().toString();
  }

  String storageKind() {
    return storage.kind();
  }

  /** Stops the API (letting in-flight requests finish), then closes the store. */
  @Override
  public void close() {
    try {
      server.stop();
    } finally {
      storage.close();
    }
  }

  static Path devDatabase(Path dataDir) {
    return ((StorageUrl.Sqlite) StorageUrl.inDataDir(dataDir)).file();
  }
}
