package io.custos.audit;

import io.custos.audit.VerificationResult.Failed;
import io.custos.failure.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Verifies an exported audit log with nothing but the export and the checkpoint public key, as
 * an auditor outside Custos would (SS-002 11.7.1: changes to the log must be detectable).
 *
 * <p>Reading the entries in order, it checks that
 *
 * <ol>
 *   <li>every event is in the canonical version 1 encoding ({@link EventCodec});
 *   <li>sequence numbers run 1, 2, 3, ... with no gap, repeat or reordering;
 *   <li>no event's time is earlier, by more than the tolerance, than a time already seen;
 *   <li>every checkpoint note carries a valid signature by the key, and all share one origin;
 *   <li>every checkpoint covers no more events than precede it, no fewer than the checkpoint
 *       before it (a log only grows), and is not older than that one beyond the tolerance;
 *   <li>every checkpoint's root equals the RFC 9162 root recomputed from the events' leaf
 *       hashes at its size, which also proves each checkpoint consistent with the earlier ones;
 *   <li>no event is later, beyond the tolerance, than the first checkpoint that covers it;
 *   <li>optionally, that the log reaches a checkpoint trusted beforehand and agrees with it,
 *       which detects the removal of a tail together with its checkpoints.
 * </ol>
 *
 * The first failed check ends verification with {@link Failed}. Events after the last verified
 * checkpoint can be checked only for form and order; {@link VerificationResult.Verified} counts
 * them as the unverified tail. Memory is about 64 bytes per event; time is linear in the log.
 * Instances are immutable and may be shared.
 */
public final class LogVerifier {
  /** The default tolerance for clocks that go backwards, e.g. across nodes: 5 seconds. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofSeconds(5);

  private static final int MAX_LINE = EventCodec.MAX_BYTES;
  private static final int BATCH = 4096;

  private final byte[] publicKey;
  private final String keyName;
  private final Duration tolerance;
  private final Optional<Checkpoint> trusted;
  private final Optional<java.time.Instant> now;

  /**
   * @param publicKey the raw 32-byte Ed25519 checkpoint key
   * @param keyName the name the key signs checkpoints under
   */
  public LogVerifier(byte[] publicKey, String keyName) {
    this(publicKey, keyName, DEFAULT_TOLERANCE, Optional.empty(), Optional.empty());
  }

  private LogVerifier(byte[] publicKey, String keyName, Duration tolerance,
      Optional<Checkpoint> trusted, Optional<java.time.Instant> now) {
    CheckpointKeys.keyId(keyName, publicKey); // checks both
    this.publicKey = publicKey.clone();
    this.keyName = keyName;
    this.tolerance = tolerance;
    this.trusted = trusted;
    this.now = now;
  }

  /**
   * A verifier that also refuses events and checkpoints dated after {@code now} (plus the
   * tolerance): a log cannot record the future.
   */
  public LogVerifier withNow(java.time.Instant now) {
    return new LogVerifier(publicKey, keyName, tolerance, trusted, Optional.of(now));
  }

  /** A verifier that allows event and checkpoint times to go back by up to {@code tolerance}. */
  public LogVerifier withTimeTolerance(Duration tolerance) {
    if (tolerance.isNegative() || tolerance.compareTo(Duration.ofDays(1)) > 0) {
      throw new InvalidInputException("time tolerance must be between 0 and 1 day");
    }
    return new LogVerifier(publicKey, keyName, tolerance, trusted, now);
  }

  /**
   * A verifier that also requires the log to reach {@code checkpoint} (obtained earlier, e.g. from
   * a previous export or a witness) and to agree with it.
   */
  public LogVerifier withTrustedCheckpoint(Checkpoint checkpoint) {
    return new LogVerifier(publicKey, keyName, tolerance, Optional.of(checkpoint), now);
  }

