package io.custos.centrallog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** An in-memory audit log: the exporter's source, appended to by tests. Thread-safe. */
final class MemoryLog implements EntrySource {
  private final List<LogEntry> entries = new ArrayList<>();
  private volatile RuntimeException failure;

  static LogEntry entry(long seq, String action) {
    return new LogEntry(seq, Instant.parse("2026-01-02T03:04:05.678Z").plusSeconds(seq), action,
        Severity.INFORMATIONAL, "{\"action\":\"" + action + "\",\"outcome\":\"ok\",\"seq\":" + seq + "}");
  }

  /** Appends {@code n} events and returns the last seq. */
  synchronized long append(int n) {
    for (int i = 0; i < n; i++) {
      long seq = entries.size() + 1;
      entries.add(entry(seq, seq % 7 == 0 ? "cert.revoked" : "kms.encrypt"));
    }
    return entries.size();
  }

  synchronized void add(LogEntry entry) {
    entries.add(entry);
  }

  void failWith(RuntimeException e) {
    failure = e;
  }

  @Override
  public synchronized long lastSeq() {
    throwIfFailing();
    return entries.isEmpty() ? 0 : entries.getLast().seq();
  }

  @Override
  public synchronized List<LogEntry> after(long seq, int max) {
    throwIfFailing();
    return entries.stream().filter(e -> e.seq() > seq).sorted(
        (a, b) -> Long.compare(a.seq(), b.seq())).limit(max).toList();
  }

  private void throwIfFailing() {
    RuntimeException e = failure;
    if (e != null) {
      throw e;
    }
  }
}
