package io.custos.monitor;

/** When a subject last raised an alert of one kind, so that the next waits for the cool-down. */
final class CoolDown {
  private boolean alerted;
  private long lastMillis;

  /** Whether an alert at {@code millis} is allowed; if so, records it. */
  boolean tryAlert(long millis, long coolDownMillis) {
    // A late event (timed before the last alert) falls inside the cool-down too.
    if (alerted && millis - lastMillis < coolDownMillis) {
      return false;
    }
    alerted = true;
    lastMillis = millis;
    return true;
  }
}
