package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GracefulStopTest {
  @Test
  @DisplayName("stopping lets an in-flight request finish")
  void inFlightRequestFinishes(@TempDir Path dir) throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    RouteModule slow = r -> r.add(new ApiRoute("GET", "/v1/test/slow", "slow", "Waits", "test",
        Map.of(200, "done"), Map.of(), Optional.empty()), ctx -> {
          entered.countDown();
          release.await(5, TimeUnit.SECONDS);
          ctx.result("done");
        });
    TestNode node = new TestNode(dir, TestNode.dev(), List.of(slow));
    CompletableFuture<HttpResponse<String>> inFlight = node.http.sendAsync(
        HttpRequest.newBuilder(node.uri("/v1/test/slow")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> stopping = CompletableFuture.runAsync(node.server::stop);
    Thread.sleep(200); // let the stop begin while the request is still running
    release.countDown();
    HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
    stopping.get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("done");
    node.close();
  }
}
