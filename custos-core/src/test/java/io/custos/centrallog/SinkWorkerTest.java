package io.custos.centrallog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The export decisions of one sink, stepped by hand with a fake clock: no threads, no waiting. */
class SinkWorkerTest {
  private static final ExportSettings SETTINGS = ExportSettings.defaults()
      .withBatchSize(100)
      .withPolls(Duration.ofSeconds(5), Duration.ofMillis(250))
      .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
      .withBacklogAlert(50, 10);

  private final ManualClock clock = new ManualClock();
  private final MemoryLog log = new MemoryLog();
  private final MemoryCursors cursors = new MemoryCursors();
  private final List<String> alerts = new ArrayList<>();
  private final BacklogListener listener = new BacklogListener() {
    @Override
    public void backlogHigh(String sinkName, long backlog, long threshold) {
      alerts.add("high " + sinkName + " " + backlog + "/" + threshold);
    }

    @Override
    public void backlogRecovered(String sinkName, long backlog) {
      alerts.add("recovered " + sinkName + " " + backlog);
    }
  };

  private SinkWorker worker(CentralLogSink sink) {
    return new SinkWorker(sink, log, cursors, SETTINGS, listener, clock);
  }

  /** Steps until the worker has nothing to do at once; returns the wait it asked for. */
  private static SinkWorker.Next drain(SinkWorker worker) {
    for (int i = 0; i < 10_000; i++) {
      SinkWorker.Next next = worker.step();
      if (!next.delay().isZero()) {
        return next;
      }
    }
    throw new AssertionError("the worker never went idle");
  }

  private static List<Long> seqs(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  @DisplayName("SS-002 11.7.1 — events reach the central log in order, none lost")
  void deliversEverythingInOrder() {
    ScriptedSink sink = new ScriptedSink("siem", true);
    SinkWorker worker = worker(sink);
    log.append(1234);

    SinkWorker.Next next = drain(worker);

    assertThat(sink.received()).isEqualTo(seqs(1, 1234));
    assertThat(sink.batches()).hasSize(13).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(100));
    assertThat(cursors.cursor("siem")).isEqualTo(1234);
    assertThat(next).as("up to date: idle until woken").isEqualTo(new SinkWorker.Next(Duration.ofSeconds(5), true));
  }

  @Test
  @DisplayName("SS-002 11.7.1 — the cursor never passes what the sink has confirmed")
  void cursorFollowsConfirmation() {
    ScriptedSink sink = new ScriptedSink("tcp", false);
    SinkWorker worker = worker(sink);
    log.append(30);

    assertThat(drain(worker)).isEqualTo(new SinkWorker.Next(Duration.ofMillis(250), true));
    assertThat(sink.accepted()).isEqualTo(30);
    assertThat(cursors.cursor("tcp")).isZero();

    sink.confirm(12);
    drain(worker);
    assertThat(cursors.cursor("tcp")).isEqualTo(12);

    sink.confirm(30);
    assertThat(drain(worker)).isEqualTo(new SinkWorker.Next(Duration.ofSeconds(5), true));
    assertThat(cursors.moves()).containsExactly("tcp->12", "tcp->30");
  }

  @Test
  @DisplayName("a sink is never more than maxUnconfirmed entries ahead of its confirmations")
  void boundsUnconfirmedEntries() {
    ScriptedSink sink = new ScriptedSink("tcp", false);
    SinkWorker worker = new SinkWorker(sink, log, cursors, SETTINGS.withMaxUnconfirmed(30),
        listener, clock);
    log.append(100);

    assertThat(drain(worker)).isEqualTo(new SinkWorker.Next(Duration.ofMillis(250), false));
    assertThat(sink.accepted()).isEqualTo(30);
    sink.confirm(25);
    drain(worker);
    assertThat(sink.accepted()).isEqualTo(55);
    assertThat(sink.received()).isEqualTo(seqs(1, 55));
  }

  @Test
  @DisplayName("SS-002 11.7.1 — a sink that is down loses nothing and catches up in order")
  void catchesUpAfterOutage() {
    ScriptedSink sink = new ScriptedSink("siem", true);
    SinkWorker worker = worker(sink);
    log.append(10);
    drain(worker);
    worker.step();

    sink.down(true);
    log.append(25);
    for (int i = 0; i < 5; i++) {
      assertThat(worker.step().wakeable()).as("a failing sink is not hurried by wake-ups").isFalse();
    }
    assertThat(cursors.cursor("siem")).isEqualTo(10);
    assertThat(worker.status().consecutiveFailures()).isEqualTo(5);
    assertThat(worker.status().failingSince()).contains(clock.instant());

    sink.down(false);
    drain(worker);
    worker.step();
    assertThat(sink.received()).isEqualTo(seqs(1, 35));
    assertThat(cursors.cursor("siem")).isEqualTo(35);
    assertThat(worker.status().consecutiveFailures()).isZero();
    assertThat(worker.status().lastFailure()).isEmpty();
  }

