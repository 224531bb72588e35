package io.custos.bench;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.app.EmbeddedNode;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.Aead;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.NonceBudget;
import io.custos.crypto.SecretBytes;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.kms.KeyPurpose;
import io.custos.kms.KeySpec;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
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
 * 1 KiB encryptions per second on every core, three ways in one run: raw AES-256-GCM through the
 * validated module (the baseline), {@code KeyManager.encrypt} in process, and
 * {@code POST /v1/keys/{k}/encrypt} against a real dev node started in this JVM on 127.0.0.1
 * (SQLite store, barrier, access check and one audit event per request, HTTP/1.1 keep-alive, no
 * TLS, rate limits off since every client shares one address) from 32 concurrent clients. The SS-002 goal for the HTTP figure is ≥ 10,000 ops/s on two
 * cores. Client and server share the machine, so the HTTP figure includes the clients' cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// A whole server (Jetty, Javalin, JSON, audit log) takes ~30 s of load to reach its steady state.
@Warmup(iterations = 4, time = 10)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class KmsHttpEncryptBenchmark {
  private static final Caller CALLER = new Caller("bench", "token", "127.0.0.1", "bench");
  private static final String ROOT_TOKEN = "custos-bench-root";
  private Path dir;
  private EmbeddedNode node;
  private HttpClient http;
  private HttpRequest request;
  private JdbcStorage storage;
  private Barrier barrier;
  private KeyManager keys;
  private SecretBytes rawKey;
  private Aead raw;
  private byte[] data;
  private byte[] aad;

  @Setup(Level.Trial)
  public void open() throws Exception {
    CryptoModule module = FipsCryptoModule.start();
    dir = Files.createTempDirectory("custos-bench-http-");
    // Every client is on 127.0.0.1 and the root principal: the rate limits would measure themselves.
    node = EmbeddedNode.startDev(dir.resolve("node"), "127.0.0.1:0", ROOT_TOKEN,
        java.util.Map.of("limits.per_address", "off", "limits.per_principal", "off"));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    String base = node.address().replaceAll("/+$", "");
    HttpResponse<String> created = http.send(json(URI.create(base + "/v1/keys"),
        "{\"name\":\"bench\",\"purpose\":\"encrypt\",\"algorithm\":\"aes-256-gcm\",\"owner\":\"bench\"}"),
        HttpResponse.BodyHandlers.ofString());
    if (created.statusCode() != 201) {
      throw new IllegalStateException("cannot create the key: HTTP " + created.statusCode() + " " + created.body());
    }
    data = new byte[1024];
    module.drbg().nextBytes(data);
    aad = "order-42".getBytes(StandardCharsets.UTF_8);
    request = json(URI.create(base + "/v1/keys/bench/encrypt"), "{\"plaintext\":\""
        + Base64.getEncoder().encodeToString(data) + "\",\"aad\":\"" + Base64.getEncoder().encodeToString(aad) + "\"}");

    storage = JdbcStorage.open(StorageUrl.inDataDir(dir.resolve("in-process")), "bench", InstantSource.system());
    barrier = new Barrier(BarrierKeyring.create(module));
    keys = new KeyManager(storage.records(), () -> barrier, module, AsymmetricProviders.select("auto"),
        AlgorithmPolicy.defaults(), AccessGate.devMode(), Clock.systemUTC());
    keys.create(CALLER, KeySpec.of("bench", KeyPurpose.ENCRYPT, "aes-256-gcm", "bench"));
    rawKey = module.drbg().newKey(32);
    raw = module.aes256Gcm(rawKey, NonceBudget.fresh());
  }

  private static HttpRequest json(URI uri, String body) {
    return HttpRequest.newBuilder(uri).header("Content-Type", "application/json").header("Accept", "application/json")
        .header("Authorization", "Bearer " + ROOT_TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    http.close();
    node.close();
    keys.close();
    barrier.close();
    rawKey.close();
    storage.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Baseline: AES-256-GCM of 1 KiB through the module, nothing else, on every core. */
  @Benchmark
  @Threads(Threads.MAX)
  public byte[] rawAes256Gcm() {
    return raw.encrypt(data, aad);
  }

  /** The key manager's encrypt of the same 1 KiB in process, on every core. */
  @Benchmark
  @Threads(Threads.MAX)
  public String keyManagerEncrypt() {
    return keys.encrypt(CALLER, "bench", data, aad);
  }

  /** The same over HTTP, audited, from 32 concurrent keep-alive clients. */
  @Benchmark
  @Threads(32)
  public String httpEncrypt() throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }
}
