package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Request size limits and timeouts: oversized and slow requests are cut off. */
class HardeningTest {
  @TempDir Path dir;
  private TestNode node;
  private final AtomicInteger accepted = new AtomicInteger();

  private final RouteModule echo = r -> r.add(new ApiRoute("POST", "/v1/test/echo", "echo", "Echo", "test",
      Map.of(200, "ok"), Map.of(), Optional.empty()), ctx -> {
        JsonNode body = Json.body(ctx);
        accepted.incrementAndGet();
        Json.respond(ctx, 200, body);
      });

  private void start(Duration idle) {
    ServerSettings s = new ServerSettings("127.0.0.1", 0, Optional.empty(), true, 64 * 1024, idle,
        ServerSettings.DEFAULT_STOP_TIMEOUT);
    node = new TestNode(dir, s, List.of(echo));
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("headers over 16 KiB are refused with a 431 problem")
  void oversizedHeader() throws Exception {
    start(Duration.ofSeconds(30));
    HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.uri("/v1/sys/health"))
        .header("X-Padding", "a".repeat(20 * 1024)));
    assertThat(r.statusCode()).isEqualTo(431);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
  }

  @Test
  @DisplayName("a body over the limit without a declared length (chunked) is refused and never handled")
  void oversizedChunkedBody() throws Exception {
    start(Duration.ofSeconds(30));
    byte[] big = ("{\"a\":\"" + "x".repeat(200 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.uri("/v1/test/echo"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(accepted).hasValue(0);
  }

  @Test
  @DisplayName("a body trickled below 1 KiB/s is cut off, well before the idle timeout")
  void trickledBody() throws Exception {
    start(Duration.ofSeconds(30));
    long t0 = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", node.server.address().getPort())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /v1/test/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: 60000\r\n\r\n{\"a\":\"").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer = trickleUntilAnswered(s, out);
      assertThat(answer).satisfiesAnyOf(a -> assertThat(a).isEmpty(), a -> assertThat(a).matches("(?s)HTTP/1.1 (408|400|413|500).*"));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    assertThat(accepted).hasValue(0);
  }

  @Test
  @DisplayName("a connection that goes quiet in the middle of its headers is closed at the idle timeout")
  void stalledHeaders() throws Exception {
    start(Duration.ofSeconds(1));
    long t0 = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", node.server.address().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /v1/sys/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      while (in.read(buf) >= 0) {
        // drain whatever the server says until it closes
      }
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
  }

  /** Sends a byte every 200 ms until the server answers or closes; returns what it said. */
  private static String trickleUntilAnswered(Socket s, OutputStream out) throws Exception {
    InputStream in = s.getInputStream();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (in.available() > 0) {
        return new String(in.readNBytes(in.available()), StandardCharsets.US_ASCII);
      }
      try {
        out.write('x');
        out.flush();
      } catch (java.io.IOException closed) {
        return "";
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the server kept accepting a trickled body for 20 s");
  }
}
