package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.access.AccessGate;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.audit.EventCodec;
import io.custos.audit.OfflineLogImport;
import io.custos.ceremony.Ceremonies;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.FipsCryptoModule;
import io.custos.seal.UnsealShare;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POST /v1/audit/import over HTTP: an offline root's ceremony log on real SQLite stores, offline and online. */
class AuditImportRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

  /** An offline root directory with init-root and one CRL ceremony; returns the export and the verifier key. */
  private String[] offlineLog() throws Exception {
    try (Storage offline = JdbcStorage.open(StorageUrl.inDataDir(dir.resolve("root")), TestNode.VERSION.version(),
        InstantSource.system());
        AuditLog log = AuditLog.open(offline.audit(), Optional.empty(), "offline-root", "offline-root",
            InstantSource.system(), AuditLog.Settings.defaults())) {
      Ceremonies c = new Ceremonies(offline.records(), log, FipsCryptoModule.start(), AsymmetricProviders.select("auto"),
          Clock.systemUTC());
      List<String> shares;
      try (Ceremonies.Initialised done = c.initRoot("CN=Offline Root,O=Example", "ecdsa-p384", Duration.ofDays(3650),
          2, 2, "Wendy Witness")) {
        shares = done.shares().stream().map(UnsealShare::text).toList();
      }
      c.crl(shares, "Wendy Witness", Duration.ofDays(30));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      log.export(1, Long.MAX_VALUE, out);
      return new String[] {out.toString(StandardCharsets.UTF_8), c.auditVerifierKey()};
    }
  }

  private HttpResponse<String> post(ApiServer server, Map<String, Object> body) throws Exception {
    return http.send(HttpRequest.newBuilder(server.address().resolve("/v1/audit/import"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<AuditEvent> events(AuditLog log) {
    List<AuditEvent> out = new ArrayList<>();
    log.events(1, 1000).forEach(r -> out.add(EventCodec.decode(r.event())));
    return out;
  }

  @Test
  @DisplayName("SS-002 11.7.1 — the ceremony log is imported through the API, audited, once; tampered exports change nothing")
  void importOverHttp() throws Exception {
    String[] offline = offlineLog();
    try (Storage storage = JdbcStorage.open(StorageUrl.inDataDir(dir.resolve("online")), TestNode.VERSION.version(),
        InstantSource.system());
        AuditLog log = AuditLog.open(storage.audit(), Optional.empty(), "online", "online", InstantSource.system(),
            AuditLog.Settings.defaults())) {
      try (ApiServer at = ApiServer.start(TestNode.dev(), TestNode.VERSION.version(),
          new io.custos.system.SystemHealth(TestNode.VERSION, storage, () -> io.custos.system.SystemState.UNSEALED,
              InstantSource.system(), true),
          List.of(AuditImportRoutes.module(new OfflineLogImport(storage.records(), log), log, AccessGate.devMode(),
              true)), new Metrics(), io.custos.access.Authenticator.none())) {
        String tampered = offline[0].replaceFirst("Wendy Witness", "Wendy Witnesz");
        HttpResponse<String> bad = post(at, Map.of("export", tampered, "key", offline[1]));
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(403);
        assertThat(bad.body()).contains("SS-002 11.7.1").contains("nothing imported");
        assertThat(events(log)).noneMatch(e -> e.action().startsWith("offline."));
        assertThat(events(log)).anyMatch(e -> e.action().equals("audit.import")
            && e.outcome() != AuditEvent.Outcome.OK);

        HttpResponse<String> missing = post(at, Map.of("key", offline[1]));
        assertThat(missing.statusCode()).isEqualTo(400);

        HttpResponse<String> ok = post(at, Map.of("export", offline[0], "key", offline[1]));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode r = JSON.readTree(ok.body());
        assertThat(r.get("imported").asLong()).isEqualTo(2);
        assertThat(r.get("pinned_now").asBoolean()).isTrue();
        assertThat(r.get("origin").asText()).isEqualTo("offline-root");

        HttpResponse<String> again = post(at, Map.of("export", offline[0]));
        assertThat(JSON.readTree(again.body()).get("imported").asLong()).isZero();
        List<AuditEvent> all = events(log);
        assertThat(all).filteredOn(e -> e.action().startsWith("offline.")).extracting(AuditEvent::action)
            .containsExactly("offline.ceremony.init_root", "offline.ceremony.crl");
        assertThat(all).filteredOn(e -> e.action().equals("audit.import") && e.outcome() == AuditEvent.Outcome.OK)
            .hasSize(2).first().satisfies(e -> assertThat(e.params()).containsEntry("imported", "2")
                .containsEntry("origin", "offline-root").containsKey("pinned"));
      }
    }
  }
}
