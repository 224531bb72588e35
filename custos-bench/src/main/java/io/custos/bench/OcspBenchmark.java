package io.custos.bench;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.audit.AuditDraft;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.ca.CertificateAuthority;
import io.custos.ca.OcspResponder;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.SignatureVerifier;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.server.ApiRoute;
import io.custos.server.ApiServer;
import io.custos.server.Metrics;
import io.custos.server.OcspRoutes;
import io.custos.server.RateLimits;
import io.custos.server.RouteModule;
import io.custos.server.ServerSettings;
import io.custos.store.CertificateRecords;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.system.ProductVersion;
import io.custos.system.SystemHealth;
import io.custos.system.SystemState;
import io.custos.x509.CaLevel;
import io.custos.x509.Ocsp;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * OCSP answers per second over HTTP from kept (pre-signed) responses (SS-002 11.6.1: a flood of
 * requests costs no signing), next to the baseline of the same run: an empty handler on the same
 * server stack (Jetty, Javalin, request ids, rate-limit check, request log and metrics) answering a
 * GET with a few bytes. Goal: ≥ 20,000 answers/s on two cores.
 *
 * <p>One P-256 issuing CA in a real SQLite store with {@code custos.bench.ocsp.serials} (default
 * 10,000) certificates in its inventory; every serial is asked for once before measuring, so the
 * measured requests are all cache hits, rotating over every serial. 32 keep-alive HTTP/1.1
 * clients (the minimal {@link KeepAliveClient}) share the machine with the server, so the figures
 * include the clients' cost. Rate limits are off (every client is on 127.0.0.1). Also measured in process: the responder's
 * {@code respond} on a kept answer (parsing and the CertID check) and a fresh signature (a miss).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 10)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class OcspBenchmark {
  static final int SERIALS = Integer.getInteger("custos.bench.ocsp.serials", 10_000);
  private static final Caller CALLER = new Caller("bench", "token", "127.0.0.1", "bench");
  private Path dir;
  private JdbcStorage storage;
  private Barrier barrier;
  private KeyManager keys;
  private OcspResponder responder;
  private OcspResponder signingEveryTime;
  private ApiServer server;
  private InetSocketAddress address;
  private byte[] empty;
  private byte[][] gets;
  private byte[][] posts;
  private byte[][] requests;
  private final AtomicInteger next = new AtomicInteger();

  @Setup(Level.Trial)
  public void open() throws Exception {
    CryptoModule module = FipsCryptoModule.start();
    AsymmetricProvider provider = AsymmetricProviders.select("auto");
    System.out.println("provider: " + provider.name());
    dir = Files.createTempDirectory("custos-bench-ocsp-");
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), "bench", InstantSource.system());
    barrier = new Barrier(BarrierKeyring.create(module));
    keys = new KeyManager(storage.records(), () -> barrier, module, provider, AlgorithmPolicy.defaults(),
        AccessGate.devMode(), Clock.systemUTC());
    CertificateAuthority ca = new CertificateAuthority(storage.records(), () -> barrier, keys, storage.certificates(),
        AccessGate.devMode(), SignatureVerifier.of(provider), module.drbg(), Clock.systemUTC(),
        id -> Optional.of(new CertificateAuthority.Owner(id, "Bench service", "bench@example.com")),
        "http://127.0.0.1", List.of());
    ca.createDevRoot(CALLER, "root", "ecdsa-p384", "CN=Bench Root,O=Example Ltd,C=GB", Duration.ofDays(3650));
    ca.create(CALLER, "issuing", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Bench Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(CALLER, "root", "issuing", Duration.ofDays(365 * 3));

    // The inventory: what the responder reads a status from (the certificates themselves are not needed).
    Random random = new Random(42);
    List<CertificateRecords.CertificateRow> rows = new ArrayList<>();
    Instant now = Instant.now();
    Ocsp.IssuerHashes issuer = Ocsp.IssuerHashes.of(ca.chain("issuing").getFirst());
    requests = new byte[SERIALS][];
    for (int i = 0; i < SERIALS; i++) {
      byte[] spkiHash = new byte[32];
      random.nextBytes(spkiHash);
      BigInteger serial = new BigInteger(127, random).setBit(126);
      rows.add(new CertificateRecords.CertificateRow(serial.toString(16), "issuing", "bench", "Bench", "bench@example.com",
          "tls-server", "CN=host" + i, List.of("dns:host" + i + ".example.com"), spkiHash, now, now.plus(Duration.ofDays(90)),
          now, i % 10 == 0 ? "revoked" : "good", i % 10 == 0 ? Optional.of(now) : Optional.empty(),
          i % 10 == 0 ? Optional.of("superseded") : Optional.empty(), new byte[] {0x30, 0}));
      requests[i] = Ocsp.request(List.of(issuer.certId("SHA-1", serial)), Optional.empty());
    }
    storage.certificates().addAll(rows);

    List<AuditDraft> audited = new java.util.concurrent.CopyOnWriteArrayList<>();
    OcspResponder.Settings d = OcspResponder.Settings.defaults();
    responder = new OcspResponder(ca, keys, storage.certificates(), storage.records(), () -> barrier, audited::add,
        Clock.systemUTC(), new OcspResponder.Settings(d.responseValidity(), d.responderValidity(), d.responderAlgorithm(),
            false, Math.max(SERIALS, 10), 8, 1_000_000, 1_000_000));
    // A second responder whose every request misses (a cache of 10 and distinct serials): the signing cost.
    signingEveryTime = new OcspResponder(ca, keys, storage.certificates(), storage.records(), () -> barrier,
        audited::add, Clock.systemUTC(), new OcspResponder.Settings(d.responseValidity(), d.responderValidity(),
            d.responderAlgorithm(), false, 10, 8, 1_000_000, 1_000_000));
    // Every answer pre-signed by the refresh walk over the SQLite inventory, paced per pass as in a node.
    long start = System.nanoTime();
    int passes = 0;
    while (responder.coverage().kept() < SERIALS || !responder.coverage().complete()) {
      if (++passes > 1000) {
        throw new IllegalStateException("pre-signing did not cover the inventory: " + responder.coverage());
      }
      responder.refresh();
    }
    System.out.printf("%,d answers pre-signed and kept by %d refresh pass(es) in %.1f s%n", SERIALS, passes,
        (System.nanoTime() - start) / 1e9);
    long signatures = responder.signatures();
    for (byte[] r : requests) {
      if (responder.respond("issuing", r).status() != 0) {
        throw new IllegalStateException("the responder refused a bench request");
      }
    }
    if (responder.signatures() != signatures) {
      throw new IllegalStateException("a request for a pre-signed serial was signed on request");
    }

    RouteModule emptyModule = r -> r.add(new ApiRoute("GET", "/v1/bench/empty", "benchEmpty", "An empty handler",
        "bench", Map.of(200, "ok"), Map.of(), Optional.empty()), ctx -> ctx.result("ok"));
    ServerSettings settings = new ServerSettings("127.0.0.1", 0, Optional.empty(), true, 1024 * 1024,
        Duration.ofSeconds(30), ServerSettings.DEFAULT_STOP_TIMEOUT, RateLimits.defaults()
            .withPerAddress(RateLimits.Rate.OFF).withPerPrincipal(RateLimits.Rate.OFF));
    SystemHealth health = new SystemHealth(new ProductVersion("bench", "bench"), storage, () -> SystemState.UNSEALED,
        InstantSource.system(), true);
    Metrics metrics = new Metrics();
    server = ApiServer.start(settings, "bench", health, List.of(emptyModule, OcspRoutes.module(responder, metrics)),
        metrics);
    URI base = server.address();
    address = KeepAliveClient.address(base);
    empty = KeepAliveClient.request(base, "GET", "/v1/bench/empty", "", new byte[0]);
    gets = new byte[SERIALS][];
    posts = new byte[SERIALS][];
    for (int i = 0; i < SERIALS; i++) {
      gets[i] = KeepAliveClient.request(base, "GET", "/v1/ocsp/issuing/"
          + URLEncoder.encode(Base64.getEncoder().encodeToString(requests[i]), StandardCharsets.US_ASCII), "", new byte[0]);
      posts[i] = KeepAliveClient.request(base, "POST", "/v1/ocsp/issuing", "Content-Type: application/ocsp-request\r\n",
          requests[i]);
    }
    try (KeepAliveClient probe = new KeepAliveClient(address)) {
      check(probe.send(gets[0]));
      check(probe.send(posts[0]));
    }
  }

  /** One keep-alive connection per benchmark thread. */
  @State(Scope.Thread)
  public static class Connection {
    KeepAliveClient client;

    @Setup(Level.Trial)
    public void open(OcspBenchmark bench) throws IOException {
      if (bench.address != null) {
        client = new KeepAliveClient(bench.address);
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      if (client != null) {
        client.close();
      }
    }
  }

  private static byte[] check(byte[] body) {
    if (Ocsp.responseStatus(body) != 0) {
      throw new IllegalStateException("OCSP response status " + Ocsp.responseStatus(body));
    }
    return body;
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    server.close();
    responder.close();
    signingEveryTime.close();
    keys.close();
    barrier.close();
    storage.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private int nextIndex() {
    return Math.floorMod(next.getAndIncrement(), SERIALS);
  }

  /** Baseline: an empty GET handler on the same server stack, from 32 keep-alive clients. */
  @Benchmark
  @Threads(32)
  public byte[] rawEmptyHandler(Connection c) throws IOException {
    return c.client.send(empty);
  }

  /** GET /v1/ocsp/issuing/{request}: kept answers with caching headers, 32 keep-alive clients. */
  @Benchmark
  @Threads(32)
  public byte[] httpGetCached(Connection c) throws IOException {
    return check(c.client.send(gets[nextIndex()]));
  }

  /** POST /v1/ocsp/issuing: kept answers, 32 keep-alive clients. */
  @Benchmark
  @Threads(32)
  public byte[] httpPostCached(Connection c) throws IOException {
    return check(c.client.send(posts[nextIndex()]));
  }

  /** In process: parsing, the CertID check and the kept answer, on every core. */
  @Benchmark
  @Threads(Threads.MAX)
  public byte[] respondCached() {
    return responder.respond("issuing", requests[nextIndex()]).der();
  }

  /** In process: an answer signed for the request (a cache miss: inventory read and a P-256 signature). */
  @Benchmark
  @Threads(Threads.MAX)
  public byte[] respondSigning() {
    return signingEveryTime.respond("issuing", requests[nextIndex()]).der();
  }
}
