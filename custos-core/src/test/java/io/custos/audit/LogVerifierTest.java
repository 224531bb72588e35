package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.audit.TestLogs.Placement;
import io.custos.audit.VerificationResult.Failed;
import io.custos.audit.VerificationResult.Verified;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SS-002 11.7.1 — an auditor recomputes the log from the export and the public key")
class LogVerifierTest {

  @Test
  @DisplayName("an untouched log verifies; events after the last checkpoint are an unverified tail")
  void untouched() {
    List<LogEntry> log = TestLogs.log(25, 0, 8, 8, 20);
    VerificationResult result = TestLogs.verifier().verify(log);
    assertThat(result).isInstanceOf(Verified.class);
    Verified v = (Verified) result;
    assertThat(v.events()).isEqualTo(25);
    assertThat(v.checkpoints()).isEqualTo(4);
    assertThat(v.last()).map(Checkpoint::size).contains(20L);
    assertThat(v.unverifiedTail()).isEqualTo(5);
    assertThat(TestLogs.verifier().verify(List.of()))
        .isEqualTo(new Verified(0, 0, Optional.empty(), 0));
  }

  @Test
  @DisplayName("checkpoints exported after later events are verified at their own size")
  void laggingCheckpoints() {
    List<LogEntry> log = TestLogs.log(40, List.of(new Placement(5, 9), new Placement(17, 33),
        new Placement(33, 33), new Placement(40, 40)));
    assertThat(TestLogs.verifier().verify(log)).isInstanceOf(Verified.class);
  }

  @Test
  @DisplayName("a missing event is named: expected seq and what was found instead")
  void missingEvent() {
    List<LogEntry> log = new ArrayList<>(TestLogs.log(10, 10));
    log.remove(4);
    assertThat(TestLogs.verifier().verify(log))
        .isEqualTo(new Failed(5, "event 5 missing (expected seq 5, found 6 at entry 5)"));
  }

  @Test
  @DisplayName("a changed event is caught by the checkpoint that covers it")
  void changedEvent() {
    List<LogEntry> log = new ArrayList<>(TestLogs.log(20, 16, 20));
    byte[] seventeen = ((LogEntry.EncodedEvent) log.get(17)).bytes();
    String forged = new String(seventeen, StandardCharsets.UTF_8).replace("req-17", "req-99");
    log.set(17, new LogEntry.EncodedEvent(forged.getBytes(StandardCharsets.UTF_8)));
    Failed failed = (Failed) TestLogs.verifier().verify(log);
    assertThat(failed.firstBadSeq()).isEqualTo(17);
    assertThat(failed.problem()).startsWith("events 17..20: leaf hashes do not match checkpoint 2 "
        + "at entry 22 at size 20 (recomputed root ");
  }

  @Test
  @DisplayName("a removed tail is caught by the checkpoint after it")
  void truncatedBehindCheckpoint() {
    List<LogEntry> log = new ArrayList<>(TestLogs.log(20, 10, 20));
    log.subList(18, 21).clear(); // events 18..20; the checkpoint of size 20 stays
    assertThat(TestLogs.verifier().verify(log)).isEqualTo(new Failed(18,
        "checkpoint 2 at entry 19 covers 20 events but only 17 precede it (event 18 missing)"));
  }

  @Test
  @DisplayName("a tail removed with its checkpoints is caught against a checkpoint trusted before")
  void truncatedAgainstTrustedCheckpoint() {
    List<LogEntry> full = TestLogs.log(20, 10, 20);
    Checkpoint trusted = SignedCheckpoint.parse(((LogEntry.CheckpointNote) full.getLast()).note(),
        TestLogs.PUBLIC_KEY, TestLogs.ORIGIN).checkpoint();
    List<LogEntry> cut = full.subList(0, 11); // events 1..10 and the checkpoint of size 10
    assertThat(TestLogs.verifier().verify(cut)).isInstanceOf(Verified.class);
    assertThat(TestLogs.verifier().withTrustedCheckpoint(trusted).verify(cut)).isEqualTo(new Failed(
        11, "the log ends after 10 events but the trusted checkpoint covers 20 (event 11 missing)"));
    assertThat(TestLogs.verifier().withTrustedCheckpoint(trusted).verify(full))
        .isEqualTo(new Verified(20, 2, Optional.of(trusted), 0));
  }

