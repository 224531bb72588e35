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
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * Finding every certificate of a compromised public key (SS-002 11.6.1) in an inventory of
 * 1,000,000 certificates on SQLite: {@link CertificateRecords#certificatesOfKey} through the
 * SPKI-hash index of migration V8, next to the baseline of reading one certificate by its serial
 * (the primary key) in the same run. The goal is that the lookup costs about as much as the
 * baseline, whatever the inventory's size — not a scan of it.
 *
 * <p>The store is built once (as {@link CertificateInventoryBenchmark} builds its own) in
 * {@code java.io.tmpdir/custos-bench-compromise} and kept for later runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CompromiseLookupBenchmark {
  private static final int PROBES = 1000;
  private JdbcStorage storage;
  private CertificateRecords certs;
  private final List<String> serials = new ArrayList<>();
  private final List<byte[]> keys = new ArrayList<>();
  private int next;

  @Setup(Level.Trial)
  public void open() throws IOException, SQLException {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "custos-bench-compromise");
    Files.createDirectories(dir);
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), "bench", InstantSource.system());
    certs = storage.certificates();
    long have = certs.count();
    if (have != 0 && have != CertificateInventoryBenchmark.TOTAL) {
      throw new IllegalStateException(dir + " holds " + have + " certificates; delete it to rebuild");
    }
    if (have == 0) {
      CertificateInventoryBenchmark.fill(certs);
    }
    // Probes spread over the serial space: one page from each of PROBES starting points.
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    while (serials.size() < PROBES) {
      String from = Long.toHexString(random.nextLong() & Long.MAX_VALUE);
      List<CertificateRow> page = certs.query(new CertificateRecords.Query(Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.of(from), 1));
      for (CertificateRow r : page) {
        serials.add(r.serial());
        keys.add(r.spkiHash());
      }
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("custos.db"));
        PreparedStatement ps = c.prepareStatement("EXPLAIN QUERY PLAN SELECT serial FROM certificate WHERE spki_hash = ?")) {
      ps.setBytes(1, keys.getFirst());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          System.out.println("query plan: " + rs.getString(4));
        }
      }
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    storage.close();
  }

  /** Baseline: one certificate by its serial (primary key). */
  @Benchmark
  public Optional<CertificateRow> rawBySerial() {
    return certs.get(serials.get(next++ % PROBES));
  }

  /** Every certificate carrying one public key, in every CA (the first step of compromise declare). */
  @Benchmark
  public List<CertificateRow> certificatesOfKey() {
    return certs.certificatesOfKey(keys.get(next++ % PROBES));
  }
}
