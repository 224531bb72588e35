package io.custos.audit;

import io.custos.failure.InvalidInputException;
import io.custos.failure.StorageException;
import io.custos.failure.UnavailableException;
import io.custos.store.AuditRecords;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The front door of the tamper-evident audit log (SS-002 11.7.1).
 *
 * <p>{@link #record} returns only when the event is durable; if it cannot be made durable the
 * caller gets a {@link StorageException} and must refuse its operation (fail closed). Callers
 * share fsyncs: one writer thread takes every event waiting in the queue and commits them in
 * one transaction (group commit), so throughput grows with concurrency instead of being one
 * fsync per event.
 *
 * <p>Events are leaves of an RFC 9162 Merkle tree. Every {@code checkpointEvery} events, or
 * {@code checkpointInterval} after the last checkpoint if the log grew, the writer signs a
 * checkpoint (tree size, root hash, time) with the dedicated audit signing key.
 */
public final class AuditLog implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());

  /**
   * @param checkpointEvery sign a checkpoint at least every this many events
   * @param checkpointInterval and at least this often while events arrive
   * @param maxBatch most events committed in one transaction
   */
  public record Settings(int checkpointEvery, Duration checkpointInterval, int maxBatch) {
    public Settings {
      if (checkpointEvery < 1 || maxBatch < 1 || checkpointInterval.isNegative() || checkpointInterval.isZero()) {
        throw new IllegalArgumentException("audit settings must be positive");
      }
    }

    public static Settings defaults() {
      return new Settings(1000, Duration.ofSeconds(10), 2048);
    }
  }

  private record Pending(AuditDraft draft, io.custos.store.JoinedWrite joined, CompletableFuture<Long> done) {}

  private final AuditRecords store;
  // Present while the node is unsealed: the signing key lives under the barrier.
  private volatile CheckpointSigner signer;
  private final byte[] publicKey;
  private final String keyName;
  private final String origin;
  private final InstantSource clock;
  private final Settings settings;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final List<java.util.function.Consumer<List<AuditEvent>>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final TreeFrontier frontier;
  private final Thread writer;
  private volatile boolean closing;
  private volatile long durableSize;
  private volatile SignedCheckpoint latest;
  private Instant lastEventTime;
  private Instant lastCheckpointTime;

  private AuditLog(AuditRecords store, byte[] publicKey, String keyName, String origin, InstantSource clock,
      Settings settings, TreeFrontier frontier, Instant lastEventTime, SignedCheckpoint latest) {
    this.store = store;
    this.publicKey = publicKey;
    this.keyName = keyName;
    this.origin = origin;
    this.clock = clock;
    this.settings = settings;
    this.frontier = frontier;
    this.durableSize = frontier.size();
    this.lastEventTime = lastEventTime;
    this.latest = latest;
    this.lastCheckpointTime = latest == null ? clock.instant() : latest.checkpoint().time();
    this.writer = Thread.ofPlatform().name("custos-audit-writer").daemon().start(this::writeLoop);
  }

  /**
   * Opens the log over its store, rebuilding the tree's right edge from the stored leaf
   * hashes. The latest stored checkpoint must match the stored events, otherwise the log has
   * been tampered with and opening fails with the first size that disagrees.
   */
  public static AuditLog open(AuditRecords store, CheckpointSigner signer, String origin,
      InstantSource clock, Settings settings) {
    AuditLog log = open(store, Optional.of(signer.publicKey()), signer.keyName(), origin, clock, settings);
    log.attachSigner(signer);
    return log;
  }

  /**
   * Opens the log without its signing key (the node is sealed): events are recorded as always,
   * checkpoints wait until {@link #attachSigner} hands the key over.
   *
   * @param publicKey the checkpoint key, if one exists yet; needed to check stored checkpoints
   */
  public static AuditLog open(AuditRecords store, Optional<byte[]> publicKey, String keyName, String origin,
      InstantSource clock, Settings settings) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(settings, "settings");
    TreeFrontier frontier = new TreeFrontier();
    long last = store.lastSeq();
    Optional<AuditRecords.CheckpointRow> latestRow = store.latestCheckpoint();
    byte[] rootAtCheckpoint = null;
    final int chunk = 65_536;
    for (long from = 1; from <= last; from += chunk) {
      long to = Math.min(last, from + chunk - 1);
      for (byte[] h : store.leafHashes(from, to)) {
        frontier.add(h);
        if (latestRow.isPresent() && frontier.size() == latestRow.get().treeSize()) {
          rootAtCheckpoint = frontier.root();
        }
      }
    }
    if (frontier.size() != last) {
      throw new StorageException("audit log has gaps: " + frontier.size() + " leaf hashes for " + last + " events");
    }
    SignedCheckpoint latest = null;
    if (latestRow.isPresent()) {
      byte[] key = publicKey.orElseThrow(() -> new StorageException(
          "audit log has signed checkpoints but the store has no checkpoint public key"));
      latest = SignedCheckpoint.parse(latestRow.get().note(), key, keyName);
      if (rootAtCheckpoint == null || !java.util.Arrays.equals(rootAtCheckpoint, latest.checkpoint().rootHash())) {
        throw new StorageException("audit log does not match its latest signed checkpoint (size "
            + latest.checkpoint().size() + "): events were changed or removed; run `custos audit verify`");
      }
    }
    Instant lastTime = last == 0 ? Instant.EPOCH
        : EventCodec.decode(store.read(last, 1).getFirst().event()).time();
    return new AuditLog(store, publicKey.orElse(null), keyName, origin, clock, settings, frontier, lastTime, latest);
  }

  /**
   * Appends one event and returns its seq once it is durable.
   *
   * @throws StorageException if the event could not be made durable: the caller must refuse
   *     the operation it was about to perform (fail closed)
   */
  public long record(AuditDraft draft) {
    return record(draft, null);
  }

  /**
   * Appends one event together with the write it records — an issued certificate's inventory
   * row — in one transaction, and returns its seq once both are durable: one commit where the
   * write and then its event would take two in sequence. If the write fails (a duplicate, say)
   * neither is stored and its failure is thrown; events committed alongside are unaffected.
   *
   * @param joined a write of this log's store, or {@code null} for none
   * @throws StorageException if the two could not be made durable (fail closed)
   */
  public long record(AuditDraft draft, io.custos.store.JoinedWrite joined) {
    Objects.requireNonNull(draft, "draft");
    if (closing) {
      throw new UnavailableException("audit log is closed; operation refused (fail closed)");
    }
    Pending p = new Pending(draft, joined, new CompletableFuture<>());
    queue.add(p);
    try {
      return p.done().get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new StorageException("audit event could not be made durable; operation refused (fail closed)", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while writing the audit event; operation refused");
    }
  }

  /**
   * Calls {@code listener} on the writer thread with each batch of events once it is durable,
   * in seq order. Listeners must return at once (hand off to their own thread); a listener
   * that throws is logged and does not affect the log.
   */
  public void onCommit(java.util.function.Consumer<List<AuditEvent>> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Number of durable events (the current tree size). */
  public long size() {
    return durableSize;
  }

  public Optional<SignedCheckpoint> latestCheckpoint() {
    return Optional.ofNullable(latest);
  }

  /** Hands over the checkpoint signing key (on unseal); checkpoints resume. */
  public void attachSigner(CheckpointSigner signer) {
    if (!signer.keyName().equals(keyName)) {
      throw new IllegalArgumentException("checkpoint key name " + signer.keyName() + " is not " + keyName);
    }
    this.signer = signer;
  }

  /** Takes the signing key away (on seal); events are still recorded, unsigned until the next unseal. */
  public void detachSigner() {
    this.signer = null;
  }

  /** The checkpoint key name (the signed-note signer) this log checks and signs with. */
  public String keyName() {
    return keyName;
  }

  public boolean canSign() {
    return signer != null;
  }

  /** Signs a checkpoint of everything durable now, unless the latest one already covers it. */
  public SignedCheckpoint checkpointNow() {
    Pending barrier = new Pending(null, null, new CompletableFuture<>());
    queue.add(barrier);
    try {
      barrier.done().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new UnavailableException("audit checkpoint could not be made: " + e.getMessage());
    }
    return latest;
  }

  /** Stored events from {@code fromSeq}, at most {@code max}, in order. */
  public List<AuditRecords.EventRow> events(long fromSeq, int max) {
    return store.read(fromSeq, max);
  }

  /** Result of a {@link #search}: matching events and where to continue, if the scan stopped early. */
  public record SearchPage(java.util.List<AuditEvent> events, java.util.OptionalLong nextFrom) {}

  /**
   * Events from {@code fromSeq} on that match {@code query}, at most {@code limit}; scans at
   * most {@code maxScan} events, then reports where to continue.
   */
  public SearchPage search(AuditQuery query, long fromSeq, int limit, int maxScan) {
    java.util.List<AuditEvent> found = new ArrayList<>();
    long seq = Math.max(1, fromSeq);
    long end = durableSize;
    long scanned = 0;
    while (seq <= end && found.size() < limit) {
      if (scanned >= maxScan) {
        return new SearchPage(found, java.util.OptionalLong.of(seq));
      }
      java.util.List<AuditRecords.EventRow> rows = store.read(seq, (int) Math.min(4096, Math.min(maxScan - scanned, end - seq + 1)));
      if (rows.isEmpty()) {
        break;
      }
      for (AuditRecords.EventRow r : rows) {
        scanned++;
        seq = r.seq() + 1;
        AuditEvent e = EventCodec.decode(r.event());
        if (query.matches(e)) {
          found.add(e);
          if (found.size() == limit) {
            return new SearchPage(found, seq <= end ? java.util.OptionalLong.of(seq) : java.util.OptionalLong.empty());
          }
        }
      }
    }
    return new SearchPage(found, java.util.OptionalLong.empty());
  }

  /** Writes the export form of events {@code from..to} with their checkpoints; see {@link AuditExport}. */
  public long export(long from, long to, java.io.OutputStream out) throws java.io.IOException {
    return AuditExport.write(store, from, to, out);
  }

  /** Stored checkpoints with tree sizes in {@code [fromSize, toSize]}. */
  public List<AuditRecords.CheckpointRow> checkpoints(long fromSize, long toSize) {
    return store.checkpoints(fromSize, toSize);
  }

  /** An RFC 9162 inclusion proof with what it proves: the leaf and the root it leads to. */
  public record InclusionProof(long seq, long treeSize, byte[] leafHash, byte[] rootHash, List<byte[]> path) {}

  /** An RFC 9162 consistency proof with the two roots it links. */
  public record ConsistencyProof(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, List<byte[]> path) {}

  /** Inclusion proof of event {@code seq} in the tree of size {@code treeSize}; one read of the leaves. */
  public InclusionProof inclusionProof(long seq, long treeSize) {
    checkRange(seq, treeSize);
    InMemoryTree tree = storedTree(treeSize);
    return new InclusionProof(seq, treeSize, tree.leafHash(seq - 1), tree.rootHash(),
        MerkleTree.inclusionProof(tree, seq - 1, treeSize));
  }

  /** Consistency proof between trees of sizes {@code oldSize} and {@code newSize}; one read of the leaves. */
  public ConsistencyProof consistencyProof(long oldSize, long newSize) {
    if (oldSize < 1 || oldSize > newSize) {
      throw new InvalidInputException("consistency needs 1 <= old size <= new size, got " + oldSize + " and " + newSize);
    }
    checkRange(newSize, newSize);
    InMemoryTree tree = storedTree(newSize);
    return new ConsistencyProof(oldSize, newSize, tree.rootHash(oldSize), tree.rootHash(),
        MerkleTree.consistencyProof(tree, oldSize, newSize));
  }

  /** RFC 9162 root hash of the first {@code treeSize} events. */
  public byte[] rootHash(long treeSize) {
    checkRange(Math.max(treeSize, 1), Math.max(treeSize, 1));
    return storedTree(treeSize).rootHash();
  }

  private void checkRange(long seq, long treeSize) {
    long size = durableSize;
    if (treeSize < 1 || treeSize > size) {
      throw new InvalidInputException("tree size " + treeSize + " is not between 1 and the log size " + size);
    }
    if (seq < 1 || seq > treeSize) {
      throw new InvalidInputException("seq " + seq + " is not between 1 and tree size " + treeSize);
    }
  }

  private InMemoryTree storedTree(long treeSize) {
    InMemoryTree tree = new InMemoryTree();
    store.leafHashes(1, treeSize).forEach(tree::append);
    return tree;
  }

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>(settings.maxBatch());
    while (!(closing && queue.isEmpty())) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first != null) {
          batch.add(first);
          queue.drainTo(batch, settings.maxBatch() - 1);
          commit(batch);
          batch.clear();
        }
        maybeCheckpoint(false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "audit writer: " + e.getMessage());
        batch.forEach(p -> p.done().completeExceptionally(e));
        batch.clear();
      }
    }
  }

  private void commit(List<Pending> batch) {
    List<AuditRecords.EventRow> rows = new ArrayList<>(batch.size());
    List<byte[]> leaves = new ArrayList<>(batch.size());
    List<Pending> events = new ArrayList<>(batch.size());
    List<AuditEvent> committed = new ArrayList<>(batch.size());
    List<io.custos.store.JoinedWrite> joined = new ArrayList<>();
    boolean forceCheckpoint = false;
    long seq = frontier.size();
    Instant time = lastEventTime;
    for (Pending p : batch) {
      if (p.draft() == null) {
        forceCheckpoint = true;
        continue;
      }
      Instant now = clock.instant();
      time = now.isAfter(time) ? now : time; // times never run backwards within the log
      AuditEvent event = p.draft().toEvent(++seq, time);
      committed.add(event);
      byte[] encoded = EventCodec.encode(event);
      byte[] leaf = MerkleTree.leafHash(encoded);
      rows.add(new AuditRecords.EventRow(seq, time, encoded, leaf));
      leaves.add(leaf);
      events.add(p);
      if (p.joined() != null) {
        joined.add(p.joined());
      }
    }
    try {
      store.append(rows, joined);
    } catch (RuntimeException e) {
      if (!joined.isEmpty() && events.size() > 1) {
        // A joined write may have failed the batch (a duplicate key): each on its own, so that
        // only that one fails. Rare, and every event keeps its place in order.
        batch.forEach(p -> commit(List.of(p)));
        return;
      }
      if (!joined.isEmpty() && e instanceof io.custos.failure.CustosException refusal
          && !(e instanceof StorageException) && !(e instanceof UnavailableException)) {
        events.forEach(p -> p.done().completeExceptionally(refusal)); // the write's own refusal, nothing stored
        batch.stream().filter(p -> p.draft() == null).forEach(p -> p.done().complete(durableSize));
        return;
      }
      StorageException refused = new StorageException(
          "audit event could not be made durable (" + e.getMessage() + "); operation refused (fail closed)", e);
      events.forEach(p -> p.done().completeExceptionally(refused));
      batch.stream().filter(p -> p.draft() == null).forEach(p -> p.done().completeExceptionally(refused));
      return;
    }
    leaves.forEach(frontier::add);
    lastEventTime = time;
    durableSize = frontier.size();
    long first = durableSize - events.size() + 1;
    for (int i = 0; i < events.size(); i++) {
      events.get(i).done().complete(first + i);
    }
    for (var listener : listeners) {
      try {
        listener.accept(committed);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "audit listener failed: " + e.getMessage());
      }
    }
    maybeCheckpoint(forceCheckpoint);
    batch.stream().filter(p -> p.draft() == null).forEach(p -> p.done().complete(durableSize));
  }

  private void maybeCheckpoint(boolean force) {
    long size = frontier.size();
    long covered = latest == null ? 0 : latest.checkpoint().size();
    if (size == covered) {
      return;
    }
    Instant now = clock.instant();
    boolean due = force
        || size - covered >= settings.checkpointEvery()
        || !now.isBefore(lastCheckpointTime.plus(settings.checkpointInterval()));
    if (!due) {
      return;
    }
    CheckpointSigner current = signer;
    if (current == null) {
      return; // sealed: the key is under the barrier; the next checkpoint covers these events
    }
    Instant at = now.isAfter(lastEventTime) ? now : lastEventTime;
    try {
      Checkpoint cp = new Checkpoint(origin, size, frontier.root(), at);
      SignedCheckpoint signed = SignedCheckpoint.sign(cp, current);
      store.addCheckpoint(new AuditRecords.CheckpointRow(size, at, signed.toNote()));
      latest = signed;
      lastCheckpointTime = at;
    } catch (RuntimeException e) {
      // Events stay durable; the next attempt covers them. Loud, because it weakens evidence.
      LOG.log(System.Logger.Level.ERROR, "audit checkpoint at size " + size + " failed: " + e.getMessage());
    }
  }

  /** Stops taking events, commits what is queued, signs a final checkpoint. */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    try {
      checkpointNow();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "final audit checkpoint failed: " + e.getMessage());
    }
    closing = true;
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
