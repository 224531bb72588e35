package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.access.AccessControl;
import io.custos.access.Principal;
import io.custos.access.PrincipalKind;
import io.custos.access.SecondFactors;
import io.custos.access.Totp;
import io.custos.access.Tokens;
import io.custos.audit.AuditLog;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.SecretBytes;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.system.SystemHealth;
import io.custos.system.SystemState;
import io.custos.trust.TrustStores;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Step-up with a TOTP second factor over HTTP, on a fake clock shared by access control and TOTP. */
class TotpRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  @TempDir static Path pki;
  @TempDir Path dir;
  private Instant now = Instant.now();
  private final Clock clock = new Clock() {
    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId z) {
      return this;
    }
  };
  private Storage storage;
  private Barrier barrier;
  private AuditLog log;
  private AccessControl access;
  private ApiServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void makeCa() throws Exception {
    TlsServerTest.run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", pki.resolve("ca.key").toString(), "-out", pki.resolve("ca.pem").toString(), "-days", "2",
        "-subj", "/CN=Partner CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  }

  @BeforeEach
  void start() {
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), TestNode.VERSION.version(), InstantSource.system());
    barrier = new Barrier(BarrierKeyring.create(MODULE));
    log = AuditLog.open(storage.audit(), Optional.empty(), "test", "test", InstantSource.system(),
        AuditLog.Settings.defaults());
    access = new AccessControl(storage.records(), () -> barrier, MODULE, clock);
    TrustStores trust = new TrustStores(storage.records(), () -> barrier, MODULE, clock);
    SecondFactors factors = new SecondFactors(storage.records(), () -> barrier, MODULE, clock, access);
    // Plain HTTP on loopback for the test; the routes treat requests without credentials as anonymous.
    server = ApiServer.start(TestNode.dev(), TestNode.VERSION.version(),
        new SystemHealth(TestNode.VERSION, storage, () -> SystemState.UNSEALED, InstantSource.system(), true),
        List.of(TrustRoutes.module(trust, log, access, false), TotpRoutes.module(factors, log, access, false)),
        new Metrics(), access);
  }

  @AfterEach
  void stop() {
    server.close();
    http.close();
    log.close();
    storage.close();
    barrier.close();
  }

  private HttpResponse<String> post(String token, String path, Object body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.address().resolve(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String code(String base32, String algorithm, Instant at) {
    try (SecretBytes k = SecretBytes.adopt(decodeBase32(base32))) {
      return Totp.code(MODULE.hmac(Totp.Algorithm.parse(algorithm).mac(), k), Totp.step(at), 6);
    }
  }

  private static byte[] decodeBase32(String s) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int buffer = 0;
    int bits = 0;
    for (char c : s.toCharArray()) {
      buffer = (buffer << 5) | alphabet.indexOf(c);
      bits += 5;
      if (bits >= 8) {
        out.write((buffer >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return out.toByteArray();
  }

  private String auditText() {
    StringBuilder b = new StringBuilder();
    for (var row : log.events(1, 10_000)) {
      b.append(new String(row.event(), StandardCharsets.UTF_8)).append('\n');
    }
    return b.toString();
  }

  @Test
  @DisplayName("SS-002 11.3.11 — a privileged capability is denied before the second factor, allowed after, denied again after 5 minutes")
  void stepUp() throws Exception {
    access.createPrincipal(new Principal("alice", PrincipalKind.PERSON, "Alice Admin", "alice@example.com",
        Optional.empty(), List.of("admin"), List.of(), List.of(), false, now));
    Tokens.Issued t = access.createToken("alice", Duration.ofHours(1), Duration.ofHours(1), "root");
    Map<String, String> ca = Map.of("certificates", Files.readString(pki.resolve("ca.pem")));

    HttpResponse<String> before = post(t.token(), "/v1/trust/partners/import", ca);
    assertThat(before.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(before.body()).get("detail").asText()).contains("SS-002 11.3.11").contains("second factor");

    HttpResponse<String> enrolled = post(t.token(), "/v1/auth/totp/enroll", Map.of());
    assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(200);
    assertThat(enrolled.headers().firstValue("Cache-Control")).hasValue("no-store");
    JsonNode e = JSON.readTree(enrolled.body());
    String secret = e.get("secret").asText();
    assertThat(e.get("uri").asText()).startsWith("otpauth://totp/Custos%3Aalice?secret=" + secret);
    assertThat(auditText()).contains("auth.totp.enroll").doesNotContain(secret);

    assertThat(post(t.token(), "/v1/auth/totp/confirm", Map.of("code", code(secret, "SHA1", now))).statusCode())
        .isEqualTo(200);
    now = now.plusSeconds(30);
    String code = code(secret, "SHA1", now);
    String wrong = code.equals("123456") ? "654321" : "123456";
    HttpResponse<String> bad = post(t.token(), "/v1/auth/totp/verify", Map.of("code", wrong));
    assertThat(bad.statusCode()).isEqualTo(403);
    assertThat(auditText().lines().filter(l -> l.contains("auth.totp.verify")))
        .anyMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("denied"));

    assertThat(post(t.token(), "/v1/auth/totp/verify", Map.of("code", code)).statusCode()).isEqualTo(200);
    HttpResponse<String> replay = post(t.token(), "/v1/auth/totp/verify", Map.of("code", code));
    assertThat(replay.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(replay.body()).get("detail").asText()).contains("already used");

    HttpResponse<String> allowed = post(t.token(), "/v1/trust/partners/import", ca);
    assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
    assertThat(JSON.readTree(allowed.body()).get("added")).hasSize(1);

    now = now.plus(Duration.ofMinutes(5)).plusSeconds(1);
    HttpResponse<String> stale = post(t.token(), "/v1/trust/partners/import", ca);
    assertThat(stale.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(stale.body()).get("detail").asText()).contains("SS-002 11.3.11");
  }

  @Test
  @DisplayName("the TOTP routes need an authenticated person: anonymous callers get 401, machines are refused")
  void personsOnly() throws Exception {
    assertThat(post(null, "/v1/auth/totp/enroll", Map.of()).statusCode()).isEqualTo(401);
    assertThat(post("cus.forged", "/v1/auth/totp/verify", Map.of("code", "123456")).statusCode()).isEqualTo(401);
    access.createPrincipal(new Principal("robot", PrincipalKind.MACHINE, "Robot", "robot@example.com",
        Optional.empty(), List.of("auditor"), List.of(), List.of(), false, now));
    Tokens.Issued t = access.createToken("robot", Duration.ofHours(1), Duration.ofHours(1), "root");
    HttpResponse<String> r = post(t.token(), "/v1/auth/totp/enroll", Map.of("algorithm", "SHA256"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("for people");
  }
}
