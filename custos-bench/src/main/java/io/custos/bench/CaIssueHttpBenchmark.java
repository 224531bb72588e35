package io.custos.bench;

import io.custos.app.EmbeddedNode;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Certificates issued per second through the HTTP API ({@code POST /v1/ca/dev-issuing/issue})
 * of a real dev node started in this JVM on 127.0.0.1: SQLite store (WAL, synchronous=FULL),
 * barrier, access check, request parsing and proof of possession, every profile and ladder
 * check, the certified-key index, a P-256 issuing CA signing, the inventory row and its audit
 * event made durable, in one commit, before the answer — from 1 and 2 keep-alive clients ("1 and 2 cores
 * busy"; 8 and 32 clients show what group commit does with more requests in flight). The
 * baseline is the raw crypto ceiling measured in the same run on as many threads (2 for more
 * clients: the machine has two cores): one P-256 request signature
 * verified plus one P-256 certificate signature made, through the configured provider (AWS-LC
 * where it loads). The goal is ≥ 0.7 × that ceiling; cfssl issues ~5,000/s over HTTP here.
 *
 * <p>The clients are a minimal HTTP/1.1 writer and reader over a socket, sending bodies made in
 * setup, so that the figure is the server's; they still share the two cores with it. Keys are
 * never certified twice (SS-002 11.1.10), so setup makes a pool of fresh requests, one key pair
 * each ({@code -Dcustos.bench.csrs}, default 200,000 — raise it if a run uses them up).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// The server (Jetty, Javalin, JSON, audit log, SQLite) needs ~15 s of load to reach its steady state.
@Warmup(iterations = 6, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx3g"})
public class CaIssueHttpBenchmark {
  static final int POOL = Integer.getInteger("custos.bench.csrs", 200_000);
  /** Requests per {@code POST /v1/ca/dev-issuing/issue-batch}. */
  static final int BATCH = 64;
  static final int BATCH_POOL = Integer.getInteger("custos.bench.batchCsrs", 600_000);
  private static final String ROOT_TOKEN = "custos-bench-root";
  private static final String CA = "dev-issuing";
  private Path dir;
  private EmbeddedNode node;
  private InetSocketAddress server;
  private byte[][] requests;
  private final AtomicInteger next = new AtomicInteger();
  private IssuanceCeiling ceiling;

  @Setup(Level.Trial)
  public void open(BenchmarkParams params) throws Exception {
    boolean http = !params.getBenchmark().contains(".raw");
    boolean batch = params.getBenchmark().contains(".httpBatch");
    CryptoModule module = FipsCryptoModule.start();
    AsymmetricProvider provider = AsymmetricProviders.select("auto");
    System.out.println("provider: " + provider.name());
    int pool = http ? (batch ? BATCH_POOL : POOL) : 1024;
    byte[][] csrs = IssuanceCeiling.requests(pool);
    int n = 1024;
    // A certificate body of the size issuance signs (a tls-server leaf from the dev issuing CA).
    byte[] tbs = new byte[650];
    module.drbg().nextBytes(tbs);
    ceiling = new IssuanceCeiling(module, provider, java.util.Arrays.copyOfRange(csrs, pool - n, pool), tbs);

    if (http) {
      dir = Files.createTempDirectory("custos-bench-ca-http-");
      // Every client is on 127.0.0.1 and the root principal: the rate limits would measure themselves.
      node = EmbeddedNode.startDev(dir.resolve("node"), "127.0.0.1:0", ROOT_TOKEN,
          Map.of("limits.per_address", "off", "limits.per_principal", "off"));
      URI base = URI.create(node.address());
      server = KeepAliveClient.address(base);
      if (batch) {
        requests = new byte[(pool - n) / BATCH][];
        IntStream.range(0, requests.length).parallel().forEach(i -> requests[i] = batchRequest(base,
            java.util.Arrays.copyOfRange(csrs, i * BATCH, (i + 1) * BATCH)));
      } else {
        requests = new byte[pool - n][];
        IntStream.range(0, requests.length).parallel().forEach(i -> requests[i] = request(base, csrs[i]));
      }
      try (KeepAliveClient probe = new KeepAliveClient(server)) {
        byte[] first = probe.send(requests[next.getAndIncrement()]);
        System.out.println("first certificate: " + first.length + " bytes of JSON");
      }
    }
  }

  /** The whole HTTP/1.1 request for one CSR, as the client writes it. */
  private static byte[] request(URI base, byte[] csr) {
    byte[] body = item(csr).getBytes(StandardCharsets.US_ASCII);
    return KeepAliveClient.request(base, "POST", "/v1/ca/" + CA + "/issue", "Authorization: Bearer " + ROOT_TOKEN
        + "\r\nContent-Type: application/json\r\nAccept: application/json\r\n", body);
  }

  /** The whole HTTP/1.1 request for a batch of CSRs. */
  private static byte[] batchRequest(URI base, byte[][] csrs) {
    StringBuilder b = new StringBuilder("{\"requests\":[");
    for (int i = 0; i < csrs.length; i++) {
      b.append(i == 0 ? "" : ",").append(item(csrs[i]));
    }
    byte[] body = b.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
    return KeepAliveClient.request(base, "POST", "/v1/ca/" + CA + "/issue-batch", "Authorization: Bearer " + ROOT_TOKEN
        + "\r\nContent-Type: application/json\r\nAccept: application/json\r\n", body);
  }

  /** One request as JSON: the CSR as PEM, the profile, the owner and a lifetime. */
  private static String item(byte[] csr) {
    String pem = "-----BEGIN CERTIFICATE REQUEST-----\\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(csr).replace("\n", "\\n")
        + "\\n-----END CERTIFICATE REQUEST-----\\n";
    return "{\"csr\":\"" + pem + "\",\"profile\":\"tls-server\",\"owner\":\"dev-root\",\"validity\":\"90d\"}";
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    ceiling.close();
    if (node != null) {
      System.out.println("requests sent over HTTP: " + next.get() + "; audit events: " + node.auditSize());
      node.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** One keep-alive connection per benchmark thread. */
  @State(Scope.Thread)
  public static class Connection {
    KeepAliveClient client;

    @Setup(Level.Trial)
    public void open(CaIssueHttpBenchmark bench) throws IOException {
      if (bench.server != null) {
        client = new KeepAliveClient(bench.server);
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      if (client != null) {
        client.close();
      }
    }
  }

  private byte[] issue(Connection c) throws IOException {
    int i = next.getAndIncrement();
    if (i >= requests.length) {
      throw new IllegalStateException("the pool of " + requests.length + " requests is used up; raise "
          + "-Dcustos.bench.csrs (single requests) or -Dcustos.bench.batchCsrs (batches)");
    }
    return c.client.send(requests[i]);
  }

  /** A batch's answer, checked: every request in it was issued. */
  private byte[] issueBatch(Connection c) throws IOException {
    byte[] answer = issue(c);
    String head = new String(answer, 0, Math.min(answer.length, 8192), StandardCharsets.US_ASCII);
    if (!head.contains("\"refused\":0")) {
      throw new IllegalStateException("a batch was not issued whole: " + head.substring(head.indexOf("\"issued\"")));
    }
    return answer;
  }

  /** The ceiling on one thread: one P-256 request signature verified, one P-256 certificate signature made. */
  @Benchmark
  @Threads(1)
  public byte[] rawCryptoCeiling1() {
    return ceiling.run();
  }

  /** The ceiling on two threads. */
  @Benchmark
  @Threads(2)
  public byte[] rawCryptoCeiling2() {
    return ceiling.run();
  }

  /** One certificate over HTTP, one client: about one core busy. */
  @Benchmark
  @Threads(1)
  public byte[] httpIssue1(Connection c) throws IOException {
    return issue(c);
  }

  /** Two clients: both cores busy. */
  @Benchmark
  @Threads(2)
  public byte[] httpIssue2(Connection c) throws IOException {
    return issue(c);
  }

  /** Eight clients: more requests in flight than cores, so inventory rows and audit events commit in groups. */
  @Benchmark
  @Threads(8)
  public byte[] httpIssue8(Connection c) throws IOException {
    return issue(c);
  }

  /**
   * Batches of {@value #BATCH} requests ({@code POST /v1/ca/dev-issuing/issue-batch}), one client:
   * each request still checked, signed, recorded and audited alone; figures are certificates/s.
   */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(BATCH)
  public byte[] httpBatch1(Connection c) throws IOException {
    return issueBatch(c);
  }

  /** Batches from two clients. */
  @Benchmark
  @Threads(2)
  @OperationsPerInvocation(BATCH)
  public byte[] httpBatch2(Connection c) throws IOException {
    return issueBatch(c);
  }

  /** Batches from eight clients: more batches in flight than cores, so one's commit overlaps another's checks. */
  @Benchmark
  @Threads(8)
  @OperationsPerInvocation(BATCH)
  public byte[] httpBatch8(Connection c) throws IOException {
    return issueBatch(c);
  }

  /**
   * Thirty-two clients: a client has at most one certificate per commit (its inventory row and
   * its audit event, committed together); throughput comes from sharing commits.
   */
  @Benchmark
  @Threads(32)
  public byte[] httpIssue32(Connection c) throws IOException {
    return issue(c);
  }
}
