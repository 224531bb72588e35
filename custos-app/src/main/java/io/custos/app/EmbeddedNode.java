package io.custos.app;

import io.custos.app.config.ConfigLoader;
import io.custos.app.config.CustosConfig;
import io.custos.store.StorageUrl;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A development node started inside this JVM: the same wiring as {@code custos server --dev}
 * (SQLite store in {@code dataDir}, audit log, barrier, key service, HTTP API without TLS),
 * initialised and unsealed with one share. For measurements and embedding tests, never for
 * production.
 */
public final class EmbeddedNode implements AutoCloseable {
  private final Node node;

  private EmbeddedNode(Node node) {
    this.node = node;
  }

  /** Starts a dev node on {@code listen} (e.g. {@code 127.0.0.1:0}) over a store in {@code dataDir}. */
  public static EmbeddedNode startDev(Path dataDir, String listen, String rootToken) {
    return startDev(dataDir, listen, rootToken, Map.of());
  }

  /**
   * {@link #startDev(Path, String, String)} with configuration keys set as options would set them,
   * e.g. {@code limits.per_address: off} for a load test from one address.
   */
  public static EmbeddedNode startDev(Path dataDir, String listen, String rootToken, Map<String, String> settings) {
    ConfigLoader loader = new ConfigLoader().flag("listen", "--listen", listen)
        .flag("data_dir", "--data-dir", dataDir.toString());
    settings.forEach((k, v) -> loader.flag(k, k, v));
    CustosConfig config = loader.load();
    return new EmbeddedNode(Node.start(config, StorageUrl.inDataDir(dataDir), true, Optional.of(rootToken)));
  }

  /** The base URI the API listens on, e.g. {@code http://127.0.0.1:41234}. */
  public String address() {
    return node.address();
  }

  /** The events in the audit log so far. */
  public long auditSize() {
    return node.auditSize();
  }

  @Override
  public void close() {
    node.close();
  }
}
