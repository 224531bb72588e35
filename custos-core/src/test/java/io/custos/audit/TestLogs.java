package io.custos.audit;

import io.custos.audit.AuditEvent.Outcome;
import io.custos.audit.AuditEvent.Principal;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Builds valid exported logs for the verifier's tests: events a second apart, signed checkpoints. */
final class TestLogs {
  static final String ORIGIN = "custos.example.org/audit";
  static final Instant START = Instant.parse("2025-03-01T09:00:00Z");
  static final KeyPair KEYS = newKeyPair();
  static final Ed25519CheckpointSigner SIGNER = new Ed25519CheckpointSigner(ORIGIN, KEYS);
  static final byte[] PUBLIC_KEY = SIGNER.publicKey();

  /** A checkpoint of the first {@code size} events, written after event {@code after}. */
  record Placement(long size, long after) {}

  private TestLogs() {}

  static LogVerifier verifier() {
    return new LogVerifier(PUBLIC_KEY, ORIGIN);
  }

  static AuditEvent event(long seq) {
    return new AuditEvent(seq, START.plusSeconds(seq), "req-" + seq,
        new Principal(seq % 3 == 0 ? "alice" : "svc/payments", "token"),
        seq % 2 == 0 ? "kms.encrypt" : "ca.issue", "kms/keys/k" + (seq % 5),
        seq % 7 == 0 ? Outcome.DENIED : Outcome.OK,
        seq % 7 == 0 ? Optional.of("SS-002 11.3.3") : Optional.empty(),
        "10.0.0." + (seq % 250), new java.util.TreeMap<>(Map.of("keyVersion", "" + seq % 4)));
  }

  /** Events 1..n, each checkpoint of size s right after event s. */
  static List<LogEntry> log(int n, long... checkpointSizes) {
    List<Placement> placements = new ArrayList<>();
    for (long s : checkpointSizes) {
      placements.add(new Placement(s, s));
    }
    return log(n, placements);
  }

  static List<LogEntry> log(int n, List<Placement> placements) {
    List<Placement> sorted = new ArrayList<>(placements);
    sorted.sort(Comparator.comparingLong(Placement::after).thenComparingLong(Placement::size));
    InMemoryTree tree = new InMemoryTree();
    List<LogEntry> entries = new ArrayList<>();
    int next = 0;
    for (long seq = 0; seq <= n; seq++) {
      if (seq > 0) {
        LogEntry.EncodedEvent e = LogEntry.of(event(seq));
        tree.append(MerkleTree.leafHash(e.bytes()));
        entries.add(e);
      }
      while (next < sorted.size() && sorted.get(next).after() == seq) {
        entries.add(LogEntry.of(signed(tree, sorted.get(next++).size())));
      }
    }
    return entries;
  }

  // Events and checkpoint times depend only on seq and position, and Ed25519 is deterministic,
  // so a checkpoint of a given size at a given position can be signed once and reused: this
  // keeps the property tests fast (JDK Ed25519 takes about a millisecond per signature).
  private static final Map<Placement, SignedCheckpoint> SIGNED = new ConcurrentHashMap<>();

  static SignedCheckpoint signed(InMemoryTree tree, long size) {
    return SIGNED.computeIfAbsent(new Placement(size, tree.size()), p -> {
      Instant time = START.plusSeconds(tree.size()).plusMillis(500);
      return SignedCheckpoint.sign(new Checkpoint(ORIGIN, size, tree.rootHash(size), time), SIGNER);
    });
  }

  /** The checkpoint in a note, read without checking the signature (for test bookkeeping). */
  static Checkpoint unverified(String note) {
    return Checkpoint.fromText(note.substring(0, note.lastIndexOf("\n\n") + 1));
  }

  static KeyPair newKeyPair() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
