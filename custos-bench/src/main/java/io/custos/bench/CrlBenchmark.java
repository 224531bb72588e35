package io.custos.bench;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.ca.CertificateAuthority;
import io.custos.ca.CrlPublisher;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.KeyPairType;
import io.custos.crypto.SignatureVerifier;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.CertificateRecords;
import io.custos.store.CertificateRecords.CertificateRow;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.x509.CaLevel;
import io.custos.x509.Crls;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
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
 * A CRL of 1,000,000 revoked certificates (SS-002 11.6.4; goal ≤ 10 s): read from a real SQLite
 * inventory through the (ca, status) covering index, encoded and signed by a P-256 issuing CA
 * held in the barrier ({@link CrlPublisher#publish}: the full CRL and its delta, with the CRL
 * number taken from the persisted sequence). Beside it, from the same run:
 * <ul>
 *   <li>{@code rawSign}, the baseline: one P-256 signature over as many bytes as the CRL's
 *       to-be-signed part (hashing 50 MB is most of it);
 *   <li>{@code buildEntries}: reading and encoding the million entries, without signing;
 *   <li>{@code serveFromCache}: what each request for the CRL costs afterwards — the cached bytes,
 *       never re-signed.
 * </ul>
 *
 * <p>The inventory is built once in setup (batches of 10,000) and kept in {@code
 * java.io.tmpdir/custos-bench-crl} for later runs; the CA is made afresh in a temporary store.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx3g"})
public class CrlBenchmark {
  static final int TOTAL = Integer.getInteger("custos.bench.crl.entries", 1_000_000);
  private static final Caller CALLER = new Caller("bench", "token", "127.0.0.1", "bench");
  private JdbcStorage inventory;
  private JdbcStorage caStore;
  private Path caDir;
  private Barrier barrier;
  private KeyManager keys;
  private CrlPublisher publisher;
  private AsymmetricProvider.PrivateKeyHandle signer;
  private byte[] tbsSized;

  @Setup(Level.Trial)
  public void open() throws IOException {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "custos-bench-crl-" + TOTAL);
    Files.createDirectories(dir);
    inventory = JdbcStorage.open(StorageUrl.inDataDir(dir), "bench", InstantSource.system());
    long have = inventory.certificates().count();
    if (have != 0 && have != TOTAL) {
      throw new IllegalStateException(dir + " holds " + have + " certificates; delete it to rebuild");
    }
    if (have == 0) {
      fill(inventory.certificates());
    }
    CryptoModule module = FipsCryptoModule.start();
    AsymmetricProvider provider = AsymmetricProviders.select("auto");
    System.out.println("provider: " + provider.name());
    caDir = Files.createTempDirectory("custos-bench-crl-ca-");
    caStore = JdbcStorage.open(StorageUrl.inDataDir(caDir), "bench", InstantSource.system());
    barrier = new Barrier(BarrierKeyring.create(module));
    keys = new KeyManager(caStore.records(), () -> barrier, module, provider, AlgorithmPolicy.defaults(),
        AccessGate.devMode(), Clock.systemUTC());
    CertificateAuthority ca = new CertificateAuthority(caStore.records(), () -> barrier, keys, inventory.certificates(),
        AccessGate.devMode(), SignatureVerifier.of(provider), module.drbg(), Clock.systemUTC(),
        id -> Optional.empty(), "https://pki.example.com", List.of());
    ca.createDevRoot(CALLER, "root", "ecdsa-p384", "CN=Bench Root,O=Example Ltd,C=GB", Duration.ofDays(3650));
    ca.create(CALLER, "issuing", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Bench Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(CALLER, "root", "issuing", Duration.ofDays(365 * 3));
    publisher = new CrlPublisher(ca, inventory.certificates(), caStore.records(), draft -> {},
        CrlPublisher.Settings.DEFAULTS, Clock.systemUTC(), Optional.empty());
    long start = System.nanoTime();
    CrlPublisher.Published first = publisher.publish("issuing", true);
    System.out.printf("first CRL: %,d entries, %,d bytes, %.2f s%n", first.entries(), first.der().length,
        (System.nanoTime() - start) / 1e9);
    if (first.entries() != TOTAL) {
      throw new IllegalStateException("the CRL lists " + first.entries() + " entries, not " + TOTAL);
    }
    KeyPairMaterial material = module.generateKeyPair(KeyPairType.EC_P256);
    signer = provider.privateKey(KeyPairType.EC_P256, material.privateKey());
    material.close();
    tbsSized = new byte[first.der().length - 80];
    new SplittableRandom(7).nextBytes(tbsSized);
  }

  static void fill(CertificateRecords certs) {
    SplittableRandom random = new SplittableRandom(42);
    long start = System.nanoTime();
    Instant now = Instant.parse("2026-11-29T00:00:00Z");
    String[] reasons = {"keyCompromise", "superseded", "cessationOfOperation", "affiliationChanged", "unspecified"};
    byte[] der = {0x30, 0x00};
    List<CertificateRow> batch = new ArrayList<>(10_000);
    for (int i = 0; i < TOTAL; i++) {
      byte[] serialBytes = new byte[16];
      byte[] spki = new byte[32];
      random.nextBytes(serialBytes);
      random.nextBytes(spki);
      serialBytes[0] = (byte) ((serialBytes[0] & 0x3f) | 0x40);
      String serial = new BigInteger(1, serialBytes).toString(16);
      Instant revoked = now.minusSeconds(random.nextLong(0, 86_400L * 365));
      batch.add(new CertificateRow(serial, "issuing", "owner", "Owner", "owner@example.com", "tls-server",
          "CN=host-" + i + ".example.com", List.of(), spki, revoked.minus(Duration.ofDays(30)),
          revoked.plus(Duration.ofDays(60)), revoked.minus(Duration.ofDays(30)), "revoked", Optional.of(revoked),
          Optional.of(reasons[i % reasons.length]), der));
      if (batch.size() == 10_000) {
        certs.addAll(batch);
        batch.clear();
        if ((i + 1) % 100_000 == 0) {
          System.out.printf("inventory: %,d revoked certificates stored (%.0f s)%n", i + 1,
              (System.nanoTime() - start) / 1e9);
        }
      }
    }
    certs.addAll(batch);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    signer.close();
    keys.close();
    barrier.close();
    caStore.close();
    inventory.close();
    try (Stream<Path> files = Files.walk(caDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Baseline: one P-256 signature over as many bytes as the CRL's to-be-signed part. */
  @Benchmark
  public byte[] rawSign() {
    return signer.sign(tbsSized);
  }

  /** The million entries read from SQLite and encoded, not signed. */
  @Benchmark
  public int buildEntries() {
    Crls.Entries entries = new Crls.Entries();
    inventory.certificates().forEachRevoked("issuing", e -> entries.add(e.serial(), e.revokedAt().orElseThrow(),
        e.reason().orElse("unspecified")));
    return entries.size();
  }

  /** The whole job: a new full CRL of a million entries and its delta, signed by the CA in the barrier. */
  @Benchmark
  public int generateAndSign() {
    return publisher.publish("issuing", false).der().length;
  }

  /** Each request afterwards: the cached CRL's bytes. */
  @Benchmark
  public int serveFromCache() {
    return publisher.full("issuing").orElseThrow().der().length;
  }
}
