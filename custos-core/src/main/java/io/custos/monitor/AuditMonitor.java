package io.custos.monitor;

import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.failure.CustosException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Feeds every durable audit event to the {@link AnomalyDetector} on its own thread and records
 * each alert as an {@code alert.*} audit event, which central logging exports like any other
 * (SS-002 11.3.14, 11.4.4). The audit writer never waits for the detector.
 */
public final class AuditMonitor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AuditMonitor.class.getName());
  static final int QUEUE_CAPACITY = 100_000;
  private static final AuditEvent.Principal MONITOR = new AuditEvent.Principal("custos", "anomaly-monitor");

  private final AuditLog log;
  private final AnomalyDetector detector;
  private final LinkedBlockingQueue<AuditEvent> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong alerts = new AtomicLong();
  private final Thread worker;
  private volatile boolean closing;

  public AuditMonitor(AuditLog log, AnomalyDetector detector) {
    this.log = log;
    this.detector = detector;
    this.worker = Thread.ofVirtual().name("custos-audit-monitor").start(this::run);
    log.onCommit(this::enqueue);
  }

  private void enqueue(List<AuditEvent> events) {
    for (AuditEvent e : events) {
      if (!queue.offer(e)) {
        dropped.incrementAndGet();
      }
    }
  }

  private void run() {
    while (!closing || !queue.isEmpty()) {
      try {
        AuditEvent e = queue.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (e == null) {
          continue;
        }
        for (Alert a : detector.observe(e)) {
          record(a);
        }
      } catch (InterruptedException ie) {
        return;
      }
    }
  }

  private void record(Alert a) {
    Map<String, String> params = new TreeMap<>(a.evidence());
    if (params.size() < 16) {
      params.put("subject", a.principalId());
    }
    if (params.size() < 16) {
      params.put("message", a.message().length() > 512 ? a.message().substring(0, 512) : a.message());
    }
    try {
      log.record(new AuditDraft("alert-" + a.eventSeq(), MONITOR, a.kind().code(), a.resource(),
          AuditEvent.Outcome.OK, Optional.of(a.control()), "", params));
      alerts.incrementAndGet();
    } catch (CustosException ex) {
      LOG.log(System.Logger.Level.ERROR, "could not record " + a.kind().code() + ": " + ex.getMessage());
    }
  }

  /** Alerts recorded so far. */
  public long alerts() {
    return alerts.get();
  }

  /** Events not examined because the detector fell more than {@value #QUEUE_CAPACITY} behind. */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void close() {
    closing = true;
    try {
      worker.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
