package io.custos.centrallog;

/**
 * Told when a sink falls behind and when it has caught up again, so that operators learn that
 * events are not reaching the central log (SS-002 11.7.1) while Custos keeps them queued.
 * Each transition is reported once: {@link #backlogHigh} when the backlog reaches
 * {@link ExportSettings#backlogAlertAt()}, then {@link #backlogRecovered} when it is down to
 * {@link ExportSettings#backlogClearAt()}. Called on the sink's worker thread; must return
 * promptly. An exception thrown here is logged and otherwise ignored.
 */
public interface BacklogListener {

  /** Reports nothing. */
  BacklogListener NONE = new BacklogListener() {
    @Override
    public void backlogHigh(String sinkName, long backlog, long threshold) {}

    @Override
    public void backlogRecovered(String sinkName, long backlog) {}
  };

  /** The sink has {@code backlog} entries not yet confirmed, at least {@code threshold}. */
  void backlogHigh(String sinkName, long backlog, long threshold);

  /** The sink's backlog is back down to {@code backlog}. */
  void backlogRecovered(String sinkName, long backlog);
}
