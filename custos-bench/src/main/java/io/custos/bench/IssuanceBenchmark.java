package io.custos.bench;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.ca.CertificateAuthority;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.SignatureVerifier;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.x509.CaLevel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Certificates issued per second by {@link CertificateAuthority#issue} in process — request
 * parsing and proof of possession, every profile and ladder check, the certified-key index, the
 * signature by a P-256 issuing CA held in the barrier, and the inventory row in a real SQLite
 * store — next to the raw crypto ceiling measured in the same run: one P-256 request signature
 * verification plus one P-256 certificate signature through the configured provider (AWS-LC
 * where it loads). The goal is ≥ 0.7 × the ceiling. Run with {@code -t 1} and {@code -t 2}.
 *
 * <p>Keys are never certified twice, so setup makes a pool of fresh requests (one key pair each).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class IssuanceBenchmark {
  static final int POOL = Integer.getInteger("custos.bench.csrs", 200_000);
  private static final Caller CALLER = new Caller("bench", "token", "127.0.0.1", "bench");
  private Path dir;
  private JdbcStorage storage;
  private Barrier barrier;
  private KeyManager keys;
  private CertificateAuthority ca;
  private CertificateAuthority caInMemory;
  private byte[][] csrs;
  private final AtomicInteger next = new AtomicInteger();
  private IssuanceCeiling ceiling;

  @Setup(Level.Trial)
  public void open() throws Exception {
    CryptoModule module = FipsCryptoModule.start();
    AsymmetricProvider provider = AsymmetricProviders.select("auto");
    System.out.println("provider: " + provider.name());
    dir = Files.createTempDirectory("custos-bench-issue-");
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), "bench", InstantSource.system());
    barrier = new Barrier(BarrierKeyring.create(module));
    keys = new KeyManager(storage.records(), () -> barrier, module, provider, AlgorithmPolicy.defaults(),
        AccessGate.devMode(), Clock.systemUTC());
    SignatureVerifier verifier = SignatureVerifier.of(provider);
    ca = new CertificateAuthority(storage.records(), () -> barrier, keys, storage.certificates(), AccessGate.devMode(),
        verifier, module.drbg(), Clock.systemUTC(),
        id -> Optional.of(new CertificateAuthority.Owner(id, "Bench service", "bench@example.com")),
        "https://pki.example.com", List.of());
    ca.createDevRoot(CALLER, "root", "ecdsa-p384", "CN=Bench Root,O=Example Ltd,C=GB", Duration.ofDays(3650));
    ca.create(CALLER, "issuing", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Bench Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(CALLER, "root", "issuing", Duration.ofDays(365 * 3));
    // The same CAs and keys, the inventory in memory: what issuance costs besides the durable write.
    caInMemory = new CertificateAuthority(storage.records(), () -> barrier, keys, new InMemoryInventory(),
        AccessGate.devMode(), verifier, module.drbg(), Clock.systemUTC(),
        id -> Optional.of(new CertificateAuthority.Owner(id, "Bench service", "bench@example.com")),
        "https://pki.example.com", List.of());

    csrs = IssuanceCeiling.requests(POOL);
    int n = 1024;
    byte[] sample = ca.issue(CALLER, "issuing", "tls-server", csrs[POOL - 1 - n], "bench", Optional.empty())
        .certificate();
    // A certificate body of the size issuance signs.
    byte[] tbs = org.bouncycastle.asn1.x509.Certificate.getInstance(sample).getTBSCertificate().getEncoded("DER");
    System.out.println("certificate: " + sample.length + " bytes, to-be-signed " + tbs.length + " bytes");
    ceiling = new IssuanceCeiling(module, provider, java.util.Arrays.copyOfRange(csrs, POOL - n, POOL), tbs);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    System.out.println("certificates issued: " + storage.certificates().count());
    ceiling.close();
    keys.close();
    barrier.close();
    storage.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** One certificate issued from a fresh request, stored in the inventory. */
  @Benchmark
  public byte[] issue() {
    int i = next.getAndIncrement();
    if (i >= POOL - 1100) {
      throw new IllegalStateException("the pool of " + POOL + " requests is used up; raise -Dcustos.bench.csrs");
    }
    return ca.issue(CALLER, "issuing", "tls-server", csrs[i], "bench", Optional.empty()).certificate();
  }

  /**
   * The same issuance with the inventory in memory: everything but the durable SQLite write
   * (WAL, synchronous=FULL, one transaction per certificate).
   */
  @Benchmark
  public byte[] issueInventoryInMemory() {
    int i = next.getAndIncrement();
    if (i >= POOL - 1100) {
      throw new IllegalStateException("the pool of " + POOL + " requests is used up; raise -Dcustos.bench.csrs");
    }
    return caInMemory.issue(CALLER, "issuing", "tls-server", csrs[i], "bench", Optional.empty()).certificate();
  }

  /** A certificate inventory in memory (serials and certified keys only). */
  private static final class InMemoryInventory implements io.custos.store.CertificateRecords {
    private final java.util.concurrent.ConcurrentHashMap<String, CertificateRow> rows =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<String, String> keys =
        new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void add(CertificateRow row) {
      if (keys.putIfAbsent(java.util.HexFormat.of().formatHex(row.spkiHash()), row.serial()) != null
          || rows.putIfAbsent(row.serial(), row) != null) {
        throw new io.custos.failure.ConflictException("already certified");
      }
    }

    /** Never carried out here: the in-process benchmark adds rows through {@link #add} and records no events. */
    @Override
    public io.custos.store.JoinedWrite joinedAdd(CertificateRow row) {
      return () -> "certificate " + row.serial();
    }

    @Override
    public Optional<String> certifiedKey(byte[] spkiHash) {
      return Optional.ofNullable(keys.get(java.util.HexFormat.of().formatHex(spkiHash)));
    }

    @Override
    public Optional<CertificateRow> get(String serial) {
      return Optional.ofNullable(rows.get(serial));
    }

    @Override
    public List<CertificateRow> certificatesOfKey(byte[] spkiHash) {
      return certifiedKey(spkiHash).map(rows::get).stream().toList();
    }

    @Override
    public List<CertificateRow> query(Query query) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean setStatus(String serial, String status, Optional<java.time.Instant> revokedAt,
        Optional<String> reason, java.time.Instant changedAt) {
      return false;
    }

    @Override
    public void forEachRevoked(String ca, java.util.function.Consumer<StatusEntry> each) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<StatusEntry> changedSince(String ca, java.time.Instant since) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long count() {
      return rows.size();
    }
  }

  /** The ceiling: one P-256 request signature verified, one P-256 certificate signature made. */
  @Benchmark
  public byte[] rawCryptoCeiling() {
    return ceiling.run();
  }
}
