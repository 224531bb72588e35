package io.custos.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What every adapter's {@link AuditRecords} must do. Runs inside {@link StorageContract}'s lifecycle. */
public abstract class AuditRecordsContract extends StorageContract {

  private AuditRecords audit() {
    return storage.audit();
  }

  static AuditRecords.EventRow row(long seq) {
    byte[] hash = new byte[32];
    hash[0] = (byte) seq;
    return new AuditRecords.EventRow(seq, Instant.ofEpochMilli(1_700_000_000_000L + seq),
        ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8), hash);
  }

  static List<AuditRecords.EventRow> rows(long from, long to) {
    return new ArrayList<>(LongStream.rangeClosed(from, to).mapToObj(AuditRecordsContract::row).toList());
  }

  @Test
  @DisplayName("SS-002 11.7.1 — events are appended in order and read back exactly")
  void appendAndRead() {
    assertThat(audit().lastSeq()).isZero();
    audit().append(rows(1, 3));
    audit().append(rows(4, 10));
    assertThat(audit().lastSeq()).isEqualTo(10);
    assertThat(audit().read(1, 100)).containsExactlyElementsOf(rows(1, 10));
    assertThat(audit().read(4, 2)).containsExactlyElementsOf(rows(4, 5));
    assertThat(audit().leafHashes(2, 4)).extracting(h -> h[0]).containsExactly((byte) 2, (byte) 3, (byte) 4);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — a gap, a repeat or a reordering is refused and nothing is written")
  void noGapsOrRepeats() {
    audit().append(rows(1, 2));
    assertThatThrownBy(() -> audit().append(rows(4, 5))).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> audit().append(rows(2, 3))).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> audit().append(List.of(row(3), row(5)))).isInstanceOf(InvalidInputException.class);
    assertThat(audit().lastSeq()).isEqualTo(2);
  }

  @Test
  @DisplayName("checkpoints are stored once per tree size and listed in order")
  void checkpoints() {
    audit().append(rows(1, 5));
    assertThat(audit().latestCheckpoint()).isEmpty();
    var a = new AuditRecords.CheckpointRow(2, Instant.ofEpochMilli(1000), "note 2");
    var b = new AuditRecords.CheckpointRow(5, Instant.ofEpochMilli(2000), "note 5");
    audit().addCheckpoint(a);
    audit().addCheckpoint(b);
    assertThatThrownBy(() -> audit().addCheckpoint(new AuditRecords.CheckpointRow(5, Instant.ofEpochMilli(3000), "again")))
        .isInstanceOf(ConflictException.class);
    assertThat(audit().latestCheckpoint()).contains(b);
    assertThat(audit().checkpoints(1, 4)).containsExactly(a);
    assertThat(audit().checkpoints(1, 100)).containsExactly(a, b);
  }

  @Test
  @DisplayName("sink cursors only move forward")
  void cursors() {
    assertThat(audit().cursor("syslog")).isZero();
    audit().advanceCursor("syslog", 5);
    audit().advanceCursor("syslog", 3);
    audit().advanceCursor("file", 1);
    assertThat(audit().cursor("syslog")).isEqualTo(5);
    assertThat(audit().cursor("file")).isEqualTo(1);
    assertThatThrownBy(() -> audit().cursor("Bad Name")).isInstanceOf(InvalidInputException.class);
  }
}
