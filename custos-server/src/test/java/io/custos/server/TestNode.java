package io.custos.server;

import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.system.ProductVersion;
import io.custos.system.SystemHealth;
import io.custos.system.SystemState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;

/** A real server on an ephemeral loopback port over a real SQLite store, for tests. */
final class TestNode implements AutoCloseable {
  static final ProductVersion VERSION = new ProductVersion("9.9.9-test", "abc1234");
  final Storage storage;
  final ApiServer server;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  SystemState state = SystemState.UNINITIALISED;

  TestNode(Path dir, ServerSettings settings, List<RouteModule> modules) {
    this(dir, settings, modules, io.custos.access.Authenticator.none());
  }

  /** A node whose requests' credentials are checked by {@code authenticator}. */
  TestNode(Path dir, ServerSettings settings, List<RouteModule> modules, io.custos.access.Authenticator authenticator) {
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), VERSION.version(), InstantSource.system());
    SystemHealth health = new SystemHealth(VERSION, storage, () -> state, InstantSource.system(), settings.dev());
    server = ApiServer.start(settings, VERSION.version(), health, modules, new Metrics(), authenticator);
  }

  static ServerSettings dev() {
    return ServerSettings.of("127.0.0.1", 0, java.util.Optional.empty(), true);
  }

  URI uri(String path) {
    return server.address().resolve(path);
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    server.close();
    storage.close();
    http.close();
  }
}
