package io.custos.bench;

import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.Ed25519CheckpointSigner;
import io.custos.audit.AuditLog;
import io.custos.audit.EventCodec;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.Map;
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
 * Durable audit appends per second through the real AuditLog on a real SQLite file (WAL,
 * synchronous=FULL), many callers sharing group commits — next to raw SHA-256 of one encoded
 * event, the cheapest thing an append must do, measured in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AuditAppendBenchmark {
  private Path dir;
  private JdbcStorage storage;
  private AuditLog log;
  private AuditDraft draft;
  private byte[] encoded;
  private MessageDigest sha256;

  @Setup(Level.Trial)
  public void open() throws IOException, NoSuchAlgorithmException {
    dir = Files.createTempDirectory("custos-bench-audit-");
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), "bench", InstantSource.system());
    Ed25519CheckpointSigner signer;
    try {
      signer = new Ed25519CheckpointSigner("custos-audit-bench",
          java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    log = AuditLog.open(storage.audit(), signer, "custos-audit-bench", InstantSource.system(),
        new AuditLog.Settings(1000, Duration.ofSeconds(10), 4096));
    draft = AuditDraft.ok("req-0123456789", new AuditEvent.Principal("svc-payments", "token"), "kms.encrypt",
        "kms/keys/payments", "10.1.2.3", Map.of("keyVersion", "3", "bytes", "4096"));
    encoded = EventCodec.encode(new AuditEvent(1, Instant.now(), "req-0123456789",
        new AuditEvent.Principal("svc-payments", "token"), "kms.encrypt", "kms/keys/payments",
        AuditEvent.Outcome.OK, java.util.Optional.empty(), "10.1.2.3",
        new java.util.TreeMap<>(Map.of("keyVersion", "3", "bytes", "4096"))));
    sha256 = MessageDigest.getInstance("SHA-256");
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    log.close();
    storage.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** One durable event per call; 256 concurrent callers share fsyncs. */
  @Benchmark
  @Threads(256)
  public long appendDurable() {
    return log.record(draft);
  }

  /** Baseline: SHA-256 of one encoded event (single thread). */
  @Benchmark
  @Threads(1)
  public byte[] sha256OfOneEvent() {
    return sha256.digest(encoded);
  }
}
