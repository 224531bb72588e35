package io.custos.bench;

import io.custos.audit.AuditEvent;
import io.custos.audit.Checkpoint;
import io.custos.audit.Ed25519CheckpointSigner;
import io.custos.audit.EventCodec;
import io.custos.audit.InMemoryTree;
import io.custos.audit.LogEntry;
import io.custos.audit.LogVerifier;
import io.custos.audit.MerkleTree;
import io.custos.audit.SignedCheckpoint;
import io.custos.audit.VerificationResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.time.Instant;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Events verified per second by the offline verifier over an export of {@value #EVENTS} events
 * with a signed checkpoint every 1000 — next to raw SHA-256 over the same event bytes (one
 * hash per event), measured in the same run. Scores are per event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1)
public class AuditVerifyBenchmark {
  static final int EVENTS = 100_000;
  private byte[] export;
  private byte[][] events;
  private byte[] publicKey;
  private static final String KEY = "custos-audit-bench";

  @Setup(Level.Trial)
  public void build() throws GeneralSecurityException, IOException {
    Ed25519CheckpointSigner signer = new Ed25519CheckpointSigner(KEY,
        KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
    publicKey = signer.publicKey();
    InMemoryTree tree = new InMemoryTree();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    events = new byte[EVENTS][];
    Instant t = Instant.parse("2026-11-23T00:00:00Z");
    for (int i = 1; i <= EVENTS; i++) {
      Instant time = t.plusMillis(i);
      byte[] e = EventCodec.encode(new AuditEvent(i, time, "req-" + i,
          new AuditEvent.Principal("svc-payments", "token"), "kms.encrypt", "kms/keys/payments",
          AuditEvent.Outcome.OK, Optional.empty(), "10.1.2.3", new TreeMap<>(Map.of("keyVersion", "3"))));
      events[i - 1] = e;
      tree.append(MerkleTree.leafHash(e));
      out.write(e);
      out.write('\n');
      if (i % 1000 == 0) {
        SignedCheckpoint cp = SignedCheckpoint.sign(new Checkpoint(KEY, i, tree.rootHash(), time), signer);
        out.write(LogEntry.of(cp).toExportLine());
        out.write('\n');
      }
    }
    export = out.toByteArray();
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public VerificationResult verifyExport() throws IOException {
    VerificationResult r = new LogVerifier(publicKey, KEY).verifyExport(new ByteArrayInputStream(export));
    if (!(r instanceof VerificationResult.Verified)) {
      throw new IllegalStateException("benchmark export does not verify: " + r);
    }
    return r;
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public byte[] sha256Baseline() throws GeneralSecurityException {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    byte[] last = null;
    for (byte[] e : events) {
      last = d.digest(e);
    }
    return last;
  }
}
