package io.custos.centrallog;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The export of one sink as a step function: each {@link #step()} confirms, advances the
 * cursor, delivers at most one batch, checks the backlog and says how long to wait before the
 * next step. No threads and no waiting here, so every decision can be tested with a fake clock.
 */
final class SinkWorker {
  private static final System.Logger LOG = System.getLogger(CentralLogExporter.class.getName());

  /** What to do after a step: wait {@code delay}, cut short by a wake-up if {@code wakeable}. */
  record Next(Duration delay, boolean wakeable) {}

  private final CentralLogSink sink;
  private final EntrySource source;
  private final CursorStore cursors;
  private final ExportSettings settings;
  private final BacklogListener listener;
  private final InstantSource clock;
  private final Backoff backoff;
  private long cursor = -1; // not loaded yet
  private long accepted;
  private long backlog;
  private boolean alerting;
  private long gapReportedAt = -1;
  private int failures;
  private String lastFailure;
  private Instant failingSince;
  private Instant lastProgress;
  private volatile SinkStatus status;

  SinkWorker(CentralLogSink sink, EntrySource source, CursorStore cursors, ExportSettings settings,
      BacklogListener listener, InstantSource clock) {
    this.sink = sink;
    this.source = source;
    this.cursors = cursors;
    this.settings = settings;
    this.listener = listener;
    this.clock = clock;
    this.backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff());
    publishStatus();
  }

  String name() {
    return sink.name();
  }

  SinkStatus status() {
    return status;
  }

  Next step() {
    Next next;
    try {
      next = attempt();
      succeeded();
    } catch (IOException | RuntimeException e) {
      next = new Next(failed(e), false); // a failing sink is not hurried by wake-ups
    }
    watchBacklog();
    publishStatus();
    return next;
  }

  private Next attempt() throws IOException {
    if (cursor < 0) {
      cursor = cursors.cursor(name());
      accepted = cursor; // whatever was sent beyond it before a restart is sent again
    }
    long confirmed = Math.min(sink.confirmedThrough(), accepted);
    if (confirmed > cursor) {
      cursors.advance(name(), confirmed);
      cursor = confirmed;
      lastProgress = clock.instant();
    }
    long room = settings.maxUnconfirmed() - (accepted - cursor);
    if (room <= 0) {
      return new Next(settings.confirmPoll(), false); // let the sink catch up on confirmations
    }
    int max = (int) Math.min(settings.batchSize(), room);
    List<LogEntry> batch = contiguous(source.after(accepted, max));
    if (!batch.isEmpty()) {
      sink.deliver(batch);
      accepted = batch.getLast().seq();
      lastProgress = clock.instant();
      return new Next(Duration.ZERO, true);
    }
    boolean waiting = accepted > cursor || gapReportedAt == accepted + 1;
    return new Next(waiting ? settings.confirmPoll() : settings.idlePoll(), true);
  }

  /** The entries that continue exactly after {@code accepted}; never skips a seq. */
  private List<LogEntry> contiguous(List<LogEntry> read) {
    List<LogEntry> out = new ArrayList<>(read.size());
    long expected = accepted + 1;
    for (LogEntry entry : read) {
      if (entry.seq() < expected && out.isEmpty()) {
        continue; // at or before what was accepted: the source overlapped
      }
      if (entry.seq() != expected) {
        break;
      }
      out.add(entry);
      expected++;
    }
    if (out.isEmpty() && !read.isEmpty() && read.getLast().seq() > accepted) {
      if (gapReportedAt != accepted + 1) {
        gapReportedAt = accepted + 1;
        LOG.log(System.Logger.Level.WARNING, "central log sink {0}: seq {1} is not readable yet"
            + " but later ones are; waiting for it rather than skipping", name(),
            String.valueOf(accepted + 1));
      }
    } else {
      gapReportedAt = -1;
    }
    return out;
  }

  private void succeeded() {
    if (failures > 0) {
      LOG.log(System.Logger.Level.INFO, "central log sink {0} recovered after {1} failed attempts",
          name(), failures);
    }
    failures = 0;
    lastFailure = null;
    failingSince = null;
    backoff.reset();
  }

  private Duration failed(Exception e) {
    failures++;
    lastFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
    if (failingSince == null) {
      failingSince = clock.instant();
    }
    Duration wait = backoff.next();
    LOG.log(failures == 1 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
        "central log sink {0} failed (attempt {1}), retrying in {2}: {3}",
        name(), failures, wait, lastFailure);
    return wait;
  }

  private void watchBacklog() {
    if (cursor < 0) {
      return;
    }
    try {
      backlog = Math.max(0, source.lastSeq() - cursor);
    } catch (RuntimeException e) {
      return; // the source is failing; the failure is already being reported
    }
    try {
      if (!alerting && backlog >= settings.backlogAlertAt()) {
        alerting = true;
        LOG.log(System.Logger.Level.WARNING, "central log sink {0} is {1} entries behind",
            name(), String.valueOf(backlog));
        listener.backlogHigh(name(), backlog, settings.backlogAlertAt());
      } else if (alerting && backlog <= settings.backlogClearAt()) {
        alerting = false;
        LOG.log(System.Logger.Level.INFO, "central log sink {0} has caught up ({1} behind)",
            name(), String.valueOf(backlog));
        listener.backlogRecovered(name(), backlog);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "backlog listener failed", e);
    }
  }

  private void publishStatus() {
    status = new SinkStatus(name(), Math.max(cursor, 0), accepted, backlog, alerting, failures,
        Optional.ofNullable(lastFailure), Optional.ofNullable(failingSince),
        Optional.ofNullable(lastProgress));
  }
}
