package io.custos.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Durable, append-only storage of the audit log: events, signed checkpoints and the delivery
 * cursors of central-log sinks. There is no way to change or remove an event or a checkpoint;
 * adapters also make the database refuse it.
 */
public interface AuditRecords {

  /** One stored event: its canonical encoding and RFC 9162 leaf hash. */
  record EventRow(long seq, Instant recordedAt, byte[] event, byte[] leafHash) {
    public EventRow {
      if (seq < 1) {
        throw new IllegalArgumentException("seq must be >= 1");
      }
      Objects.requireNonNull(recordedAt, "recordedAt");
      event = event.clone();
      leafHash = leafHash.clone();
    }

    @Override
    public byte[] event() {
      return event.clone();
    }

    @Override
    public byte[] leafHash() {
      return leafHash.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof EventRow r && seq == r.seq && recordedAt.equals(r.recordedAt)
          && Arrays.equals(event, r.event) && Arrays.equals(leafHash, r.leafHash);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(seq);
    }

    @Override
    public String toString() {
      return "EventRow[seq=" + seq + ", " + event.length + " bytes]";
    }
  }

  /** One signed checkpoint, as its note text. */
  record CheckpointRow(long treeSize, Instant issuedAt, String note) {
    public CheckpointRow {
      if (treeSize < 1) {
        throw new IllegalArgumentException("treeSize must be >= 1");
      }
      Objects.requireNonNull(issuedAt, "issuedAt");
      Objects.requireNonNull(note, "note");
    }
  }

  /**
   * Appends events in one transaction; durable when this returns. The first row must carry
   * {@code lastSeq() + 1} and the rest follow without gaps, otherwise nothing is written and
   * {@link io.custos.failure.ConflictException} is thrown.
   */
  default void append(List<EventRow> rows) {
    append(rows, List.of());
  }

  /**
   * Appends events as {@link #append(List)} does, with {@code joined} writes of the same store in
   * the same transaction, run before the events: if any of them fails, nothing is written and its
   * failure is thrown (a {@link io.custos.failure.ConflictException} for a duplicate, say).
   *
   * @throws IllegalArgumentException for a write made by another store
   */
  void append(List<EventRow> rows, List<JoinedWrite> joined);

  /** Highest stored seq, 0 for an empty log. */
  long lastSeq();

  /** Up to {@code max} events with seq ≥ {@code fromSeq}, in seq order. */
  List<EventRow> read(long fromSeq, int max);

  /** Leaf hashes of events {@code fromSeq..toSeq} inclusive, in order (for rebuilding the tree). */
  List<byte[]> leafHashes(long fromSeq, long toSeq);

  /** Stores a checkpoint; a second one for the same tree size is a conflict. */
  void addCheckpoint(CheckpointRow checkpoint);

  /** Checkpoints with tree size in {@code [fromSize, toSize]}, ascending. */
  List<CheckpointRow> checkpoints(long fromSize, long toSize);

  Optional<CheckpointRow> latestCheckpoint();

  /** Seq through which the named sink has delivered; 0 if it has delivered nothing. */
  long cursor(String sink);

  /** Moves the sink's cursor forward; a move backwards is ignored. */
  void advanceCursor(String sink, long deliveredThrough);
}
