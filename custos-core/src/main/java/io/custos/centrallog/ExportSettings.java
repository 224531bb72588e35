package io.custos.centrallog;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of the {@link CentralLogExporter}.
 *
 * @param batchSize most entries read and delivered at once
 * @param maxUnconfirmed most entries a sink may have accepted but not yet confirmed; beyond it
 *     the exporter waits for confirmations before sending more, which bounds what a sink holds
 *     in memory and what it has to resend after losing its connection
 * @param idlePoll how often a sink that is up to date looks for new entries even without
 *     {@link CentralLogExporter#wake()} (a safety net for missed wake-ups and other writers)
 * @param confirmPoll how often a sink with unconfirmed entries is asked how far it confirms
 * @param initialBackoff first wait after a failure
 * @param maxBackoff cap of the doubling wait between attempts while a sink keeps failing
 * @param backlogAlertAt a backlog (entries not yet confirmed) of at least this many raises
 *     {@link BacklogListener#backlogHigh}
 * @param backlogClearAt once raised, the alert clears ({@link BacklogListener#backlogRecovered})
 *     when the backlog is down to this many or fewer; below {@code backlogAlertAt}, so a backlog
 *     hovering at the threshold does not flap
 */
public record ExportSettings(int batchSize, int maxUnconfirmed, Duration idlePoll,
    Duration confirmPoll, Duration initialBackoff, Duration maxBackoff, long backlogAlertAt, long backlogClearAt) {

  public ExportSettings {
    Objects.requireNonNull(idlePoll, "idlePoll");
    Objects.requireNonNull(confirmPoll, "confirmPoll");
    if (batchSize < 1 || maxUnconfirmed < 1) {
      throw new IllegalArgumentException("batchSize and maxUnconfirmed must be >= 1, were "
          + batchSize + " and " + maxUnconfirmed);
    }
    if (!idlePoll.isPositive() || !confirmPoll.isPositive() || !initialBackoff.isPositive()) {
      throw new IllegalArgumentException("polls and initial backoff must be positive");
    }
    new Backoff(initialBackoff, maxBackoff); // validates the pair
    if (backlogAlertAt < 1 || backlogClearAt < 0 || backlogClearAt >= backlogAlertAt) {
      throw new IllegalArgumentException("need 0 <= backlogClearAt < backlogAlertAt, was "
          + backlogClearAt + " and " + backlogAlertAt);
    }
  }

  /**
   * Batches of 500, at most 20 000 unconfirmed, idle poll 5 s, confirm poll 250 ms, backoff
   * 500 ms doubling to 60 s, alert at a backlog of 10 000, clear at 5 000.
   */
  public static ExportSettings defaults() {
    return new ExportSettings(500, 20_000, Duration.ofSeconds(5), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(60), 10_000, 5_000);
  }

  public ExportSettings withBatchSize(int size) {
    return new ExportSettings(size, maxUnconfirmed, idlePoll, confirmPoll, initialBackoff,
        maxBackoff, backlogAlertAt, backlogClearAt);
  }

  public ExportSettings withMaxUnconfirmed(int max) {
    return new ExportSettings(batchSize, max, idlePoll, confirmPoll, initialBackoff, maxBackoff,
        backlogAlertAt, backlogClearAt);
  }

  public ExportSettings withPolls(Duration idle, Duration confirm) {
    return new ExportSettings(batchSize, maxUnconfirmed, idle, confirm, initialBackoff,
        maxBackoff, backlogAlertAt, backlogClearAt);
  }

  public ExportSettings withBackoff(Duration initial, Duration max) {
    return new ExportSettings(batchSize, maxUnconfirmed, idlePoll, confirmPoll, initial, max,
        backlogAlertAt, backlogClearAt);
  }

  public ExportSettings withBacklogAlert(long alertAt, long clearAt) {
    return new ExportSettings(batchSize, maxUnconfirmed, idlePoll, confirmPoll, initialBackoff,
        maxBackoff, alertAt, clearAt);
  }
}
