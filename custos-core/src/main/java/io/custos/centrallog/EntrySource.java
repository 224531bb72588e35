package io.custos.centrallog;

import java.util.List;

/**
 * Port: read access to the audit log, which is the exporter's durable queue. Implemented by
 * the integrator over the audit tables. Implementations must be safe for concurrent use: every
 * sink's worker reads independently.
 */
public interface EntrySource {

  /** Highest seq in the log; 0 for an empty log. */
  long lastSeq();

  /**
   * Up to {@code max} entries with seq greater than {@code seq}, in ascending seq order. The
   * exporter never skips a seq: if the first entry returned is not {@code seq + 1} (for
   * example because a later transaction became visible before an earlier one), it delivers
   * nothing and asks again later.
   */
  List<LogEntry> after(long seq, int max);
}
