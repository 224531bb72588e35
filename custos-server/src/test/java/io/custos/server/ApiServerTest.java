package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.system.SystemState;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private TestNode node;
  private final AtomicInteger accepted = new AtomicInteger();

  /** A route that takes a JSON body, so body handling is tested through the real pipeline. */
  private final RouteModule echo = r -> {
    r.schema("Echo", Map.of("type", "object"));
    r.add(new ApiRoute("POST", "/v1/test/echo", "echo", "Echo a JSON object", "test",
        Map.of(200, "The object"), Map.of(200, "Echo"), Optional.of("Echo")), ctx -> {
          JsonNode body = Json.body(ctx);
          accepted.incrementAndGet();
          Json.respond(ctx, 200, body);
        });
    r.add(new ApiRoute("GET", "/v1/test/boom", "boom", "Fails unexpectedly", "test",
        Map.of(), Map.of(), Optional.empty()), ctx -> {
          throw new IllegalStateException("secret internals at com.example.Foo");
        });
  };

  @BeforeEach
  void start() {
    node = new TestNode(dir, TestNode.dev(), List.of(echo));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  @DisplayName("health answers with version, state, storage and uptime, using Vault's status codes")
  void health() throws Exception {
    HttpResponse<String> r = node.get("/v1/sys/health");
    assertThat(r.statusCode()).isEqualTo(501);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode h = JSON.readTree(r.body());
    assertThat(h.get("initialized").asBoolean()).isFalse();
    assertThat(h.get("sealed").asBoolean()).isTrue();
    assertThat(h.get("state").asText()).isEqualTo("uninitialised");
    assertThat(h.get("version").asText()).isEqualTo("9.9.9-test");
    assertThat(h.get("commit").asText()).isEqualTo("abc1234");
    assertThat(h.get("dev_mode").asBoolean()).isTrue();
    assertThat(h.at("/storage/kind").asText()).isEqualTo("sqlite");
    assertThat(h.at("/storage/schema_version").asInt()).isEqualTo(node.storage.schemaVersion()).isGreaterThanOrEqualTo(3);
    assertThat(h.at("/storage/reachable").asBoolean()).isTrue();
    assertThat(h.get("uptime_seconds").asLong()).isGreaterThanOrEqualTo(0);
    assertThat(h.get("server_time_utc").asLong()).isGreaterThan(1_700_000_000L);

    node.state = SystemState.SEALED;
    assertThat(node.get("/v1/sys/health").statusCode()).isEqualTo(503);
    assertThat(node.get("/v1/sys/health?sealedcode=200").statusCode()).isEqualTo(200);
    node.state = SystemState.UNSEALED;
    assertThat(node.get("/v1/sys/health").statusCode()).isEqualTo(200);
    assertThat(node.get("/v1/sys/health?activecode=299").statusCode()).isEqualTo(299);
  }

  @Test
  @DisplayName("a bad status-code override is a 400 problem naming the parameter")
  void badOverride() throws Exception {
    HttpResponse<String> r = node.get("/v1/sys/health?uninitcode=abc");
    assertProblem(r, 400, "urn:custos:problem:invalid-input");
    assertThat(JSON.readTree(r.body()).get("detail").asText()).contains("uninitcode");
  }

  @Test
  @DisplayName("every response carries a request id; a well-formed caller id is kept")
  void requestIds() throws Exception {
    HttpResponse<String> mine = node.send(HttpRequest.newBuilder(node.uri("/v1/sys/health")).header("X-Request-Id", "trace-42"));
    assertThat(mine.headers().firstValue("X-Request-Id")).hasValue("trace-42");
    HttpResponse<String> hostile = node.send(HttpRequest.newBuilder(node.uri("/v1/sys/health")).header("X-Request-Id", "bad id; <script>"));
    assertThat(hostile.headers().firstValue("X-Request-Id")).hasValueSatisfying(v -> assertThat(v).matches("[0-9a-f-]{36}"));
    HttpResponse<String> missing = node.get("/v1/nope");
    assertThat(JSON.readTree(missing.body()).get("request_id").asText())
        .isEqualTo(missing.headers().firstValue("X-Request-Id").orElseThrow());
  }

  @Test
  @DisplayName("the OpenAPI document lists exactly the routes the server registered")
  void openApiIsComplete() throws Exception {
    HttpResponse<String> r = node.get("/v1/openapi.json");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode doc = JSON.readTree(r.body());
    assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
    Set<String> documented = new HashSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
      var path = paths.next();
      path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + path.getKey()));
    }
    assertThat(documented).isEqualTo(new HashSet<>(node.server.registeredRoutes()));
    assertThat(documented).contains("GET /v1/sys/health", "GET /v1/openapi.json", "POST /v1/test/echo");
    // every $ref resolves
    List<String> refs = doc.findValuesAsText("$ref");
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
    }
  }

  @Test
  @DisplayName("an unknown route is a 404 problem document")
  void unknownRoute() throws Exception {
    assertProblem(node.get("/v1/no/such/thing"), 404, "urn:custos:problem:no-such-route");
  }

  @Test
  @DisplayName("a known route with the wrong method is a 405 problem document")
  void wrongMethod() throws Exception {
    HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.uri("/v1/sys/health"))
        .DELETE());
    assertProblem(r, 405, "urn:custos:problem:method-not-allowed");
  }

  @Test
  @DisplayName("malformed JSON, a wrong content type and an oversized body are refused and change nothing")
  void badBodies() throws Exception {
    HttpResponse<String> ok = post("{\"a\": 1}", "application/json");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(ok.body()).get("a").asInt()).isEqualTo(1);
    assertThat(accepted).hasValue(1);

    HttpResponse<String> malformed = post("{\"a\": ", "application/json");
    assertProblem(malformed, 400, "urn:custos:problem:invalid-input");
    assertThat(JSON.readTree(malformed.body()).get("detail").asText()).contains("not valid JSON");
    assertProblem(post("{\"a\": 1} trailing", "application/json"), 400, "urn:custos:problem:invalid-input");
    assertProblem(post("[1,2]", "application/json"), 400, "urn:custos:problem:invalid-input");
    assertProblem(post("", "application/json"), 400, "urn:custos:problem:invalid-input");
    assertProblem(post("[".repeat(100) + "]".repeat(100), "application/json"), 400, "urn:custos:problem:invalid-input");
    assertProblem(post("{\"a\": 1}", "text/plain"), 415, "urn:custos:problem:unsupported-media-type");
    String big = "{\"a\": \"" + "x".repeat((int) ServerSettings.DEFAULT_MAX_REQUEST_BYTES) + "\"}";
    HttpResponse<String> tooBig = post(big, "application/json");
    assertProblem(tooBig, 413, "urn:custos:problem:request-too-large");
    assertThat(accepted).hasValue(1);
  }

  @Test
  @DisplayName("an unexpected failure is a 500 problem without internals")
  void unexpectedFailure() throws Exception {
    HttpResponse<String> r = node.get("/v1/test/boom");
    assertProblem(r, 500, "urn:custos:problem:internal");
    assertThat(r.body()).doesNotContain("secret internals").doesNotContain("at io.").doesNotContain("Exception");
  }

  @Test
  @DisplayName("dev mode refuses to listen beyond loopback")
  void devIsLoopbackOnly() {
    assertThatThrownBy(() -> new TestNode(dir.resolve("other"),
        ServerSettings.of("0.0.0.0", 0, Optional.empty(), true), List.of()))
        .isInstanceOf(ServerStartException.class).hasMessageContaining("127.0.0.1 only");
  }

  @Test
  @DisplayName("SS-002 11.3.4 — outside dev mode the server refuses to start without TLS")
  void nonDevNeedsTls() {
    assertThatThrownBy(() -> new TestNode(dir.resolve("other"),
        ServerSettings.of("127.0.0.1", 0, Optional.empty(), false), List.of()))
        .isInstanceOf(ServerStartException.class).hasMessageContaining("needs TLS");
  }

  @Test
  @DisplayName("a port already in use is a one-line start error")
  void portInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> new TestNode(dir.resolve("other"),
          ServerSettings.of("127.0.0.1", taken.getLocalPort(), Optional.empty(), true), List.of()))
          .isInstanceOf(ServerStartException.class)
          .hasMessage("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": address already in use");
    }
  }

  private HttpResponse<String> post(String body, String type) throws Exception {
    return node.send(HttpRequest.newBuilder(node.uri("/v1/test/echo")).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  static void assertProblem(HttpResponse<String> r, int status, String type) throws Exception {
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode p = JSON.readTree(r.body());
    assertThat(p.get("type").asText()).isEqualTo(type);
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("title").asText()).isNotBlank();
  }
}
