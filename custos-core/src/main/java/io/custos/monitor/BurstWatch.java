package io.custos.monitor;

/** One subject's recent events of one kind and the cool-down of the alert they may raise. */
final class BurstWatch {
  private final RecentTimes recent;
  private final CoolDown coolDown = new CoolDown();

  BurstWatch(int threshold) {
    recent = new RecentTimes(threshold);
  }

  /**
   * Records an event; true when the last {@code threshold} events now lie within the window
   * and the subject is out of its cool-down (the alert is then counted as raised).
   */
  boolean record(long millis, long windowMillis, long coolDownMillis) {
    long t = recent.add(millis);
    return recent.fullWithin(windowMillis) && coolDown.tryAlert(t, coolDownMillis);
  }

  /** Milliseconds the last {@code threshold} events spanned. */
  long span() {
    return recent.span();
  }
}
