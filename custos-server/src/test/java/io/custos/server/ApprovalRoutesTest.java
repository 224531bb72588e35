package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.access.AccessControl;
import io.custos.access.AccessGate;
import io.custos.access.Approvals;
import io.custos.access.Principal;
import io.custos.access.PrincipalKind;
import io.custos.audit.AuditLog;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.system.SystemHealth;
import io.custos.system.SystemState;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dual control over real HTTP: a dev server configured to need two approvals for kms:backup,
 * principals and tokens made through AccessControl, keys through the key routes.
 */
class ApprovalRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  @TempDir Path dir;
  private Storage storage;
  private Barrier barrier;
  private AuditLog log;
  private KeyManager keys;
  private AccessControl access;
  private ApiServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    barrier = new Barrier(BarrierKeyring.create(MODULE));
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), TestNode.VERSION.version(), InstantSource.system());
    log = AuditLog.open(storage.audit(), Optional.empty(), "test", "test", InstantSource.system(),
        AuditLog.Settings.defaults());
    access = new AccessControl(storage.records(), () -> barrier, MODULE, Clock.systemUTC());
    AccessGate base = AccessGate.devMode(access);
    AtomicReference<KeyManager> owners = new AtomicReference<>();
    Approvals approvals = new Approvals(storage.records(), () -> barrier, base,
        r -> owners.get().ownerOf(r), new Approvals.Settings(Map.of("kms:backup", 2), Duration.ofHours(24)),
        Clock.systemUTC(), new SecureRandom());
    AccessGate gate = approvals.guard(base);
    keys = new KeyManager(storage.records(), () -> barrier, MODULE, AsymmetricProviders.select("jdk"),
        AlgorithmPolicy.defaults(), gate, Clock.systemUTC());
    owners.set(keys);
    SystemHealth health = new SystemHealth(TestNode.VERSION, storage, () -> SystemState.UNSEALED,
        InstantSource.system(), true);
    server = ApiServer.start(TestNode.dev(), TestNode.VERSION.version(), health,
        List.of(KeyRoutes.module(keys, log, gate, true), ApprovalRoutes.module(approvals, log, gate, true)),
        new Metrics(), access);
  }

  @AfterEach
  void stop() {
    server.close();
    keys.close();
    log.close();
    storage.close();
    barrier.close();
    http.close();
  }

  /** A person with {@code roles} and a token whose session just proved a second factor. */
  private String person(String id, String... roles) {
    access.createPrincipal(new Principal(id, PrincipalKind.PERSON, "Person " + id, id + "@example.com",
        Optional.empty(), List.of(roles), List.of(), List.of(), false, Instant.now()));
    String token = access.createToken(id, Duration.ofHours(1), Duration.ofHours(1), "root").token();
    access.recordSecondFactor(token);
    return token;
  }

  private HttpResponse<String> post(String token, String path, String body, String approval) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.address().resolve(path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (approval != null) {
      b.header("X-Custos-Approval", approval);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String token, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(server.address().resolve(path)).header("Authorization", "Bearer " + token)
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode ok(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  private static void refused(HttpResponse<String> r, int status, String detail) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(JSON.readTree(r.body()).path("detail").asText()).contains(detail);
  }

  private String auditText() {
    StringBuilder b = new StringBuilder();
    for (var row : log.events(1, 10_000)) {
      b.append(new String(row.event(), StandardCharsets.UTF_8)).append('\n');
    }
    return b.toString();
  }

  @Test
  @DisplayName("backup needs two approvals: 202, separation of duties, approvers counted once, executes exactly once")
  void backupWithTwoApprovals() throws Exception {
    ok(post(null, "/v1/keys", "{\"name\":\"payments\",\"purpose\":\"encrypt\",\"algorithm\":\"aes-256-gcm\",\"owner\":\"olivia\"}", null), 201);
    ok(post(null, "/v1/keys", "{\"name\":\"kek\",\"purpose\":\"wrap\",\"algorithm\":\"aes-256-kwp\",\"owner\":\"olivia\"}", null), 201);
    ok(post(null, "/v1/keys", "{\"name\":\"kek2\",\"purpose\":\"wrap\",\"algorithm\":\"aes-256-kwp\",\"owner\":\"olivia\"}", null), 201);
    String carol = person("carol", "crypto-officer", "approver");
    String ann = person("ann", "approver");
    String bob = person("bob", "approver");
    String olivia = person("olivia", "approver");

    String body = "{\"wrap_with\":\"kek\"}";
    JsonNode pending = ok(post(carol, "/v1/keys/payments/backup", body, null), 202);
    String id = pending.get("approval_id").asText();
    assertThat(pending.get("status").asText()).isEqualTo("pending");
    assertThat(pending.get("required").asInt()).isEqualTo(2);
    assertThat(pending.has("backup")).isFalse();
    assertThat(pending.get("expires_at").asText()).isNotEmpty();

    refused(post(carol, "/v1/approvals/" + id + "/approve", "", null), 403, "requester-not-approver");
    refused(post(olivia, "/v1/approvals/" + id + "/approve", "", null), 403, "owner-not-approver-of-export");
    JsonNode one = ok(post(ann, "/v1/approvals/" + id + "/approve", "", null), 200);
    assertThat(one.get("status").asText()).isEqualTo("pending");
    refused(post(ann, "/v1/approvals/" + id + "/approve", "{}", null), 409, "already approved");
    refused(post(carol, "/v1/keys/payments/backup", body, id), 409, "1 of 2 approvals");
    assertThat(ok(post(bob, "/v1/approvals/" + id + "/approve", "", null), 200).get("status").asText())
        .isEqualTo("approved");

    // The approval covers exactly this operation, by this requester.
    refused(post(carol, "/v1/keys/payments/backup", "{\"wrap_with\":\"kek2\"}", id), 403, "differs");
    assertThat(post(ann, "/v1/keys/payments/backup", body, id).statusCode()).isEqualTo(403);
    // The same JSON, differently spaced, is the same operation.
    JsonNode done = ok(post(carol, "/v1/keys/payments/backup", "{ \"wrap_with\" : \"kek\" }", id), 200);
    assertThat(done.get("backup").asText()).startsWith("custos-backup-v1:kek:");
    refused(post(carol, "/v1/keys/payments/backup", body, id), 409, "one execution");

    JsonNode shown = ok(get(ann, "/v1/approvals/" + id), 200);
    assertThat(shown.get("status").asText()).isEqualTo("executed");
    assertThat(shown.get("requester").asText()).isEqualTo("carol");
    assertThat(shown.get("approvals")).extracting(a -> a.get("principal").asText()).containsExactly("ann", "bob");
    assertThat(ok(get(ann, "/v1/approvals?status=executed"), 200).get("approvals")).hasSize(1);
    assertThat(ok(get(ann, "/v1/approvals?status=pending"), 200).get("approvals")).isEmpty();

    String audit = auditText();
    assertThat(audit).contains("approval.requested", "approval.approved", "approval.executed", "kms.key.backup");
    assertThat(audit).contains("requester-not-approver");
  }

  @Test
  @DisplayName("a denial ends the request; the dev root is not exempt; reading and deciding need grants")
  void denyAndGrants() throws Exception {
    ok(post(null, "/v1/keys", "{\"name\":\"payments\",\"purpose\":\"encrypt\",\"algorithm\":\"aes-256-gcm\",\"owner\":\"olivia\"}", null), 201);
    ok(post(null, "/v1/keys", "{\"name\":\"kek\",\"purpose\":\"wrap\",\"algorithm\":\"aes-256-kwp\",\"owner\":\"olivia\"}", null), 201);
    String ann = person("ann", "approver");
    String eve = person("eve", "operator");
    // No credentials on a dev server: the dev root, which still needs the approvals.
    String id = ok(post(null, "/v1/keys/payments/backup", "{\"wrap_with\":\"kek\"}", null), 202).get("approval_id").asText();
    refused(post(eve, "/v1/approvals/" + id + "/approve", "", null), 403, "approval:decide");
    assertThat(get(eve, "/v1/approvals").statusCode()).isEqualTo(403);
    refused(post(ann, "/v1/approvals/" + id + "/deny", "{}", null), 400, "reason");
    JsonNode denied = ok(post(ann, "/v1/approvals/" + id + "/deny", "{\"reason\":\"no change ticket\"}", null), 200);
    assertThat(denied.get("status").asText()).isEqualTo("denied");
    assertThat(denied.get("reason").asText()).isEqualTo("no change ticket");
    refused(post(null, "/v1/keys/payments/backup", "{\"wrap_with\":\"kek\"}", id), 409, "denied by 'ann'");
    refused(post(ann, "/v1/approvals/0123456789abcdef0123456789abcdef/approve", "", null), 404, "no approval request");
    assertThat(auditText()).contains("approval.denied");
  }
}