  @Test
  @DisplayName("a checkpoint with a bad signature is refused")
  void badSignature() {
    List<LogEntry> log = new ArrayList<>(TestLogs.log(12, 4, 8, 12));
    String note = ((LogEntry.CheckpointNote) log.get(9)).note();
    log.set(9, new LogEntry.CheckpointNote(note.replace("\n8\n", "\n7\n")));
    assertThat(TestLogs.verifier().verify(log)).isEqualTo(new Failed(5,
        "checkpoint 2 at entry 10: signed note: bad signature by key 'custos.example.org/audit' "
            + "(signature line 1)"));
  }

  @Test
  @DisplayName("checkpoints only grow")
  void shrinkingCheckpoint() {
    List<LogEntry> log = TestLogs.log(12, List.of(new Placement(10, 10), new Placement(6, 11)));
    assertThat(TestLogs.verifier().verify(log)).isEqualTo(new Failed(11,
        "checkpoint 2 at entry 13: size 6 is smaller than the previous checkpoint's 10 "
            + "(a log only grows)"));
  }

  @Test
  @DisplayName("event times may not run backwards beyond the tolerance")
  void timeGoesBackwards() {
    List<LogEntry> log = new ArrayList<>();
    for (long seq = 1; seq <= 3; seq++) {
      AuditEvent e = TestLogs.event(seq);
      Instant t = seq == 3 ? e.time().minusSeconds(10) : e.time();
      log.add(LogEntry.of(new AuditEvent(seq, t, e.requestId(), e.principal(), e.action(),
          e.resource(), e.outcome(), e.control(), e.clientAddress(), e.params())));
    }
    assertThat(TestLogs.verifier().verify(log)).isEqualTo(new Failed(2,
        "event 3 at entry 3: time 2025-03-01T08:59:53.000Z is 9000 ms before that of event 2 "
            + "(tolerance 5000 ms)"));
    assertThat(TestLogs.verifier().withTimeTolerance(Duration.ofSeconds(10)).verify(log))
        .isInstanceOf(Verified.class);
  }

  @Test
  @DisplayName("the export file: one JSON object per line, checkpoints as {\"checkpoint\": note}")
  void exportFile() throws IOException {
    List<LogEntry> log = TestLogs.log(6, 3, 6);
    byte[] export = export(log);
    String text = new String(export, StandardCharsets.UTF_8);
    assertThat(text.lines()).hasSize(8).allMatch(l -> l.startsWith("{\"") && l.endsWith("}"));
    assertThat(text.lines().skip(3).findFirst().orElseThrow())
        .startsWith("{\"checkpoint\":\"" + TestLogs.ORIGIN + "\\n3\\n");
    assertThat(LogEntry.fromExportLine(log.get(3).toExportLine())).isEqualTo(log.get(3));
    assertThat(TestLogs.verifier().verifyExport(new ByteArrayInputStream(export)))
        .isEqualTo(new Verified(6, 2, Optional.of(SignedCheckpoint.parse(
            ((LogEntry.CheckpointNote) log.getLast()).note(), TestLogs.PUBLIC_KEY, TestLogs.ORIGIN)
            .checkpoint()), 0));
  }

  @Test
  @DisplayName("export problems name the line: bad JSON, empty lines, a cut-off last line")
  void exportProblems() throws IOException {
    byte[] export = export(TestLogs.log(6, 3, 6));
    String text = new String(export, StandardCharsets.UTF_8);
    int at = new String(EventCodec.encode(TestLogs.event(2)), StandardCharsets.UTF_8)
        .indexOf("\"seq\":2,") + 6;
    assertThat(verifyExport(text.replaceFirst("\"seq\":2,", "\"seq\": 2,")))
        .isEqualTo(new Failed(2, "line 2: not canonical JSON: byte " + at + ": expected a value "
            + "but found whitespace (canonical JSON has none)"));
    assertThat(verifyExport(text.replaceFirst("\n", "\n\n")))
        .isEqualTo(new Failed(2, "line 2: empty line"));
    assertThat(verifyExport(text.substring(0, text.length() - 1)))
        .isEqualTo(new Failed(7, "line 8: no newline at its end (is the export cut short?)"));
    assertThat(verifyExport(text.replace("{\"checkpoint\":\"", "{\"checkpoint\": \"")))
        .isInstanceOf(Failed.class)
        .extracting(r -> ((Failed) r).problem()).asString()
        .startsWith("line 4: checkpoint line is not canonical JSON: byte 14: ");
  }

  private static VerificationResult verifyExport(String text) throws IOException {
    return TestLogs.verifier().verifyExport(
        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  static byte[] export(List<LogEntry> log) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (LogEntry e : log) {
      out.writeBytes(e.toExportLine());
      out.write('\n');
    }
    return out.toByteArray();
  }
}
