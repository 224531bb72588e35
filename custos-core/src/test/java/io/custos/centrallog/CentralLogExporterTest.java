package io.custos.centrallog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The exporter with its threads: wake-ups, independence of sinks, backlog, clean stop. */
@Timeout(20)
class CentralLogExporterTest {
  // Polls so long that only wake() can explain prompt delivery.
  private static final ExportSettings SETTINGS = ExportSettings.defaults()
      .withPolls(Duration.ofHours(1), Duration.ofMillis(20))
      .withBackoff(Duration.ofMillis(20), Duration.ofMillis(50));

  private final MemoryLog log = new MemoryLog();
  private final MemoryCursors cursors = new MemoryCursors();
  private final ManualClock clock = new ManualClock();

  @Test
  @DisplayName("SS-002 11.6.5 — a revocation reaches every sink promptly after wake()")
  void wakeDeliversPromptly() throws Exception {
    ScriptedSink siem = new ScriptedSink("siem", true);
    ScriptedSink file = new ScriptedSink("file", true);
    try (CentralLogExporter exporter = new CentralLogExporter(log, cursors, List.of(siem, file),
        SETTINGS, BacklogListener.NONE, clock)) {
      exporter.start();
      assertThat(siem.awaitSeq(1, 200)).isFalse(); // nothing to send yet

      long last = log.append(7); // seq 7 is a cert.revoked
      exporter.wake();

      assertThat(siem.awaitSeq(last, 5_000)).isTrue();
      assertThat(file.awaitSeq(last, 5_000)).isTrue();
      assertThat(siem.received()).isEqualTo(LongStream.rangeClosed(1, 7).boxed().toList());
      awaitBacklogZero(exporter, "siem");
      awaitBacklogZero(exporter, "file");
    }
  }

  @Test
  @DisplayName("SS-002 11.7.1 — one failing sink does not hold back the others, and catches up when it returns")
  void sinksAreIndependent() throws Exception {
    ScriptedSink healthy = new ScriptedSink("healthy", true);
    ScriptedSink broken = new ScriptedSink("broken", true);
    broken.down(true);
    try (CentralLogExporter exporter = new CentralLogExporter(log, cursors, List.of(broken, healthy),
        SETTINGS, BacklogListener.NONE, clock)) {
      exporter.start();
      long last = log.append(500);
      exporter.wake();

      assertThat(healthy.awaitSeq(last, 5_000)).isTrue();
      assertThat(exporter.backlog("broken")).isEqualTo(500);
      SinkStatus brokenStatus = exporter.status().getFirst();
      assertThat(brokenStatus.sink()).isEqualTo("broken");

      broken.down(false); // picked up at the next retry, within the 50 ms backoff cap
      assertThat(broken.awaitSeq(last, 5_000)).isTrue();
      assertThat(broken.received()).isEqualTo(healthy.received());
      awaitBacklogZero(exporter, "broken");
    }
  }

  @Test
  @DisplayName("SS-002 11.7.1 — the backlog listener hears when a sink falls behind and when it recovers")
  void backlogListener() throws Exception {
    ScriptedSink sink = new ScriptedSink("siem", true);
    sink.down(true);
    CountDownLatch high = new CountDownLatch(1);
    CountDownLatch recovered = new CountDownLatch(1);
    BacklogListener listener = new BacklogListener() {
      @Override
      public void backlogHigh(String sinkName, long backlog, long threshold) {
        high.countDown();
      }

      @Override
      public void backlogRecovered(String sinkName, long backlog) {
        recovered.countDown();
      }
    };
    try (CentralLogExporter exporter = new CentralLogExporter(log, cursors, List.of(sink),
        SETTINGS.withBacklogAlert(100, 0), listener, clock)) {
      exporter.start();
      log.append(150);
      assertThat(high.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(recovered.getCount()).isOne();
      sink.down(false);
      assertThat(recovered.await(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  @DisplayName("close() stops the workers and closes the sinks; a new exporter resumes at the cursor")
  void closeStopsCleanly() throws Exception {
    ScriptedSink first = new ScriptedSink("siem", true);
    CentralLogExporter exporter = new CentralLogExporter(log, cursors, List.of(first), SETTINGS,
        BacklogListener.NONE, clock);
    exporter.start();
    log.append(10);
    exporter.wake();
    assertThat(first.awaitSeq(10, 5_000)).isTrue();
    awaitBacklogZero(exporter, "siem");
    exporter.close();
    assertThat(first.closed()).isTrue();

    log.append(5);
    ScriptedSink second = new ScriptedSink("siem", true);
    try (CentralLogExporter next = new CentralLogExporter(log, cursors, List.of(second), SETTINGS,
        BacklogListener.NONE, clock)) {
      next.start();
      assertThat(second.awaitSeq(15, 5_000)).isTrue();
      assertThat(second.received()).containsExactly(11L, 12L, 13L, 14L, 15L);
    }
  }

  @Test
  @DisplayName("sink names are unique and backlog() knows only configured sinks")
  void configurationErrors() {
    ScriptedSink a = new ScriptedSink("same", true);
    ScriptedSink b = new ScriptedSink("same", true);
    assertThatThrownBy(() -> new CentralLogExporter(log, cursors, List.of(a, b), SETTINGS,
        BacklogListener.NONE, clock)).isInstanceOf(IllegalArgumentException.class);
    try (CentralLogExporter exporter = new CentralLogExporter(log, cursors, List.of(a), SETTINGS,
        BacklogListener.NONE, clock)) {
      assertThatThrownBy(() -> exporter.backlog("other")).isInstanceOf(IllegalArgumentException.class);
      log.append(3);
      assertThat(exporter.backlog("same")).isEqualTo(3);
      assertThat(exporter.status()).extracting(SinkStatus::sink).containsExactly("same");
    }
  }

  @Test
  @DisplayName("settings refuse nonsense values")
  void settingsValidation() {
    assertThatThrownBy(() -> ExportSettings.defaults().withBatchSize(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ExportSettings.defaults().withBacklogAlert(10, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ExportSettings.defaults().withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private void awaitBacklogZero(CentralLogExporter exporter, String sink) throws InterruptedException {
    assertThat(cursors.awaitCursor(sink, log.lastSeq(), 5_000)).as("cursor of " + sink).isTrue();
    assertThat(exporter.backlog(sink)).as("backlog of " + sink).isZero();
  }
}
