package io.custos.audit;

import io.custos.audit.CanonicalJsonReader.Obj;
import io.custos.audit.CanonicalJsonReader.Str;
import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of an exported audit log: an encoded event or a signed checkpoint note, in log
 * order. An export is a UTF-8 file of one entry per line, each line ending in "\n":
 *
 * <ul>
 *   <li>an event line is the event's {@linkplain EventCodec canonical encoding}, unchanged (it
 *       starts with <code>{"action":</code>);
 *   <li>a checkpoint line is the canonical JSON object <code>{"checkpoint":"&lt;note&gt;"}</code>
 *       holding the signed note as a JSON string (its newlines escaped as {@code \n}).
 * </ul>
 *
 * Every line is thus one JSON object, which central logging can ingest as it is.
 */
public sealed interface LogEntry {

  /** Bytes of one encoded event, exactly as hashed into the tree (copied in and out). */
  record EncodedEvent(byte[] bytes) implements LogEntry {
    public EncodedEvent {
      bytes = Objects.requireNonNull(bytes, "bytes").clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    @Override
    public byte[] toExportLine() {
      return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof EncodedEvent e && Arrays.equals(bytes, e.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "EncodedEvent[" + new String(bytes, StandardCharsets.UTF_8) + "]";
    }
  }

  /** A signed checkpoint note, see {@link SignedCheckpoint#toNote()}. */
  record CheckpointNote(String note) implements LogEntry {
    public CheckpointNote {
      Objects.requireNonNull(note, "note");
    }

    @Override
    public byte[] toExportLine() {
      return new CanonicalJsonWriter().beginObject().name(CHECKPOINT).string(note).endObject()
          .toBytes();
    }
  }

  /** The member name of a checkpoint line. */
  String CHECKPOINT = "checkpoint";

  /** How every checkpoint line starts. */
  byte[] CHECKPOINT_PREFIX = "{\"checkpoint\":".getBytes(StandardCharsets.UTF_8);

  /** The export line of this entry, without its final newline. */
  byte[] toExportLine();

  static EncodedEvent of(AuditEvent event) {
    return new EncodedEvent(EventCodec.encode(event));
  }

  static CheckpointNote of(SignedCheckpoint checkpoint) {
    return new CheckpointNote(checkpoint.toNote());
  }

  /**
   * The entry an export line holds (without its newline). A line starting with
   * <code>{"checkpoint":</code> must be a well-formed checkpoint line; any other line is taken as
   * an event, whose bytes are checked when the event is decoded.
   *
   * @throws InvalidInputException if a checkpoint line is malformed
   */
  /** True if the export line is a checkpoint line rather than an event. */
  static boolean isCheckpointLine(byte[] line) {
    return line.length >= CHECKPOINT_PREFIX.length
        && Arrays.equals(line, 0, CHECKPOINT_PREFIX.length, CHECKPOINT_PREFIX, 0, CHECKPOINT_PREFIX.length);
  }

  static LogEntry fromExportLine(byte[] line) {
    if (!isCheckpointLine(line)) {
      return new EncodedEvent(line);
    }
    Obj obj;
    try {
      obj = CanonicalJsonReader.parse(line, EventCodec.MAX_BYTES, 1);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(
          "checkpoint line is not canonical JSON: " + e.getMessage(), e);
    }
    if (obj.members().size() != 1 || !(obj.members().get(CHECKPOINT) instanceof Str note)) {
      throw new InvalidInputException(
          "checkpoint line must be exactly {\"checkpoint\":\"<signed note>\"}");
    }
    return new CheckpointNote(note.value());
  }
}
