package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The verifier reads covered events by their tail; the uncovered tail is still decoded in full. */
class VerifierFastPathTest {

  private static byte[] export(List<LogEntry> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (LogEntry e : entries) {
      out.writeBytes(e.toExportLine());
      out.write('\n');
    }
    return out.toByteArray();
  }

  @Test
  @DisplayName("seq and time are read from the end of a canonical event")
  void tailOfCanonicalEvent() {
    AuditEvent e = TestLogs.event(12345);
    long[] tail = EventTail.seqAndTime(EventCodec.encode(e));
    assertThat(tail).containsExactly(12345, e.time().toEpochMilli());
    assertThat(EventTail.seqAndTime("{}".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(EventTail.seqAndTime(",\"seq\":01,\"time\":\"2025-03-01T09:00:00.000Z\",\"v\":1}"
        .getBytes(StandardCharsets.UTF_8))).isNull();
  }

  @Test
  @DisplayName("SS-002 11.7.1 — a malformed event after the last checkpoint is still named")
  void malformedTailIsDecoded() throws Exception {
    List<LogEntry> entries = new ArrayList<>(TestLogs.log(6, 4));
    // Event 6 (after the checkpoint at 4): a non-canonical but tail-shaped change (a space).
    LogEntry.EncodedEvent six = (LogEntry.EncodedEvent) entries.getLast();
    String text = new String(six.bytes(), StandardCharsets.UTF_8).replace("{\"action\"", "{ \"action\"");
    entries.set(entries.size() - 1, new LogEntry.EncodedEvent(text.getBytes(StandardCharsets.UTF_8)));
    VerificationResult r = TestLogs.verifier().verifyExport(new ByteArrayInputStream(export(entries)));
    assertThat(r).isInstanceOf(VerificationResult.Failed.class);
    VerificationResult.Failed f = (VerificationResult.Failed) r;
    assertThat(f.firstBadSeq()).isEqualTo(6);
    assertThat(f.problem()).startsWith("line 7: not canonical JSON");
  }

  @Test
  @DisplayName("SS-002 11.7.1 — a change to a covered event is caught by the recomputed root")
  void coveredChangeIsCaught() throws Exception {
    List<LogEntry> entries = new ArrayList<>(TestLogs.log(6, 4));
    LogEntry.EncodedEvent two = (LogEntry.EncodedEvent) entries.get(1);
    String text = new String(two.bytes(), StandardCharsets.UTF_8).replace("{\"action\"", "{ \"action\"");
    entries.set(1, new LogEntry.EncodedEvent(text.getBytes(StandardCharsets.UTF_8)));
    VerificationResult r = TestLogs.verifier().verifyExport(new ByteArrayInputStream(export(entries)));
    assertThat(r).isInstanceOf(VerificationResult.Failed.class);
    assertThat(((VerificationResult.Failed) r).firstBadSeq()).isEqualTo(1);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — an event from the future is named")
  void eventFromTheFuture() throws Exception {
    List<LogEntry> entries = TestLogs.log(5, 5);
    java.time.Instant lastTime = TestLogs.event(5).time();
    VerificationResult ok = TestLogs.verifier().withNow(lastTime.plusSeconds(60))
        .verifyExport(new ByteArrayInputStream(export(entries)));
    assertThat(ok).isInstanceOf(VerificationResult.Verified.class);
    VerificationResult r = TestLogs.verifier().withNow(TestLogs.event(3).time().minusSeconds(60))
        .verifyExport(new ByteArrayInputStream(export(entries)));
    assertThat(r).isInstanceOf(VerificationResult.Failed.class);
    assertThat(((VerificationResult.Failed) r).problem()).contains("is in the future");
  }
}
