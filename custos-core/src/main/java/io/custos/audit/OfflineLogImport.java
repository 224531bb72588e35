package io.custos.audit;

import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Imports an offline root's audit log (the export of {@code custos ceremony audit-export}) into
 * this node's audit log, so that central logging, which receives this log, sees every ceremony
 * (SS-002 11.7.1, 11.3.1).
 *
 * <p>Trust: the offline log's checkpoints are signed by its own Ed25519 key, which only a quorum
 * ceremony can use. That key is <em>pinned</em> here on the first import of the offline instance:
 * the first import must name it as a verifier key ({@code name+id+key}, printed by
 * {@code ceremony init-root} and recorded by the custodians), later imports are checked against
 * the pin. Nothing is imported until the whole export verifies (canonical events in order, every
 * checkpoint signature, every Merkle root); only events covered by a signed checkpoint are
 * imported, the unsigned tail waits for the next ceremony's checkpoint.
 *
 * <p>Idempotence: the pin keeps the number of events imported and the Merkle root over them. A
 * second import of the same or a longer export adds only the events after that; an export whose
 * first events no longer hash to that root (a rewritten or forked offline log), or that is
 * shorter than what was imported, is refused naming SS-002 11.7.1, and nothing is recorded.
 *
 * <p>Each offline event becomes one event here: action {@code offline.<original action>}, the
 * original principal, resource, outcome, control and parameters, plus {@code offline}
 * ({@code <origin> #<seq> <time> sha256:<leaf hash>}) naming where it came from and
 * {@code imported_by}.
 */
public final class OfflineLogImport {
  static final String PIN_TYPE = "audit.offline";
  /** Only ceremony logs come through this door. */
  static final String ACTION_PREFIX = "ceremony.";
  private static final int MAX_ORIGINAL_PARAMS = 14;

  private final RecordStore records;
  private final AuditLog log;

  public OfflineLogImport(RecordStore records, AuditLog log) {
    this.records = Objects.requireNonNull(records, "records");
    this.log = Objects.requireNonNull(log, "log");
  }

  /** What an import did. */
  public record Result(String origin, String verifierKey, boolean pinnedNow, long offlineEvents, long signedEvents,
      long alreadyImported, long imported, long unsignedTail) {}

  /**
   * Verifies {@code export} completely, then records the offline events not imported before.
   *
   * @param verifierKey the offline log's verifier key; required on the first import of an origin
   */
  public synchronized Result importExport(byte[] export, Optional<String> verifierKey, AuditEvent.Principal importer,
      String requestId, String clientAddress) {
    Objects.requireNonNull(export, "export");
    Parsed parsed = parse(export);
    Optional<Pinned> given = verifierKey.filter(k -> !k.isBlank()).map(OfflineLogImport::parseVerifierKey);
    String origin = given.map(Pinned::name).orElseGet(() -> parsed.signer().orElseThrow(() ->
        new InvalidInputException("the export has no signed checkpoint, so it names no offline log; nothing imported")));
    Optional<StoredRecord> stored = records.get(PIN_TYPE, origin);
    State state = stored.map(r -> State.decode(r.payload())).orElse(null);
    byte[] key;
    if (state != null) {
      key = state.publicKey;
      if (given.isPresent() && !Arrays.equals(given.get().key(), key)) {
        throw new ControlViolationException("SS-002 11.7.1", "the offline log " + origin + " is pinned to checkpoint key "
            + CheckpointKeys.verifierKey(origin, key) + "; the key given differs. Refused, nothing imported");
      }
    } else {
      key = given.orElseThrow(() -> new InvalidInputException("first import of the offline log " + origin
          + ": give its checkpoint key (the verifier key printed by `ceremony init-root`, or written by"
          + " `ceremony audit-export --key-out`) so it can be pinned; nothing imported")).key();
    }
    if (parsed.signer().isPresent() && !parsed.signer().get().equals(origin)) {
      throw new ControlViolationException("SS-002 11.7.1", "the export's checkpoints are signed by "
          + parsed.signer().get() + ", not by the offline log " + origin + "; nothing imported");
    }
    VerificationResult result;
    try {
      result = new LogVerifier(key, origin).verifyExport(new ByteArrayInputStream(export));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (result instanceof VerificationResult.Failed failed) {
      throw new ControlViolationException("SS-002 11.7.1", "the offline log export of " + origin
          + " does not verify: " + failed.problem() + " (first event it cannot vouch for: " + failed.firstBadSeq()
          + "); nothing imported");
    }
    VerificationResult.Verified ok = (VerificationResult.Verified) result;
    long signed = ok.last().map(Checkpoint::size).orElse(0L);
    long done = state == null ? 0 : state.imported;
    if (done > 0) {
      if (parsed.events().size() < done) {
        throw new ControlViolationException("SS-002 11.7.1", "the offline log " + origin + " export holds "
            + parsed.events().size() + " events but " + done + " were imported before: the log was truncated or"
            + " rewritten; refused, nothing imported");
      }
      if (!Arrays.equals(root(parsed, done), state.rootHash)) {
        throw new ControlViolationException("SS-002 11.7.1", "the offline log " + origin + " has been rewritten: its"
            + " first " + done + " events no longer match the ones imported before (fork); refused, nothing imported");
      }
    }
    for (int i = 0; i < signed; i++) {
      String action = parsed.events().get(i).action();
      if (!action.startsWith(ACTION_PREFIX)) {
        throw new InvalidInputException("event " + (i + 1) + " of the export is '" + action
            + "', not a root ceremony: only offline ceremony logs are imported; nothing imported");
      }
    }
    boolean pinnedNow = false;
    long version;
    if (state == null) {
      state = new State(key, 0, MerkleTree.emptyRoot());
      version = records.put(PIN_TYPE, origin, state.encode(), 0).version();
      pinnedNow = true;
    } else {
      version = stored.get().version();
    }
    long imported = 0;
    for (long seq = done + 1; seq <= signed; seq++) {
      AuditEvent e = parsed.events().get((int) (seq - 1));
      byte[] leaf = parsed.leaves().get((int) (seq - 1));
      Map<String, String> params = new LinkedHashMap<>();
      params.put("offline", origin + " #" + seq + " " + UtcMillis.format(e.time()) + " sha256:"
          + HexFormat.of().formatHex(leaf));
      params.put("imported_by", importer.id());
      int kept = 0;
      for (Map.Entry<String, String> p : e.params().entrySet()) {
        if (kept++ == MAX_ORIGINAL_PARAMS || params.containsKey(p.getKey())) {
          params.put("offline_params_dropped", "true");
          break;
        }
        params.put(p.getKey(), p.getValue());
      }
      log.record(new AuditDraft(requestId, e.principal(), "offline." + e.action(), e.resource(), e.outcome(),
          e.control(), clientAddress, params));
      state = new State(key, seq, root(parsed, seq));
      version = records.put(PIN_TYPE, origin, state.encode(), version).version();
      imported++;
    }
    return new Result(origin, CheckpointKeys.verifierKey(origin, key), pinnedNow, parsed.events().size(), signed, done,
        imported, ok.unverifiedTail());
  }

  /** The pinned checkpoint key of an offline log, if it was ever imported. */
  public Optional<String> pinned(String origin) {
    return records.get(PIN_TYPE, origin).map(r -> CheckpointKeys.verifierKey(origin, State.decode(r.payload()).publicKey));
  }

  // ------------------------------------------------------------------------------------ internals

  private record Pinned(String name, byte[] key) {}

  /** {@code <name>+<hex key id>+<base64(0x01 || key)>}, as {@link CheckpointKeys#verifierKey} writes it. */
  static Pinned parseVerifierKey(String text) {
    String[] parts = text.strip().split("\\+", 3);
    if (parts.length != 3) {
      throw new InvalidInputException("a verifier key is NAME+KEYID+BASE64 (as `ceremony init-root` prints it)");
    }
    byte[] typed;
    try {
      typed = Base64.getDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("the verifier key's key is not base64");
    }
    if (typed.length != 1 + CheckpointKeys.PUBLIC_KEY_BYTES || typed[0] != 0x01) {
      throw new InvalidInputException("the verifier key is not an Ed25519 key (type 0x01 and 32 bytes)");
    }
    byte[] raw = Arrays.copyOfRange(typed, 1, typed.length);
    String name = CheckpointKeys.checkKeyName(parts[0]);
    if (!String.format("%08x", CheckpointKeys.keyId(name, raw)).equals(parts[1].toLowerCase(java.util.Locale.ROOT))) {
      throw new InvalidInputException("the verifier key's id " + parts[1] + " does not match its name and key");
    }
    return new Pinned(name, raw);
  }

  private record Parsed(List<AuditEvent> events, List<byte[]> leaves, Optional<String> signer) {}

  /** Events and their leaf hashes, and the name that signs the first checkpoint; strict checks are the verifier's. */
  private static Parsed parse(byte[] export) {
    List<AuditEvent> events = new ArrayList<>();
    List<byte[]> leaves = new ArrayList<>();
    Optional<String> signer = Optional.empty();
    int start = 0;
    int lineNo = 0;
    while (start < export.length) {
      int end = start;
      while (end < export.length && export[end] != '\n') {
        end++;
      }
      lineNo++;
      if (end == export.length) {
        throw new InvalidInputException("line " + lineNo + " of the export does not end in a newline; nothing imported");
      }
      byte[] line = Arrays.copyOfRange(export, start, end);
      start = end + 1;
      String text = new String(line, StandardCharsets.UTF_8);
      if (text.startsWith("{\"checkpoint\":")) {
        if (signer.isEmpty()) {
          signer = noteSigner(text);
        }
        continue;
      }
      try {
        events.add(EventCodec.decode(line));
      } catch (RuntimeException e) {
        throw new InvalidInputException("line " + lineNo + " of the export is not an audit event: " + e.getMessage()
            + "; nothing imported");
      }
      leaves.add(MerkleTree.leafHash(line));
    }
    if (events.isEmpty()) {
      throw new InvalidInputException("the export holds no events; nothing imported");
    }
    return new Parsed(events, leaves, signer);
  }

  /** The signer name of a checkpoint line: the note's signature line is "— NAME BASE64". */
  private static Optional<String> noteSigner(String line) {
    int at = line.indexOf("\\n\u2014 ");
    if (at < 0) {
      return Optional.empty();
    }
    int from = at + 4;
    int sp = line.indexOf(' ', from);
    return sp < 0 ? Optional.empty() : Optional.of(line.substring(from, sp));
  }

  private static byte[] root(Parsed parsed, long size) {
    List<byte[]> leaves = parsed.leaves();
    return MerkleTree.rootHash(new LeafHashes() {
      @Override
      public long size() {
        return leaves.size();
      }

      @Override
      public byte[] leafHash(long index) {
        return leaves.get((int) index);
      }
    }, size);
  }

  /** Per offline log: the pinned key, how many events were imported and the Merkle root over them. */
  private record State(byte[] publicKey, long imported, byte[] rootHash) {
    byte[] encode() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(1);
        out.write(publicKey);
        out.writeLong(imported);
        out.write(rootHash);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    static State decode(byte[] b) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
        if (in.readUnsignedByte() != 1) {
          throw new InvalidInputException("the stored offline log pin has an unknown format");
        }
        return new State(in.readNBytes(CheckpointKeys.PUBLIC_KEY_BYTES), in.readLong(),
            in.readNBytes(MerkleTree.HASH_BYTES));
      } catch (IOException e) {
        throw new InvalidInputException("the stored offline log pin is damaged");
      }
    }
  }
}
