package io.custos.audit;

import io.custos.audit.VerificationResult.Failed;
import io.custos.audit.VerificationResult.Verified;
import io.custos.failure.InvalidInputException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The state of one verification pass over a log: the tree of the events read so far, the times
 * of events no checkpoint has covered yet, and the last verified checkpoint. Each {@code accept}
 * answers the first problem or {@code null}.
 */
final class VerifierState {
  private final byte[] publicKey;
  private final String keyName;
  private final long toleranceMillis;

  private final InMemoryTree tree = new InMemoryTree();
  private final TreeSet<Long> verifiedSizes = new TreeSet<>(List.of(0L));
  private long events;
  private long checkpoints;
  private Checkpoint last;
  private long maxTime = Long.MIN_VALUE;
  private long maxTimeSeq;
  // Times of events timesFrom+1 .. events, awaiting the first checkpoint that covers them.
  private long[] pendingTimes = new long[64];
  private int pending;
  private long timesFrom;
  // Events read by their tail only, not yet vouched for by a verified checkpoint.
  private record Undecoded(long seq, byte[] bytes, String where) {}
  private static final int MAX_UNDECODED = 1 << 16;
  private final java.util.ArrayDeque<Undecoded> undecoded = new java.util.ArrayDeque<>();

  // Latest time an event or checkpoint may carry (the verifier's "now" plus tolerance).
  private final long latestAllowed;

  VerifierState(byte[] publicKey, String keyName, long toleranceMillis, long latestAllowed) {
    this.latestAllowed = latestAllowed;
    this.publicKey = publicKey.clone();
    this.keyName = keyName;
    this.toleranceMillis = toleranceMillis;
  }

  long expectedSeq() {
    return events + 1;
  }

  /** The first sequence number no verified checkpoint covers. */
  long firstUnverified() {
    return verifiedSizes.last() + 1;
  }

  Failed accept(LogEntry entry, String where) {
    return switch (entry) {
      case LogEntry.EncodedEvent e -> event(e.bytes(), where);
      case LogEntry.CheckpointNote c -> checkpoint(c.note(), where);
    };
  }

  /** A line with the work that needs no order already done (in parallel with other lines). */
  sealed interface Prepared {}

  /** An event line: its tail read and its leaf hashed. */
  record PreparedEvent(byte[] bytes, long seq, long time, byte[] leafHash) implements Prepared {}

  /** A checkpoint line: its note parsed and its signature checked ({@code signed} or {@code error}). */
  record PreparedCheckpoint(SignedCheckpoint signed, InvalidInputException error) implements Prepared {}

  /** Prepares a line; null when it is left to the ordered path (odd shapes, empty lines). */
  Prepared prepare(byte[] line) {
    if (line.length == 0) {
      return null;
    }
    if (LogEntry.isCheckpointLine(line)) {
      try {
        LogEntry entry = LogEntry.fromExportLine(line);
        if (!(entry instanceof LogEntry.CheckpointNote note)) {
          return null;
        }
        return new PreparedCheckpoint(SignedCheckpoint.parse(note.note(), publicKey, keyName), null);
      } catch (InvalidInputException e) {
        return line.length > 0 && isNoteProblem(e) ? new PreparedCheckpoint(null, e) : null;
      }
    }
    long[] tail = EventTail.seqAndTime(line);
    return tail == null ? null : new PreparedEvent(line, tail[0], tail[1], MerkleTree.leafHash(line));
  }

  // A line that is not even a well-formed checkpoint line takes the ordered path for its message.
  private static boolean isNoteProblem(InvalidInputException e) {
    return !e.getMessage().startsWith("checkpoint line");
  }

  Failed acceptPrepared(Prepared p, String where) {
    return switch (p) {
      case PreparedEvent e -> {
        Failed oldest = remember(new Undecoded(e.seq(), e.bytes(), where));
        yield oldest != null ? oldest : event(e.bytes(), e.seq(), e.time(), e.leafHash(), where);
      }
      case PreparedCheckpoint c -> c.signed() != null ? checkpoint(c.signed(), where)
          : new Failed(firstUnverified(), "checkpoint " + (checkpoints + 1) + " at " + where + ": " + c.error().getMessage());
    };
  }

