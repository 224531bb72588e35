package io.custos.bench;

import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.audit.Checkpoint;
import io.custos.audit.CheckpointKeys;
import io.custos.audit.Ed25519CheckpointSigner;
import io.custos.audit.EventCodec;
import io.custos.audit.InMemoryTree;
import io.custos.audit.LogEntry;
import io.custos.audit.MerkleTree;
import io.custos.audit.OfflineLogImport;
import io.custos.audit.SignedCheckpoint;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.store.StorageUrl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Offline ceremony events imported per second through {@link OfflineLogImport} into a real
 * AuditLog on a real SQLite file — verification of the whole export, fork check, one durable
 * event and one pin update per offline event — next to appending the same {@value #EVENTS}
 * events to the same log directly (the least an import must do), measured in the same run.
 * Scores are per event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class OfflineImportBenchmark {
  static final int EVENTS = 200;
  private static final String OFFLINE = "custos-offline-bench";
  private Path dir;
  private JdbcStorage storage;
  private AuditLog log;
  private byte[] export;
  private String verifierKey;
  private List<AuditDraft> drafts;
  private int round;

  @Setup(Level.Trial)
  public void build() throws GeneralSecurityException, IOException {
    Ed25519CheckpointSigner signer = new Ed25519CheckpointSigner(OFFLINE,
        KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
    verifierKey = CheckpointKeys.verifierKey(OFFLINE, signer.publicKey());
    InMemoryTree tree = new InMemoryTree();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    drafts = new ArrayList<>();
    Instant t = Instant.parse("2026-11-29T00:00:00Z");
    AuditEvent.Principal custodians = new AuditEvent.Principal("custodians", "shares");
    for (int i = 1; i <= EVENTS; i++) {
      Instant time = t.plusMillis(i);
      Map<String, String> params = Map.of("witness", "Wendy Witness", "shares", "2", "crl_number", "" + i,
          "revoked", "0", "next_update_days", "30");
      byte[] e = EventCodec.encode(new AuditEvent(i, time, "ceremony-" + i, custodians, "ceremony.crl",
          "ceremony/root", AuditEvent.Outcome.OK, Optional.empty(), "offline", new TreeMap<>(params)));
      drafts.add(AuditDraft.ok("ceremony-" + i, custodians, "offline.ceremony.crl", "ceremony/root", "offline", params));
      tree.append(MerkleTree.leafHash(e));
      out.write(e);
      out.write('\n');
      if (i % 10 == 0) { // one checkpoint per quorum ceremony, as an offline root signs them
        out.write(LogEntry.of(SignedCheckpoint.sign(new Checkpoint(OFFLINE, i, tree.rootHash(), time), signer))
            .toExportLine());
        out.write('\n');
      }
    }
    export = out.toByteArray();
    dir = Files.createTempDirectory("custos-bench-import-");
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), "bench", InstantSource.system());
    log = AuditLog.open(storage.audit(), Optional.empty(), "online-bench", "online-bench", InstantSource.system(),
        new AuditLog.Settings(1000, Duration.ofSeconds(10), 4096));
  }

  @TearDown(Level.Invocation)
  public void unpin() {
    // Each import starts from an unpinned offline log, so every invocation imports all events.
    storage.records().get("audit.offline", OFFLINE)
        .ifPresent(r -> storage.records().delete("audit.offline", OFFLINE, r.version()));
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    log.close();
    storage.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public OfflineLogImport.Result importExport() {
    OfflineLogImport.Result r = new OfflineLogImport(storage.records(), log).importExport(export,
        Optional.of(verifierKey), new AuditEvent.Principal("officer", "token"), "req-" + round++, "127.0.0.1");
    if (r.imported() != EVENTS) {
      throw new IllegalStateException("imported " + r.imported() + " of " + EVENTS);
    }
    return r;
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public long rawAppend() {
    long last = 0;
    for (AuditDraft d : drafts) {
      last = log.record(d);
    }
    return last;
  }
}
