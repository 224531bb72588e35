package io.custos.centrallog;

import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The front door of central logging (SS-002 11.7.1: CA logs exported to a central logging
 * facility; 11.6.5: every revocation recorded there). It copies the audit log to each
 * configured sink.
 *
 * <p>The audit log is the durable queue; each sink has its own cursor in a {@link CursorStore}.
 * One virtual thread per sink reads from that cursor in batches, delivers them, and moves the
 * cursor only through what the sink {@linkplain CentralLogSink#confirmedThrough() confirmed}.
 * Hence, for every sink:
 *
 * <ul>
 *   <li><b>Nothing is lost</b>: an entry leaves the queue only once its sink vouched for it. A
 *       sink that is down falls behind and catches up when it returns, also across restarts of
 *       Custos.
 *   <li><b>Nothing is skipped or reordered</b>: entries are handed over in seq order without
 *       gaps; if a seq is not readable yet, delivery waits for it.
 *   <li><b>At least once</b>: entries that were sent but not confirmed before a failure or a
 *       restart are sent again. Duplicates carry the same seq.
 *   <li><b>Sinks are independent</b>: one failing sink does not hold back another.
 * </ul>
 *
 * <p>A failing sink is retried with exponential backoff up to a cap. The {@link BacklogListener}
 * hears once when a sink's backlog ({@code lastSeq - cursor}) reaches the alert threshold and
 * once when it has recovered. {@link #wake()} after an append delivers promptly; without it, a
 * sink looks for new entries every {@link ExportSettings#idlePoll()}. In a cluster, run the
 * exporter on one node only (the one holding the scheduler lock).
 */
public final class CentralLogExporter implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(CentralLogExporter.class.getName());
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private final EntrySource source;
  private final CursorStore cursors;
  private final List<CentralLogSink> sinks;
  private final Map<String, Runner> runners = new LinkedHashMap<>();
  private volatile boolean running;
  private boolean started;
  private boolean closed;

  /**
   * @param sinks the destinations, with distinct names; the exporter owns them and closes them
   *     in {@link #close()}
   * @param clock the time source for status and for sinks' own timing decisions
   */
  public CentralLogExporter(EntrySource source, CursorStore cursors,
      List<? extends CentralLogSink> sinks, ExportSettings settings, BacklogListener listener,
      InstantSource clock) {
    this.source = Objects.requireNonNull(source, "source");
    this.cursors = Objects.requireNonNull(cursors, "cursors");
    this.sinks = List.copyOf(sinks);
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(clock, "clock");
    Set<String> names = new HashSet<>();
    for (CentralLogSink sink : this.sinks) {
      if (!names.add(sink.name())) {
        throw new IllegalArgumentException("two sinks are named " + sink.name());
      }
      SinkWorker worker = new SinkWorker(sink, source, cursors, settings, listener, clock);
      runners.put(sink.name(), new Runner(worker));
    }
  }

  /** Starts one virtual thread per sink. */
  public synchronized void start() {
    if (started || closed) {
      throw new IllegalStateException("the exporter was already started or closed");
    }
    started = true;
    running = true;
    runners.values().forEach(r -> r.thread = Thread.ofVirtual()
        .name("centrallog-" + r.worker.name()).start(r::run));
  }

  /** Asks every sink that is not backing off from a failure to look for new entries now. */
  public void wake() {
    runners.values().forEach(Runner::wake);
  }

  /** Entries in the log that the named sink has not yet confirmed: {@code lastSeq - cursor}. */
  public long backlog(String sinkName) {
    if (!runners.containsKey(sinkName)) {
      throw new IllegalArgumentException("no sink named " + sinkName);
    }
    return Math.max(0, source.lastSeq() - cursors.cursor(sinkName));
  }

  /** The latest status of every sink, in configuration order. */
  public List<SinkStatus> status() {
    return runners.values().stream().map(r -> r.worker.status()).toList();
  }

  /**
   * Stops the workers (waiting up to 5 s for a step in progress, then interrupting it, which
   * aborts blocking I/O) and closes the sinks. Entries not yet confirmed are delivered again by
   * the next exporter.
   */
  @Override
  public void close() {
    synchronized (this) {
      running = false;
      closed = true;
    }
    runners.values().forEach(Runner::wake);
    for (Runner r : runners.values()) {
      r.stop();
    }
    for (CentralLogSink sink : sinks) {
      try {
        sink.close();
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "closing central log sink " + sink.name() + " failed", e);
      }
    }
  }

  /** The thread shell around one {@link SinkWorker}: runs steps and waits between them. */
  private final class Runner {
    private final SinkWorker worker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();
    private boolean woken;
    private volatile Thread thread;

    Runner(SinkWorker worker) {
      this.worker = worker;
    }

    void run() {
      try {
        while (running) {
          SinkWorker.Next next = worker.step();
          pause(next);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // stopping
      } catch (RuntimeException | Error e) {
        LOG.log(System.Logger.Level.ERROR, "central log worker " + worker.name() + " died", e);
        throw e;
      }
    }

    private void pause(SinkWorker.Next next) throws InterruptedException {
      lock.lock();
      try {
        long nanos = next.delay().toNanos();
        while (running && nanos > 0 && !(next.wakeable() && woken)) {
          nanos = signal.awaitNanos(nanos);
        }
        if (next.wakeable()) {
          woken = false;
        }
      } finally {
        lock.unlock();
      }
    }

    void wake() {
      lock.lock();
      try {
        woken = true;
        signal.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void stop() {
      Thread t = thread;
      if (t == null) {
        return;
      }
      try {
        if (!t.join(STOP_GRACE)) {
          t.interrupt();
          if (!t.join(STOP_GRACE)) {
            LOG.log(System.Logger.Level.WARNING, "central log worker {0} did not stop", worker.name());
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
