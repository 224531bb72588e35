package io.custos.bench;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.InstantSource;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * 1 KiB encryptions per second: raw AES-256-GCM through the validated module (the baseline)
 * next to {@code KeyManager.encrypt} in process over a real SQLite store and barrier — the cost
 * of admission checks (authenticated, authorised, state, purpose, period), the nonce
 * reservation and the ciphertext encoding. The goal is ≥ 0.8 × the baseline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class KmsEncryptBenchmark {
  private static final Caller CALLER = new Caller("bench", "token", "127.0.0.1", "bench");
  private Path dir;
  private JdbcStorage storage;
  private Barrier barrier;
  private KeyManager keys;
  private SecretBytes rawKey;
  private Aead raw;
  private byte[] data;
  private byte[] aad;

  @Setup(Level.Trial)
  public void open() throws IOException {
    CryptoModule module = FipsCryptoModule.start();
    dir = Files.createTempDirectory("custos-bench-kms-");
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), "bench", InstantSource.system());
    barrier = new Barrier(BarrierKeyring.create(module));
    keys = new KeyManager(storage.records(), () -> barrier, module, AsymmetricProviders.select("auto"),
        AlgorithmPolicy.defaults(), AccessGate.devMode(), Clock.systemUTC());
    keys.create(CALLER, KeySpec.of("bench", KeyPurpose.ENCRYPT, "aes-256-gcm", "bench"));
    rawKey = module.drbg().newKey(32);
    raw = module.aes256Gcm(rawKey, NonceBudget.fresh());
    data = new byte[1024];
    module.drbg().nextBytes(data);
    aad = "order-42".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    keys.close();
    barrier.close();
    rawKey.close();
    storage.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Baseline: AES-256-GCM of 1 KiB through the module, nothing else. */
  @Benchmark
  public byte[] rawAes256Gcm() {
    return raw.encrypt(data, aad);
  }

  /** The key manager's encrypt of the same 1 KiB, returning the custos:v1 text. */
  @Benchmark
  public String keyManagerEncrypt() {
    return keys.encrypt(CALLER, "bench", data, aad);
  }
}
