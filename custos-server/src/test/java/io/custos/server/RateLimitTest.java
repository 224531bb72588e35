package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.access.Authenticator;
import io.custos.access.Caller;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.system.SystemHealth;
import io.custos.system.SystemState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Rate limits and failed-authentication backoff over real HTTP (SS-002 11.6.1). */
class RateLimitTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ALICE = "alice-token-0123456789abcdef";
  private static final String BOB = "bob-token-0123456789abcdef";

  @TempDir Path dir;
  private Storage storage;
  private ApiServer server;
  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicInteger lookups = new AtomicInteger();
  private final AtomicInteger revocations = new AtomicInteger();

  /** Two good tokens; everything else is refused. Counts lookups, to show refusals come before them. */
  private final Authenticator authenticator = new Authenticator() {
    @Override
    public Optional<Caller> token(String token, String clientAddress, String requestId) {
      lookups.incrementAndGet();
      return switch (token) {
        case ALICE -> Optional.of(new Caller("alice", "token", clientAddress, requestId));
        case BOB -> Optional.of(new Caller("bob", "token", clientAddress, requestId));
        default -> Optional.empty();
      };
    }

    @Override
    public Optional<Caller> certificate(byte[] spki, String clientAddress, String requestId) {
      lookups.incrementAndGet();
      return Optional.empty();
    }
  };

  /** An authenticated route, and stand-ins for the revocation and seal routes. */
  private final RouteModule routes = r -> {
    r.add(new ApiRoute("GET", "/v1/test/whoami", "whoami", "The caller", "test", Map.of(200, "ok"), Map.of(),
        Optional.empty()), ctx -> Json.respond(ctx, 200, Map.of("principal", Authentication.of(ctx, false).principalId())));
    io.javalin.http.Handler revoke = ctx -> {
      Authentication.of(ctx, false);
      revocations.incrementAndGet();
      Json.respond(ctx, 200, Map.of("revoked", true));
    };
    r.add(new ApiRoute("POST", "/v1/access/revoke", "revoke", "Revoke", "test", Map.of(200, "ok"), Map.of(),
        Optional.empty()), revoke);
    r.add(new ApiRoute("PUT", "/v1/sys/seal", "seal", "Seal", "test", Map.of(200, "ok"), Map.of(),
        Optional.empty()), revoke);
  };

  private void start(RateLimits limits) {
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), TestNode.VERSION.version(), InstantSource.system());
    SystemHealth health = new SystemHealth(TestNode.VERSION, storage, () -> SystemState.UNSEALED,
        InstantSource.system(), false);
    ServerSettings settings = new ServerSettings("127.0.0.1", 0, Optional.empty(), true,
        ServerSettings.DEFAULT_MAX_REQUEST_BYTES, ServerSettings.DEFAULT_IDLE_TIMEOUT,
        ServerSettings.DEFAULT_STOP_TIMEOUT, limits);
    server = ApiServer.start(settings, TestNode.VERSION.version(), health, List.of(routes), new Metrics(), authenticator);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (storage != null) {
      storage.close();
    }
    http.close();
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("X-Custos-Token", token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return server.address().resolve(path);
  }

  private static void assertTooMany(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/problem+json"));
    assertThat(r.headers().firstValueAsLong("Retry-After").orElse(-1)).isBetween(1L, 60L);
    JsonNode p = JSON.readTree(r.body());
    assertThat(p.get("type").asText()).isEqualTo("urn:custos:problem:too-many-requests");
    assertThat(p.get("status").asInt()).isEqualTo(429);
    assertThat(p.has("request_id")).isTrue();
  }

  @Test
  @DisplayName("SS-002 11.6.1 — over the per-address limit: 429 problem with Retry-After, before the token is looked up")
  void perAddress() throws Exception {
    start(RateLimits.defaults().withPerAddress(new RateLimits.Rate(0.5, 3)));
    for (int i = 0; i < 3; i++) {
      assertThat(get("/v1/test/whoami", ALICE).statusCode()).isEqualTo(200);
    }
    int before = lookups.get();
    HttpResponse<String> r = get("/v1/test/whoami", ALICE);
    assertTooMany(r);
    assertThat(r.headers().firstValueAsLong("Retry-After")).hasValue(2L);
    assertThat(lookups.get()).isEqualTo(before);
    assertTooMany(get("/v1/sys/health", null));
    assertTooMany(get("/v1/no/such/route", null));
  }

  @Test
  @DisplayName("SS-002 11.6.1 — revocation and sealing are still served while the address bucket is exhausted")
  void revocationNotStarved() throws Exception {
    start(RateLimits.defaults().withPerAddress(new RateLimits.Rate(0.1, 2)));
    get("/v1/sys/health", null);
    get("/v1/sys/health", null);
    assertTooMany(get("/v1/sys/health", null));
    assertTooMany(get("/v1/test/whoami", ALICE));
    assertThat(send("POST", "/v1/access/revoke", ALICE).statusCode()).isEqualTo(200);
    assertThat(send("PUT", "/v1/sys/seal", ALICE).statusCode()).isEqualTo(200);
    assertThat(revocations.get()).isEqualTo(2);
  }

  @Test
  @DisplayName("SS-002 11.6.1 — the reserved bucket is itself limited per address, so it cannot be flooded")
  void reservedIsLimited() throws Exception {
    start(new RateLimits(RateLimits.DEFAULT_PER_ADDRESS, RateLimits.DEFAULT_PER_PRINCIPAL,
        new RateLimits.Rate(0.1, 3), RateLimits.DEFAULT_AUTH_FAILURES, RateLimits.DEFAULT_MAX_TRACKED));
    int refused = 0;
    for (int i = 0; i < 5; i++) {
      if (send("POST", "/v1/access/revoke", ALICE).statusCode() == 429) {
        refused++;
      }
    }
    assertThat(refused).isEqualTo(2);
    assertThat(get("/v1/sys/health", null).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("SS-002 11.6.1 — after 5 failed authentications the address waits, refused before any lookup; success resets")
  void failedAuthBackoff() throws Exception {
    start(RateLimits.defaults());
    for (int i = 0; i < 5; i++) {
      assertThat(get("/v1/test/whoami", "forged-" + i).statusCode()).isEqualTo(401);
    }
    assertThat(lookups.get()).isEqualTo(5);
    HttpResponse<String> blocked = get("/v1/test/whoami", "forged-6");
    assertTooMany(blocked);
    assertThat(blocked.headers().firstValueAsLong("Retry-After")).hasValue(1L);
    assertTooMany(get("/v1/test/whoami", ALICE)); // even a good token waits: it is not looked up
    assertThat(lookups.get()).isEqualTo(5);
    // Requests without credentials are not held up.
    assertThat(get("/v1/sys/health", null).statusCode()).isEqualTo(200);

    Thread.sleep(1100);
    assertThat(get("/v1/test/whoami", "forged-7").statusCode()).isEqualTo(401);
    HttpResponse<String> longer = get("/v1/test/whoami", ALICE);
    assertTooMany(longer);
    assertThat(longer.headers().firstValueAsLong("Retry-After")).hasValue(2L);

    Thread.sleep(2100);
    assertThat(get("/v1/test/whoami", ALICE).statusCode()).isEqualTo(200);
    for (int i = 0; i < 4; i++) {
      assertThat(get("/v1/test/whoami", "forged-again-" + i).statusCode()).isEqualTo(401);
    }
    assertThat(get("/v1/test/whoami", ALICE).statusCode()).isEqualTo(200); // the count started over

    // Revocation is never held up by the backoff.
    for (int i = 0; i < 6; i++) {
      get("/v1/test/whoami", "forged-once-more-" + i);
    }
    assertTooMany(get("/v1/test/whoami", ALICE));
    assertThat(send("POST", "/v1/access/revoke", ALICE).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("SS-002 11.6.1 — over the per-principal limit: 429 for that principal only")
  void perPrincipal() throws Exception {
    start(RateLimits.defaults().withPerPrincipal(new RateLimits.Rate(0.5, 2)));
    assertThat(get("/v1/test/whoami", ALICE).statusCode()).isEqualTo(200);
    assertThat(get("/v1/test/whoami", ALICE).statusCode()).isEqualTo(200);
    assertTooMany(get("/v1/test/whoami", ALICE));
    assertThat(get("/v1/test/whoami", BOB).statusCode()).isEqualTo(200);
    assertThat(send("POST", "/v1/access/revoke", ALICE).statusCode()).isEqualTo(200);
    assertThat(get("/v1/sys/health", null).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("SS-002 11.3.4 — a token in the URL is refused and never looked up")
  void noTokensInUrls() throws Exception {
    start(RateLimits.defaults());
    for (String q : List.of("token=", "access_token=", "X-Custos-Token=", "a=1&Token=")) {
      HttpResponse<String> r = get("/v1/test/whoami?" + q + ALICE, null);
      assertThat(r.statusCode()).as(q).isEqualTo(400);
      assertThat(r.body()).contains("never in the URL").doesNotContain(ALICE);
    }
    assertThat(lookups.get()).isZero();
    assertThat(get("/v1/sys/health?sealedcode=200", null).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("SS-002 11.3.4 — log lines never carry the Authorization or X-Custos-Token values")
  void noTokensInLogs() throws Exception {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
        org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    root.addAppender(appender);
    try {
      start(RateLimits.defaults());
      get("/v1/test/whoami", ALICE);
      send("POST", "/v1/access/revoke", BOB);
      for (int i = 0; i < 7; i++) {
        get("/v1/test/whoami", "forged-secret-" + i);
      }
      get("/v1/test/whoami?token=" + ALICE, null);
      Thread.sleep(200);
    } finally {
      root.detachAppender(appender);
    }
    assertThat(appender.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("/v1/test/whoami -> 200"));
    for (ILoggingEvent e : appender.list) {
      String all = e.getFormattedMessage() + " " + e.getMDCPropertyMap()
          + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage());
      assertThat(all).doesNotContain(ALICE).doesNotContain(BOB).doesNotContain("forged-secret");
    }
  }
}