  @Test
  @DisplayName("retries back off exponentially up to the cap and start again from the bottom after a success")
  void exponentialBackoff() {
    ScriptedSink sink = new ScriptedSink("siem", true);
    SinkWorker worker = worker(sink);
    log.append(1);
    sink.down(true);

    List<Duration> waits = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      waits.add(worker.step().delay());
    }
    assertThat(waits).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200),
        Duration.ofMillis(400), Duration.ofMillis(800), Duration.ofSeconds(1), Duration.ofSeconds(1));

    sink.down(false);
    drain(worker);
    sink.down(true);
    assertThat(worker.step().delay()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  @DisplayName("a failed batch is offered again, from the first entry the sink did not accept")
  void failedBatchIsRetried() {
    ScriptedSink sink = new ScriptedSink("siem", true);
    SinkWorker worker = worker(sink);
    log.append(150);
    sink.failNext(2);

    drain(worker); // fails twice on 1..100
    drain(worker);
    drain(worker);

    assertThat(sink.received()).isEqualTo(seqs(1, 150));
    assertThat(sink.deliverCalls()).isEqualTo(4);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — after a restart delivery resumes at the durable cursor; unconfirmed entries are sent again")
  void restartResumesAtCursor() {
    ScriptedSink before = new ScriptedSink("tcp", false);
    SinkWorker first = worker(before);
    log.append(10);
    drain(first);
    before.confirm(6);
    drain(first);
    assertThat(cursors.cursor("tcp")).isEqualTo(6);

    ScriptedSink after = new ScriptedSink("tcp", true);
    drain(worker(after));

    assertThat(after.received()).isEqualTo(seqs(7, 10));
  }

  @Test
  @DisplayName("SS-002 11.7.1 — a seq that is not readable yet is waited for, never skipped")
  void neverSkipsAGap() {
    ScriptedSink sink = new ScriptedSink("siem", true);
    SinkWorker worker = worker(sink);
    log.add(MemoryLog.entry(1, "kms.encrypt"));
    log.add(MemoryLog.entry(2, "kms.encrypt"));
    log.add(MemoryLog.entry(4, "kms.encrypt")); // 3 committed later

    assertThat(drain(worker)).isEqualTo(new SinkWorker.Next(Duration.ofMillis(250), true));
    assertThat(sink.received()).containsExactly(1L, 2L);

    log.add(MemoryLog.entry(3, "cert.revoked"));
    drain(worker);
    assertThat(sink.received()).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — the backlog alert fires once when it crosses the threshold and once when it recovers")
  void backlogAlertFiresOncePerTransition() {
    ScriptedSink sink = new ScriptedSink("siem", true);
    SinkWorker worker = worker(sink);
    sink.down(true);
    log.append(49);
    worker.step();
    assertThat(alerts).isEmpty();

    log.append(1);
    worker.step();
    log.append(100);
    worker.step();
    worker.step();
    assertThat(alerts).containsExactly("high siem 50/50");
    assertThat(worker.status().backlogHigh()).isTrue();
    assertThat(worker.status().backlog()).isEqualTo(150);

    sink.down(false);
    drain(worker);
    worker.step();
    log.append(5); // still under the clearing level: no new alert
    drain(worker);
    assertThat(alerts).containsExactly("high siem 50/50", "recovered siem 0");
    assertThat(worker.status().backlogHigh()).isFalse();
  }

  @Test
  @DisplayName("a failing audit store is retried like a failing sink, and nothing is delivered twice")
  void failingSourceIsRetried() {
    ScriptedSink sink = new ScriptedSink("siem", true);
    SinkWorker worker = worker(sink);
    log.append(3);
    log.failWith(new IllegalStateException("database unavailable"));

    SinkWorker.Next next = worker.step();
    assertThat(next).isEqualTo(new SinkWorker.Next(Duration.ofMillis(100), false));
    assertThat(worker.status().lastFailure()).hasValueSatisfying(f -> assertThat(f).contains("database unavailable"));

    log.failWith(null);
    drain(worker);
    assertThat(sink.received()).containsExactly(1L, 2L, 3L);
  }

  @Test
  @DisplayName("a listener that throws does not stop the export")
  void throwingListenerIsContained() {
    ScriptedSink sink = new ScriptedSink("siem", true);
    SinkWorker worker = new SinkWorker(sink, log, cursors, SETTINGS.withBacklogAlert(1, 0),
        new BacklogListener() {
          @Override
          public void backlogHigh(String sinkName, long backlog, long threshold) {
            throw new IllegalStateException("pager down");
          }

          @Override
          public void backlogRecovered(String sinkName, long backlog) {
            throw new IllegalStateException("pager down");
          }
        }, clock);
    log.append(20);
    drain(worker);
    worker.step();
    assertThat(cursors.cursor("siem")).isEqualTo(20);
  }
}