  /** An event line, taken as it is (the caller gives up the array). */
  Failed acceptEvent(byte[] bytes, String where) {
    return event(bytes, where);
  }

  private Failed event(byte[] bytes, String where) {
    long[] tail = EventTail.seqAndTime(bytes);
    if (tail != null) {
      Failed oldest = remember(new Undecoded(tail[0], bytes, where));
      return oldest != null ? oldest : event(bytes, tail[0], tail[1], MerkleTree.leafHash(bytes), where);
    }
    AuditEvent e;
    try {
      e = EventCodec.decode(bytes);
    } catch (InvalidInputException ex) {
      return new Failed(expectedSeq(), where + ": " + ex.getMessage());
    }
    return event(bytes, e, where);
  }

  private Failed event(byte[] bytes, AuditEvent e, String where) {
    return event(bytes, e.seq(), e.time().toEpochMilli(), MerkleTree.leafHash(bytes), where);
  }

  /**
   * Keeps an event read by its tail for a full decode unless a checkpoint vouches for it first.
   * Past the bound, the oldest is decoded now instead, so memory stays bounded on logs with
   * sparse checkpoints.
   */
  private Failed remember(Undecoded u) {
    undecoded.add(u);
    if (undecoded.size() > MAX_UNDECODED) {
      Undecoded oldest = undecoded.pollFirst();
      try {
        EventCodec.decode(oldest.bytes());
      } catch (InvalidInputException ex) {
        return new Failed(oldest.seq(), oldest.where() + ": " + ex.getMessage());
      }
    }
    return null;
  }

  private Failed event(byte[] bytes, long seq, long t, byte[] leafHash, String where) {
    long expected = expectedSeq();
    if (seq > expected) {
      return new Failed(expected, "event " + expected + " missing (expected seq " + expected
          + ", found " + seq + " at " + where + ")");
    }
    if (seq < expected) {
      // Either this copy or the earlier one is false; only a checkpoint can vouch for the earlier.
      return new Failed(Math.max(seq, firstUnverified()), "event " + seq
          + " repeated or out of order (expected seq " + expected + " at " + where + ")");
    }
    if (t > latestAllowed) {
      return new Failed(seq, "event " + seq + " at " + where + ": time "
          + UtcMillis.format(Instant.ofEpochMilli(t)) + " is in the future");
    }
    if (events > 0 && t < maxTime - toleranceMillis) {
      // One of the two times is false; the earlier event is suspect unless a checkpoint covers it.
      return new Failed(Math.max(maxTimeSeq, firstUnverified()), "event " + seq + " at "
          + where + ": time " + UtcMillis.format(Instant.ofEpochMilli(t)) + " is " + (maxTime - t)
          + " ms before that of event " + maxTimeSeq + " (tolerance " + toleranceMillis + " ms)");
    }
    if (t > maxTime) {
      maxTime = t;
      maxTimeSeq = seq;
    }
    tree.append(leafHash);
    events++;
    if (pending == pendingTimes.length) {
      pendingTimes = Arrays.copyOf(pendingTimes, pending * 2);
    }
    pendingTimes[pending++] = t;
    return null;
  }

  private Failed checkpoint(String note, String where) {
    long number = checkpoints + 1;
    String name = "checkpoint " + number + " at " + where;
    long bad = firstUnverified();
    SignedCheckpoint signed;
    try {
      signed = SignedCheckpoint.parse(note, publicKey, keyName);
    } catch (InvalidInputException ex) {
      return new Failed(bad, name + ": " + ex.getMessage());
    }
    return checkpoint(signed, where);
  }

