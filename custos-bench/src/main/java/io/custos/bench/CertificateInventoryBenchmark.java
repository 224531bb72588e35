package io.custos.bench;

import io.custos.store.CertificateRecords;
import io.custos.store.CertificateRecords.CertificateRow;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * The certificate inventory at scale (SS-002 11.5.2): with 1,000,000 certificates in a real
 * SQLite store, the latency of {@code cert list --expiring 30d --owner P} — one page of 100 —
 * for an owner of 1,000 certificates (typical) and for one of 100,000 (a platform team holding a
 * tenth of the inventory). The goal is ≤ 200 ms.
 *
 * <p>The store is built once in setup (batches of 10,000 through
 * {@link CertificateRecords#addAll}) and kept in {@code java.io.tmpdir/custos-bench-inventory}
 * for later runs; validity ends spread evenly over a year back and a year ahead. The query plan
 * is printed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CertificateInventoryBenchmark {
  static final int TOTAL = 1_000_000;
  static final int OWNERS = 900; // owners 0..899 share 900,000 certificates; "platform" holds 100,000
  private static final Instant NOW = Instant.parse("2026-11-29T00:00:00Z");
  private JdbcStorage storage;
  private CertificateRecords certs;
  private CertificateRecords.Query typical;
  private CertificateRecords.Query large;
  private CertificateRecords.Query sparse;

  @Setup(Level.Trial)
  public void open() throws IOException, SQLException {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "custos-bench-inventory");
    Files.createDirectories(dir);
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), "bench", InstantSource.system());
    certs = storage.certificates();
    long have = certs.count();
    if (have != 0 && have != TOTAL) {
      throw new IllegalStateException(dir + " holds " + have + " certificates; delete it to rebuild");
    }
    if (have == 0) {
      fill(certs);
    }
    Instant before = NOW.plus(Duration.ofDays(30));
    typical = new CertificateRecords.Query(Optional.empty(), Optional.of("owner-417"), Optional.of(before),
        Optional.empty(), Optional.empty(), 100);
    large = new CertificateRecords.Query(Optional.empty(), Optional.of("platform"), Optional.of(before),
        Optional.empty(), Optional.empty(), 100);
    sparse = new CertificateRecords.Query(Optional.empty(), Optional.of("platform"),
        Optional.of(NOW.minus(Duration.ofDays(360))), Optional.empty(), Optional.empty(), 100);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("custos.db"));
        PreparedStatement ps = c.prepareStatement("EXPLAIN QUERY PLAN SELECT serial FROM certificate WHERE 1 = 1 "
            + "AND owner = ? AND not_after_ms < ? ORDER BY serial LIMIT ?")) {
      ps.setString(1, "owner-417");
      ps.setLong(2, before.toEpochMilli());
      ps.setInt(3, 100);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          System.out.println("query plan: " + rs.getString(4));
        }
      }
    }
    System.out.println("typical owner: " + certs.query(typical).size() + " rows in the first page; platform: "
        + certs.query(large).size());
  }

  static void fill(CertificateRecords certs) {
    SplittableRandom random = new SplittableRandom(42);
    long start = System.nanoTime();
    long yearMs = Duration.ofDays(365).toMillis();
    byte[] der = new byte[600];
    List<CertificateRow> batch = new ArrayList<>(10_000);
    for (int i = 0; i < TOTAL; i++) {
      byte[] serialBytes = new byte[16];
      byte[] spki = new byte[32];
      random.nextBytes(serialBytes);
      random.nextBytes(spki);
      serialBytes[0] = (byte) ((serialBytes[0] & 0x3f) | 0x40);
      String serial = new java.math.BigInteger(1, serialBytes).toString(16);
      String owner = i % 10 == 0 ? "platform" : "owner-" + random.nextInt(OWNERS);
      Instant notAfter = NOW.plusMillis(random.nextLong(-yearMs, yearMs));
      Instant notBefore = notAfter.minus(Duration.ofDays(90));
      random.nextBytes(der);
      batch.add(new CertificateRow(serial, "issuing", owner, "Owner " + owner, owner + "@example.com", "tls-server",
          "CN=host-" + i + ".example.com", List.of("dns:host-" + i + ".example.com"), spki, notBefore, notAfter,
          notBefore, i % 50 == 0 ? "revoked" : "good", Optional.empty(), Optional.empty(), der));
      if (batch.size() == 10_000) {
        certs.addAll(batch);
        batch.clear();
        if ((i + 1) % 100_000 == 0) {
          System.out.printf("inventory: %,d certificates stored (%.0f s)%n", i + 1, (System.nanoTime() - start) / 1e9);
        }
      }
    }
    certs.addAll(batch);
  }

  @TearDown(Level.Trial)
  public void close() {
    storage.close();
  }

  /** {@code cert list --expiring 30d --owner owner-417}: about 1,000 certificates, 540 match. */
  @Benchmark
  public List<CertificateRow> expiringForTypicalOwner() {
    return certs.query(typical);
  }

  /**
   * The worst case of walking in serial order: an owner of 100,000 certificates of which only
   * about 700 match (those that expired 360 to 365 days ago), spread over the whole walk.
   */
  @Benchmark
  public List<CertificateRow> sparseMatchesForLargeOwner() {
    return certs.query(sparse);
  }

  /** {@code cert list --expiring 30d --owner platform}: 100,000 certificates, 54,000 match. */
  @Benchmark
  public List<CertificateRow> expiringForLargeOwner() {
    return certs.query(large);
  }
}
