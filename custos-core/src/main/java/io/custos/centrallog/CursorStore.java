package io.custos.centrallog;

/**
 * Port: each sink's durable delivery cursor, the seq through which everything has been
 * confirmed by that sink. Implemented by the integrator over the database. Must be safe for
 * concurrent use by the sinks' workers (each writes only its own name).
 */
public interface CursorStore {

  /** The sink's cursor; 0 if it has delivered nothing yet. */
  long cursor(String sinkName);

  /**
   * Moves the sink's cursor forward to {@code seq}, durably before returning. A move backwards
   * is ignored. The exporter calls this only with a seq the sink has confirmed, so after a
   * restart delivery resumes just after it: nothing confirmed is lost, and only entries that
   * were sent but not yet confirmed are sent again.
   */
  void advance(String sinkName, long seq);
}
