package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.StorageException;
import io.custos.store.AuditRecords;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.security.KeyPairGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuditLogTest {
  private static final String KEY = "custos-audit-test";
  private final MemoryAuditRecords store = new MemoryAuditRecords();
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-23T10:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private final Ed25519CheckpointSigner signer;
  private AuditLog log;

  AuditLogTest() throws Exception {
    signer = new Ed25519CheckpointSigner(KEY, KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
  }

  private AuditLog open(int every, Duration interval) {
    log = AuditLog.open(store, signer, KEY, clock, new AuditLog.Settings(every, interval, 256));
    return log;
  }

  @AfterEach
  void close() {
    if (log != null) {
      log.close();
    }
  }

  static AuditDraft draft(String action) {
    return AuditDraft.ok("req-1", new AuditEvent.Principal("alice", "token"), action, "kms/keys/payments",
        "127.0.0.1", Map.of("keyVersion", "3"));
  }

  @Test
  @DisplayName("SS-002 11.7.1 — every recorded event is durable, numbered 1, 2, 3 … when record returns")
  void recordsInOrder() {
    open(1000, Duration.ofHours(1));
    assertThat(log.record(draft("kms.encrypt"))).isEqualTo(1);
    assertThat(log.record(draft("kms.decrypt"))).isEqualTo(2);
    assertThat(store.events).hasSize(2);
    AuditEvent second = EventCodec.decode(store.events.get(1).event());
    assertThat(second.seq()).isEqualTo(2);
    assertThat(second.action()).isEqualTo("kms.decrypt");
    assertThat(second.time()).isEqualTo(now.get());
    assertThat(store.events.get(1).leafHash()).isEqualTo(MerkleTree.leafHash(store.events.get(1).event()));
  }

  @Test
  @DisplayName("SS-002 11.7.1, 11.1.10 — a write joined to its event commits with it or not at all; a refused one fails alone, batch or not")
  void joinedWritesCommitWithTheirEvents() throws Exception {
    open(1000, Duration.ofHours(1));
    io.custos.store.MemoryCertificateRecords inventory = new io.custos.store.MemoryCertificateRecords();
    int keys = 100;
    // Two requests race for every key: the inventory takes the first and refuses the second.
    List<Callable<Boolean>> tasks = new ArrayList<>();
    for (int i = 0; i < 2 * keys; i++) {
      int n = i;
      tasks.add(() -> {
        try {
          log.record(draft("cert.issued"), inventory.joinedAdd(row(Integer.toHexString(0x1000 + n), n % keys)));
          return true;
        } catch (io.custos.failure.ConflictException e) {
          assertThat(e).hasMessageContaining("already certified");
          return false;
        }
      });
    }
    long ok = 0;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Future<Boolean> f : pool.invokeAll(tasks)) {
        ok += f.get() ? 1 : 0;
      }
    }
    assertThat(ok).isEqualTo(keys);
    assertThat(inventory.count()).isEqualTo(keys);
    assertThat(log.size()).isEqualTo(keys);
    assertThat(store.events).extracting(AuditRecords.EventRow::seq)
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, keys).boxed().toList());
  }

  private static io.custos.store.CertificateRecords.CertificateRow row(String serial, int key) {
    Instant t = Instant.parse("2026-11-23T10:00:00Z");
    return new io.custos.store.CertificateRecords.CertificateRow(serial, "issuing", "svc", "Service", "svc@example.com",
        "tls-server", "CN=svc", List.of(), java.nio.ByteBuffer.allocate(32).putInt(key).array(), t,
        t.plus(Duration.ofDays(90)), t, "good", Optional.empty(), Optional.empty(), new byte[] {0x30, 0x00});
  }

  @Test
  @DisplayName("SS-002 11.7.1 — concurrent callers share commits and every event gets a distinct, gapless seq")
  void groupCommit() throws Exception {
    open(500, Duration.ofHours(1));
    int threads = 16;
    int each = 200;
    List<Callable<List<Long>>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      tasks.add(() -> {
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < each; i++) {
          seqs.add(log.record(draft("kms.encrypt")));
        }
        return seqs;
      });
    }
    Set<Long> all = new HashSet<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Future<List<Long>> f : pool.invokeAll(tasks)) {
        all.addAll(f.get());
      }
    }
    assertThat(all).hasSize(threads * each);
    assertThat(all).allMatch(s -> s >= 1 && s <= threads * each);
    assertThat(store.appendCalls).isLessThan(threads * each); // batches, not one commit per event
    assertThat(log.size()).isEqualTo(threads * each);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — fail closed: when the store cannot be written the caller is refused, and nothing is half-written")
  void failClosed() {
    open(1000, Duration.ofHours(1));
    log.record(draft("kms.encrypt"));
    store.unwritable = true;
    assertThatThrownBy(() -> log.record(draft("kms.decrypt")))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("operation refused (fail closed)");
    assertThat(log.size()).isEqualTo(1);
    store.unwritable = false;
    assertThat(log.record(draft("kms.decrypt"))).isEqualTo(2);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — checkpoints are signed every N events and every T while events arrive, and verify")
  void checkpoints() throws Exception {
    open(10, Duration.ofSeconds(30));
    for (int i = 0; i < 25; i++) {
      log.record(draft("kms.encrypt"));
    }
    waitFor(() -> store.checkpoints.containsKey(20L));
    assertThat(store.checkpoints.keySet()).contains(10L, 20L);
    now.set(now.get().plusSeconds(31));
    waitFor(() -> store.checkpoints.containsKey(25L));
    SignedCheckpoint latest = log.latestCheckpoint().orElseThrow();
    assertThat(latest.checkpoint().size()).isEqualTo(25);
    assertThat(latest.checkpoint().rootHash()).isEqualTo(log.rootHash(25));

    List<LogEntry> export = new ArrayList<>();
    for (AuditRecords.EventRow r : store.events) {
      export.add(new LogEntry.EncodedEvent(r.event()));
      AuditRecords.CheckpointRow cp = store.checkpoints.get(r.seq());
      if (cp != null) {
        export.add(new LogEntry.CheckpointNote(cp.note()));
      }
    }
    VerificationResult result = new LogVerifier(signer.publicKey(), KEY).verify(export);
    assertThat(result).isInstanceOf(VerificationResult.Verified.class);
    assertThat(((VerificationResult.Verified) result).events()).isEqualTo(25);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — inclusion and consistency proofs from the live log verify against its roots")
  void proofs() {
    open(1000, Duration.ofHours(1));
    for (int i = 0; i < 37; i++) {
      log.record(draft("kms.encrypt"));
    }
    for (long seq : new long[] {1, 17, 37}) {
      AuditLog.InclusionProof p = log.inclusionProof(seq, 37);
      assertThat(p.leafHash()).isEqualTo(store.events.get((int) seq - 1).leafHash());
      assertThat(p.rootHash()).isEqualTo(log.rootHash(37));
      assertThat(MerkleTree.verifyInclusion(store.events.get((int) seq - 1).leafHash(), seq - 1, 37, p.path(),
          log.rootHash(37))).isTrue();
    }
    AuditLog.ConsistencyProof c = log.consistencyProof(13, 37);
    assertThat(c.oldRoot()).isEqualTo(log.rootHash(13));
    assertThat(c.newRoot()).isEqualTo(log.rootHash(37));
    assertThat(MerkleTree.verifyConsistency(13, 37, log.rootHash(13), log.rootHash(37), c.path())).isTrue();
    assertThatThrownBy(() -> log.inclusionProof(38, 37)).hasMessageContaining("not between 1 and tree size 37");
    assertThatThrownBy(() -> log.consistencyProof(1, 99)).hasMessageContaining("log size 37");
  }

  @Test
  @DisplayName("SS-002 11.7.1 — reopening continues the log; a log changed behind its checkpoint is refused")
  void reopen() {
    open(5, Duration.ofHours(1));
    for (int i = 0; i < 5; i++) {
      log.record(draft("kms.encrypt"));
    }
    log.close();
    log = open(5, Duration.ofHours(1));
    assertThat(log.size()).isEqualTo(5);
    assertThat(log.record(draft("kms.sign"))).isEqualTo(6);
    log.close();
    log = null;
    // Swap in a forged event 3 behind the checkpoint at 5.
    AuditRecords.EventRow real = store.events.get(2);
    AuditEvent e = EventCodec.decode(real.event());
    byte[] forged = EventCodec.encode(new AuditEvent(e.seq(), e.time(), e.requestId(), e.principal(), "kms.verify",
        e.resource(), e.outcome(), e.control(), e.clientAddress(), e.params()));
    store.events.set(2, new AuditRecords.EventRow(3, real.recordedAt(), forged, MerkleTree.leafHash(forged)));
    assertThatThrownBy(() -> open(5, Duration.ofHours(1)))
        .isInstanceOf(StorageException.class).hasMessageContaining("does not match its latest signed checkpoint");
  }

  @Test
  @DisplayName("a malformed draft fails in the caller's thread and never reaches the log")
  void malformedDraft() {
    open(1000, Duration.ofHours(1));
    assertThatThrownBy(() -> AuditDraft.ok("r", new AuditEvent.Principal("a", "token"), "NotAnAction", "", "", Map.of()))
        .hasMessageContaining("action");
    assertThat(log.size()).isZero();
    assertThat(Optional.ofNullable(log.latestCheckpoint().orElse(null))).isEmpty();
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5s");
      }
      Thread.sleep(10);
    }
  }
}
