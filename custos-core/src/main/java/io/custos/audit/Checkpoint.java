package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A statement of the audit log's state: its first {@code size} events have Merkle root
 * {@code rootHash} (RFC 9162 section 2.1), as of {@code time}. Signed, it is the anchor against
 * which events are verified; see {@link SignedCheckpoint}.
 *
 * <p>Its text form is a C2SP tlog-checkpoint note body with one extension line:
 *
 * <pre>
 * custos.example.org/audit
 * 20852163
 * CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
 * time 2025-03-01T09:15:00.250Z
 * </pre>
 *
 * every line ending in a newline. {@link #fromText} accepts exactly what {@link #toText} writes.
 *
 * @param origin the log's identity, e.g. {@code custos.example.org/audit}: non-empty, no spaces,
 *     no '+', no control characters
 * @param size number of events covered, from 0
 * @param rootHash the 32-byte root hash of the first {@code size} events (copied in and out)
 * @param time when the checkpoint was made, UTC, whole milliseconds
 */
public record Checkpoint(String origin, long size, byte[] rootHash, Instant time) {

  public Checkpoint {
    CheckpointKeys.checkKeyName(origin);
    if (size < 0 || size > AuditEvent.MAX_SEQ) {
      throw new InvalidInputException("checkpoint size " + size + " is not between 0 and 2^53-1");
    }
    if (!MerkleTree.isHash(rootHash)) {
      throw new InvalidInputException("checkpoint root hash is not " + MerkleTree.HASH_BYTES
          + " bytes");
    }
    rootHash = rootHash.clone();
    time = UtcMillis.check("checkpoint time", time);
  }

  @Override
  public byte[] rootHash() {
    return rootHash.clone();
  }

  /** The note text: origin, size, base64 root hash and {@code time ...}, each line ending "\n". */
  public String toText() {
    return origin + "\n" + size + "\n" + Base64.getEncoder().encodeToString(rootHash) + "\n"
        + "time " + UtcMillis.format(time) + "\n";
  }

  /**
   * Reads the text form.
   *
   * @throws InvalidInputException naming the line and what is wrong with it, if the text is not
   *     exactly four lines as {@link #toText} writes them
   */
  public static Checkpoint fromText(String text) {
    Objects.requireNonNull(text, "text");
    if (!text.endsWith("\n")) {
      throw new InvalidInputException("checkpoint text does not end with a newline");
    }
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    if (lines.length != 4) {
      throw new InvalidInputException("checkpoint text has " + lines.length
          + " lines; expected 4: origin, size, root hash, time");
    }
    String origin = lines[0];
    try {
      CheckpointKeys.checkKeyName(origin);
    } catch (InvalidInputException e) {
      throw new InvalidInputException("checkpoint line 1 (origin): " + e.getMessage(), e);
    }
    if (!lines[1].matches("0|[1-9][0-9]{0,15}")) {
      throw new InvalidInputException("checkpoint line 2 (size): '" + printable(lines[1])
          + "' is not a decimal number without leading zeros");
    }
    long size = Long.parseLong(lines[1]);
    byte[] root;
    try {
      root = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      root = null;
    }
    // Re-encoding rejects unpadded or otherwise non-canonical base64.
    if (!MerkleTree.isHash(root) || !Base64.getEncoder().encodeToString(root).equals(lines[2])) {
      throw new InvalidInputException("checkpoint line 3 (root hash): '" + printable(lines[2])
          + "' is not the base64 of 32 bytes");
    }
    if (!lines[3].startsWith("time ")) {
      throw new InvalidInputException("checkpoint line 4: expected 'time <RFC 3339 UTC>', found '"
          + printable(lines[3]) + "'");
    }
    Instant time = UtcMillis.parse("checkpoint line 4 (time)", lines[3].substring(5));
    return new Checkpoint(origin, size, root, time);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Checkpoint c && origin.equals(c.origin) && size == c.size
        && Arrays.equals(rootHash, c.rootHash) && time.equals(c.time);
  }

  @Override
  public int hashCode() {
    return Objects.hash(origin, size, Arrays.hashCode(rootHash), time);
  }

  @Override
  public String toString() {
    return "Checkpoint[" + origin + ", size " + size + ", root "
        + Base64.getEncoder().encodeToString(rootHash) + ", " + UtcMillis.format(time) + "]";
  }

  private static String printable(String s) {
    String head = s.length() > 60 ? s.substring(0, 60) + "..." : s;
    return head.replaceAll("\\p{Cntrl}", "?");
  }
}