  private Failed checkpoint(SignedCheckpoint signed, String where) {
    long number = checkpoints + 1;
    String name = "checkpoint " + number + " at " + where;
    long bad = firstUnverified();
    Checkpoint cp = signed.checkpoint();
    if (cp.time().toEpochMilli() > latestAllowed) {
      return new Failed(bad, name + ": time " + UtcMillis.format(cp.time()) + " is in the future");
    }
    if (last != null && !last.origin().equals(cp.origin())) {
      return new Failed(bad, name + ": origin '" + cp.origin() + "' differs from '"
          + last.origin() + "' of the checkpoints before it");
    }
    if (cp.size() > events) {
      return new Failed(events + 1, name + " covers " + cp.size() + " events but only " + events
          + " precede it (event " + (events + 1) + " missing)");
    }
    if (last != null && cp.size() < last.size()) {
      return new Failed(bad, name + ": size " + cp.size() + " is smaller than the previous "
          + "checkpoint's " + last.size() + " (a log only grows)");
    }
    if (last != null && cp.time().toEpochMilli() < last.time().toEpochMilli() - toleranceMillis) {
      return new Failed(bad, name + ": time " + UtcMillis.format(cp.time())
          + " is before the previous checkpoint's " + UtcMillis.format(last.time()));
    }
    byte[] root = tree.rootHash(cp.size());
    if (!MessageDigest.isEqual(root, cp.rootHash())) {
      String range = bad == cp.size() ? "event " + bad + ": leaf hash does"
          : "events " + bad + ".." + cp.size() + ": leaf hashes do";
      return new Failed(bad, range + " not match " + name + " at size " + cp.size()
          + " (recomputed root " + b64(root) + ", signed root " + b64(cp.rootHash()) + ")");
    }
    Failed late = checkTimes(cp, name);
    if (late != null) {
      return late;
    }
    verifiedSizes.add(cp.size());
    while (!undecoded.isEmpty() && undecoded.peekFirst().seq() <= cp.size()) {
      undecoded.pollFirst();
    }
    checkpoints++;
    last = cp;
    return null;
  }

  // Events first covered by this checkpoint must not be later than it (beyond the tolerance).
  private Failed checkTimes(Checkpoint cp, String name) {
    long limit = cp.time().toEpochMilli() + toleranceMillis;
    int covered = (int) Math.max(0, cp.size() - timesFrom);
    for (int i = 0; i < covered; i++) {
      if (pendingTimes[i] > limit) {
        long seq = timesFrom + i + 1;
        return new Failed(seq, "event " + seq + ": time " + UtcMillis.format(
            Instant.ofEpochMilli(pendingTimes[i])) + " is after " + name + " ("
            + UtcMillis.format(cp.time()) + ") that covers it");
      }
    }
    System.arraycopy(pendingTimes, covered, pendingTimes, 0, pending - covered);
    pending -= covered;
    timesFrom += covered;
    return null;
  }

  /** The verdict at the end of the input, against an optional checkpoint trusted beforehand. */
  VerificationResult finish(Optional<Checkpoint> trusted) {
    long vouched = verifiedSizes.last();
    if (trusted.isPresent()) {
      Checkpoint t = trusted.get();
      if (events < t.size()) {
        return new Failed(events + 1, "the log ends after " + events + " events but the trusted "
            + "checkpoint covers " + t.size() + " (event " + (events + 1) + " missing)");
      }
      if (last != null && !last.origin().equals(t.origin())) {
        return new Failed(1, "the trusted checkpoint is for origin '" + t.origin()
            + "', the log's checkpoints for '" + last.origin() + "'");
      }
      byte[] root = tree.rootHash(t.size());
      if (!MessageDigest.isEqual(root, t.rootHash())) {
        long bad = verifiedSizes.floor(t.size()) + 1;
        return new Failed(bad, "events " + bad + ".." + t.size() + " do not match the trusted "
            + "checkpoint at size " + t.size() + " (recomputed root " + b64(root)
            + ", trusted root " + b64(t.rootHash()) + ")");
      }
      vouched = Math.max(vouched, t.size());
    }
    for (Undecoded u : undecoded) {
      if (u.seq() > vouched) {
        try {
          EventCodec.decode(u.bytes());
        } catch (InvalidInputException ex) {
          return new Failed(u.seq(), u.where() + ": " + ex.getMessage());
        }
      }
    }
    return new Verified(events, checkpoints, Optional.ofNullable(last), events - vouched);
  }

  private static String b64(byte[] hash) {
    return Base64.getEncoder().encodeToString(hash);
  }
}
