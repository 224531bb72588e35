package io.custos.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Does a flood from one client starve the others (SS-002 11.6.1)? Starts a dev node (the built
 * {@code custos.jar}) on 127.0.0.1, measures a legitimate client's latency when the node is
 * idle, then again while another client (from 127.0.0.2) floods it with requests carrying bad
 * tokens from many concurrent virtual threads, and prints p50/p99 of both and their ratio.
 *
 * <p>Options: {@code --jar PATH} (default custos-app/target/custos.jar), {@code --senders N}
 * (64), {@code --requests N} measured per phase (1500), {@code --rate R} the legitimate client's
 * requests a second (150, within the default per-address limit), {@code --path P} the legitimate
 * client's request (GET /v1/sys/health; {@code /v1/keys} is authenticated and audited).
 */
public final class FloodBench {
  private FloodBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new ConcurrentHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    Path jar = Path.of(opt.getOrDefault("jar", "custos-app/target/custos.jar"));
    int senders = Integer.parseInt(opt.getOrDefault("senders", "64"));
    int measured = Integer.parseInt(opt.getOrDefault("requests", "1500"));
    // A legitimate client stays within its limits (200/s per address by default).
    long interval = (long) (1e9 / Double.parseDouble(opt.getOrDefault("rate", "150")));
    List<String> paths = opt.containsKey("path") ? List.of(opt.get("path")) : List.of("/v1/sys/health", "/v1/keys");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build with ./mvnw -B -q install -DskipTests");
    }
    String rootToken = "bench-" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(16));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process node = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(),
        "server", "--dev", "--dev-root-token", rootToken, "--listen", "127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Runtime.getRuntime().addShutdownHook(new Thread(node::destroyForcibly));
    URI base = URI.create("http://127.0.0.1:" + port);
    try (HttpClient legit = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
        HttpClient flooder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .localAddress(InetAddress.getByName("127.0.0.2")).connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build()) {
      awaitHealthy(legit, base.resolve("/v1/sys/health"), node);
      System.out.printf(Locale.ROOT, "node up on %s (pid %d); %d flood senders from 127.0.0.2, %d requests per phase%n",
          base, node.pid(), senders, measured);
      for (String path : paths) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + rootToken)
            .GET().build();
        latencies(legit, req, measured / 3, interval); // warm-up
        long[] idle = latencies(legit, req, measured, interval);

        AtomicBoolean flooding = new AtomicBoolean(true);
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        LongAdder failures = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < senders; i++) {
          HttpRequest bad = HttpRequest.newBuilder(base.resolve("/v1/keys"))
              .header("Authorization", "Bearer forged-token-" + i).GET().build();
          threads.add(Thread.ofVirtual().start(() -> {
            while (flooding.get()) {
              try {
                int st = flooder.send(bad, HttpResponse.BodyHandlers.discarding()).statusCode();
                statuses.computeIfAbsent(st, k -> new LongAdder()).increment();
              } catch (IOException e) {
                failures.increment();
              } catch (InterruptedException e) {
                return;
              }
            }
          }));
        }
        Thread.sleep(2000); // the flood reaches its steady state (and the backoff its cap)
        long floodStart = System.nanoTime();
        long before = statuses.values().stream().mapToLong(LongAdder::sum).sum();
        long[] flooded = latencies(legit, req, measured, interval);
        long floodNanos = System.nanoTime() - floodStart;
        long during = statuses.values().stream().mapToLong(LongAdder::sum).sum() - before;
        flooding.set(false);
        for (Thread t : threads) {
          t.join(10_000);
        }
        report(path, idle, flooded, during * 1e9 / floodNanos, statuses, failures.sum());
      }
    } finally {
      node.destroy();
      node.waitFor();
    }
  }

  private static void awaitHealthy(HttpClient c, URI health, Process node) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!node.isAlive()) {
        throw new IllegalStateException("the node exited with " + node.exitValue());
      }
      try {
        if (c.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the node did not become healthy within 60 s");
  }

  private static long[] latencies(HttpClient c, HttpRequest req, int n, long interval) throws Exception {
    long[] out = new long[n];
    long next = System.nanoTime();
    for (int i = 0; i < n; i++) {
      next += interval;
      long t0 = System.nanoTime();
      HttpResponse<Void> r = c.send(req, HttpResponse.BodyHandlers.discarding());
      out[i] = System.nanoTime() - t0;
      if (r.statusCode() != 200) {
        throw new IllegalStateException(req.uri().getPath() + " answered " + r.statusCode()
            + " to the legitimate client");
      }
      long pause = next - System.nanoTime();
      if (pause > 0) {
        Thread.sleep(Duration.ofNanos(pause));
      }
    }
    Arrays.sort(out);
    return out;
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
  }

  private static void report(String path, long[] idle, long[] flooded, double floodRate,
      Map<Integer, LongAdder> statuses, long failures) {
    System.out.printf(Locale.ROOT, "%nGET %s (legitimate client, 127.0.0.1)%n", path);
    System.out.printf(Locale.ROOT, "  idle     p50 %7.3f ms   p99 %7.3f ms%n", ms(idle, 0.50), ms(idle, 0.99));
    System.out.printf(Locale.ROOT, "  flooded  p50 %7.3f ms   p99 %7.3f ms%n", ms(flooded, 0.50), ms(flooded, 0.99));
    double ratio = ms(flooded, 0.99) / ms(idle, 0.99);
    System.out.printf(Locale.ROOT, "  p99 flooded/idle = %.2f (goal <= 2.00: %s)%n", ratio, ratio <= 2.0 ? "met" : "NOT met");
    StringBuilder s = new StringBuilder();
    statuses.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> s.append(' ').append(e.getKey()).append('×').append(e.getValue().sum()));
    System.out.printf(Locale.ROOT, "  flood: %.0f requests/s during the measurement; answers:%s; connection errors %d%n",
        floodRate, s, failures);
  }
}
