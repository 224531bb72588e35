package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runnable jar as an operator meets it: real processes, real ports, real signals. */
class ServerProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration START = CustosProcess.START_TIMEOUT;
  @TempDir Path dir;

  private static String addressOf(CustosProcess p) throws Exception {
    String line = p.await(p.out, l -> l.trim().startsWith("Address:"), START);
    return line.substring(line.indexOf("http")).trim();
  }

  private static void assertOneLineError(CustosProcess p, int exit, String text) {
    assertThat(p.exit()).as(p.stderr()).isEqualTo(exit);
    assertThat(p.stderr()).contains(text);
    assertThat(p.stderr().lines().filter(l -> l.startsWith("custos: "))).hasSize(1);
    assertThat(p.stderr()).doesNotContain("\tat ").doesNotContain("Exception in thread");
  }

  @Test
  @DisplayName("the dev server answers health, `status` prints it, and SIGTERM stops it cleanly")
  void devServerLifecycle() throws Exception {
    Path centralLog = dir.resolve("central/audit.jsonl");
    try (CustosProcess server = CustosProcess.start(Map.of("CUSTOS_AUDIT_FILE", centralLog.toString()),
        "server", "--dev", "--listen", "127.0.0.1:0")) {
      String addr = addressOf(server);
      assertThat(addr).startsWith("http://127.0.0.1:");
      String dataLine = server.await(server.out, l -> l.trim().startsWith("Data dir:"), START);
      Path dataDir = Path.of(dataLine.trim().substring("Data dir:".length()).trim().split(" ")[0]);
      assertThat(dataDir.resolve("custos.db")).exists();

      try (HttpClient http = HttpClient.newHttpClient()) {
        HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create(addr + "/v1/sys/health")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(h.statusCode()).isEqualTo(200); // dev mode initialises and unseals itself
        assertThat(JSON.readTree(h.body()).get("dev_mode").asBoolean()).isTrue();
      }

      try (HttpClient http = HttpClient.newHttpClient()) {
        // Request metrics are counted just after the response is sent: poll briefly.
        HttpResponse<String> m;
        long until = System.currentTimeMillis() + 5_000;
        do {
          m = http.send(HttpRequest.newBuilder(URI.create(addr + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        } while (!m.body().contains("route=\"/v1/sys/health\",status=\"200\"} 1") && System.currentTimeMillis() < until);
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(m.body()).contains("# TYPE custos_operations_total counter",
            "custos_operations_total{action=\"server.start\",outcome=\"ok\"} 1",
            "custos_http_requests_total{method=\"GET\",route=\"/v1/sys/health\",status=\"200\"} 1",
            "custos_seal_state 2", "custos_audit_events ", "custos_central_log_backlog{sink=\"file\"}");
      }
      // SS-002 11.7.1: the audit log reaches central logging (here the JSON lines file sink).
      long deadline = System.currentTimeMillis() + 10_000;
      while (!(Files.exists(centralLog) && Files.readString(centralLog).contains("\"action\":\"server.start\""))
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertThat(Files.readString(centralLog)).contains("\"action\":\"server.start\"");

      CustosProcess json = CustosProcess.run(Map.of("CUSTOS_ADDR", addr), "status", "--output", "json");
      assertThat(json.exit()).as(json.stderr()).isZero();
      JsonNode doc = JSON.readTree(json.stdout());
      assertThat(doc.get("state").asText()).isEqualTo("unsealed");
      assertThat(doc.at("/storage/kind").asText()).isEqualTo("sqlite");

      CustosProcess table = CustosProcess.run(Map.of("CUSTOS_ADDR", addr), "status");
      assertThat(table.exit()).isZero();
      assertThat(table.stdout()).contains("Sealed", "State", "unsealed");

      assertThat(server.terminate()).as(server.stderr()).isZero();
      assertThat(server.stderr()).contains("stopped");
      assertThat(dataDir).doesNotExist();
    }
  }

  @Test
  @DisplayName("JSON log lines carry the request id of the request they describe")
  void jsonLogs() throws Exception {
    try (CustosProcess server = CustosProcess.start(Map.of("CUSTOS_LOG_FORMAT", "json"),
        "server", "--dev", "--listen", "127.0.0.1:0")) {
      String addr = addressOf(server);
      try (HttpClient http = HttpClient.newHttpClient()) {
        http.send(HttpRequest.newBuilder(URI.create(addr + "/v1/sys/health")).header("X-Request-Id", "audit-me-1").build(),
            HttpResponse.BodyHandlers.discarding());
      }
      String line = server.await(server.err, l -> l.contains("audit-me-1"), START);
      JsonNode event = JSON.readTree(line);
      assertThat(event.get("level").asText()).isEqualTo("INFO");
      assertThat(event.toString()).contains("\"request_id\":\"audit-me-1\"");
      assertThat(server.terminate()).isZero();
      assertThat(server.err).allSatisfy(l -> assertThat(JSON.readTree(l).isObject()).as(l).isTrue());
    }
  }

  @Test
  @DisplayName("SS-002 11.3.4 — a TLS server is reached by `status` trusting CUSTOS_CACERT")
  void tlsServer() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    CustosProcess.selfSignedLoopbackCertificate(cert, key);
    try (CustosProcess server = CustosProcess.start(Map.of(), "--data-dir", dir.resolve("data").toString(),
        "server", "--listen", "127.0.0.1:0", "--tls-cert", cert.toString(), "--tls-key", key.toString())) {
      String line = server.await(server.err, l -> l.contains("listening on https://"), START);
      String addr = line.substring(line.indexOf("https://")).trim();
      CustosProcess untrusted = CustosProcess.run(Map.of("CUSTOS_ADDR", addr), "status");
      assertOneLineError(untrusted, 1, "CUSTOS_CACERT");
      CustosProcess status = CustosProcess.run(Map.of("CUSTOS_ADDR", addr, "CUSTOS_CACERT", cert.toString()),
          "status", "--output", "json");
      assertThat(status.exit()).as(status.stderr()).isZero();
      assertThat(JSON.readTree(status.stdout()).get("dev_mode").asBoolean()).isFalse();
      assertThat(dir.resolve("data/custos.db")).exists();
      assertThat(server.terminate()).isZero();
    }
  }

  @Test
  @DisplayName("configuration errors exit 2 with one line naming the key")
  void configErrors() throws Exception {
    Path missing = dir.resolve("missing.yaml");
    assertOneLineError(CustosProcess.run(Map.of(), "server", "--dev", "--config", missing.toString()), 2,
        "config " + missing + ": file does not exist");
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "listen: 127.0.0.1:8200\nsealed: false\n");
    assertOneLineError(CustosProcess.run(Map.of(), "server", "--dev", "--config", bad.toString()), 2,
        "'sealed': unknown key");
    assertOneLineError(CustosProcess.run(Map.of("CUSTOS_LISTEN", "everywhere"), "server", "--dev"), 2,
        "environment CUSTOS_LISTEN: 'listen': expected HOST:PORT");
  }

  @Test
  @DisplayName("a port already in use is one line and exit 1")
  void portInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CustosProcess p = CustosProcess.run(Map.of(), "server", "--dev", "--listen", "127.0.0.1:" + taken.getLocalPort());
      assertOneLineError(p, 1, "address already in use");
    }
  }

  @Test
  @DisplayName("an unusable data directory is one line and exit 1")
  void unwritableDataDir() throws Exception {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    CustosProcess p = CustosProcess.run(Map.of(), "--data-dir", file.resolve("data").toString(), "server", "--dev",
        "--listen", "127.0.0.1:0");
    assertOneLineError(p, 1, "cannot be created");
  }

  @Test
  @DisplayName("a database file that is not SQLite is refused and left untouched")
  void notSqlite() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Path db = Files.writeString(data.resolve("custos.db"), "precious, not a database\n");
    CustosProcess p = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "server", "--dev",
        "--listen", "127.0.0.1:0");
    assertOneLineError(p, 1, "is not a SQLite database");
    assertThat(Files.readString(db)).isEqualTo("precious, not a database\n");
  }

  @Test
  @DisplayName("a database from a newer Custos is refused")
  void newerSchema() throws Exception {
    Path data = dir.resolve("data");
    JdbcStorage.open(StorageUrl.inDataDir(data), "test", InstantSource.system()).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("custos.db"));
        Statement st = c.createStatement()) {
      st.execute("INSERT INTO custos_schema_history (installed_rank, version, description, type, script, checksum, "
          + "installed_by, installed_on, execution_time, success) VALUES (50, '50', 'future', 'SQL', 'V50__f.sql', 1, "
          + "'custos', CURRENT_TIMESTAMP, 1, 1)");
    }
    CustosProcess p = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "server", "--dev",
        "--listen", "127.0.0.1:0");
    assertOneLineError(p, 1, "schema version 50, newer than this Custos supports");
  }

  @Test
  @DisplayName("status with no server listening is one line and exit 1")
  void statusWithoutServer() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    CustosProcess p = CustosProcess.run(Map.of("CUSTOS_ADDR", "http://127.0.0.1:" + port), "status");
    assertOneLineError(p, 1, "cannot reach Custos at http://127.0.0.1:" + port);
    assertOneLineError(CustosProcess.run(Map.of("CUSTOS_ADDR", "ftp://x"), "status"), 2, "CUSTOS_ADDR must be");
  }
}