  /** Verifies entries in log order; problems name the entry by its 1-based position. */
  public VerificationResult verify(Iterable<? extends LogEntry> entries) {
    VerifierState state = newState();
    long n = 0;
    for (LogEntry entry : entries) {
      Failed failed = state.accept(Objects.requireNonNull(entry, "entry"), "entry " + (++n));
      if (failed != null) {
        return failed;
      }
    }
    return state.finish(trusted);
  }

  /**
   * Verifies an export file (see {@link LogEntry}) read from {@code export}; problems name the
   * line. The stream is read to the first problem and not closed.
   *
   * @throws IOException if reading fails
   */
  public VerificationResult verifyExport(InputStream export) throws IOException {
    VerifierState state = newState();
    List<byte[]> batch = new ArrayList<>(BATCH);
    long number = 1; // line number of batch.get(0)
    ByteArrayOutputStream partial = new ByteArrayOutputStream();
    byte[] buffer = new byte[1 << 16];
    for (int read; (read = export.read(buffer)) > 0; ) {
      int start = 0;
      for (int i = 0; i < read; i++) {
        if (buffer[i] != '\n') {
          continue;
        }
        if (partial.size() + (i - start) > MAX_LINE) {
          return tooLong(state, batch, number);
        }
        partial.write(buffer, start, i - start);
        batch.add(partial.toByteArray());
        partial.reset();
        start = i + 1;
        if (batch.size() == BATCH) {
          Failed failed = acceptBatch(state, batch, number);
          if (failed != null) {
            return failed;
          }
          number += batch.size();
          batch.clear();
        }
      }
      if (partial.size() + (read - start) > MAX_LINE) {
        return tooLong(state, batch, number);
      }
      partial.write(buffer, start, read - start);
    }
    Failed failed = acceptBatch(state, batch, number);
    if (failed != null) {
      return failed;
    }
    number += batch.size();
    if (partial.size() > 0) {
      return new Failed(state.expectedSeq(),
          "line " + number + ": no newline at its end (is the export cut short?)");
    }
    return state.finish(trusted);
  }

  private static Failed tooLong(VerifierState state, List<byte[]> before, long number) {
    Failed failed = acceptBatch(state, before, number);
    return failed != null ? failed : new Failed(state.expectedSeq(),
        "line " + (number + before.size()) + ": longer than " + MAX_LINE + " bytes");
  }

  /**
   * The per-line work that needs no order (the leaf hash, reading seq and time) runs in
   * parallel over the batch; the lines are then judged strictly in order.
   */
  private static Failed acceptBatch(VerifierState state, List<byte[]> lines, long firstNumber) {
    VerifierState.Prepared[] prepared = new VerifierState.Prepared[lines.size()];
    IntStream.range(0, lines.size()).parallel().forEach(i -> prepared[i] = state.prepare(lines.get(i)));
    for (int i = 0; i < lines.size(); i++) {
      Failed failed = prepared[i] != null
          ? state.acceptPrepared(prepared[i], "line " + (firstNumber + i))
          : acceptLine(state, lines.get(i), firstNumber + i);
      if (failed != null) {
        return failed;
      }
    }
    return null;
  }

  private static Failed acceptLine(VerifierState state, byte[] bytes, long number) {
    String where = "line " + number;
    if (bytes.length == 0) {
      return new Failed(state.expectedSeq(), where + ": empty line");
    }
    if (!LogEntry.isCheckpointLine(bytes)) {
      return state.acceptEvent(bytes, where); // no copies: lines are ours alone
    }
    LogEntry entry;
    try {
      entry = LogEntry.fromExportLine(bytes);
    } catch (InvalidInputException e) {
      return new Failed(state.firstUnverified(), where + ": " + e.getMessage());
    }
    return state.accept(entry, where);
  }

  private VerifierState newState() {
    return new VerifierState(publicKey, keyName, tolerance.toMillis(),
        now.map(t -> t.toEpochMilli() + tolerance.toMillis()).orElse(Long.MAX_VALUE));
  }
}
