package io.custos.monitor;

/**
 * The times of the last {@code n} events of one subject, in a ring: enough to tell exactly
 * whether {@code n} events fell within a window, in O(1) time and {@code 8n} bytes.
 */
final class RecentTimes {
  private final long[] times;
  private int next;
  private int size;

  RecentTimes(int n) {
    times = new long[n];
  }

  /**
   * Adds an event time and returns the time actually recorded: never earlier than the newest
   * already held, so a late event counts as if it came with the newest.
   */
  long add(long millis) {
    long t = size == 0 ? millis : Math.max(millis, newest());
    times[next] = t;
    next = (next + 1) % times.length;
    if (size < times.length) {
      size++;
    }
    return t;
  }

  /** Whether {@code n} times are held and the newest is less than {@code window} after the oldest. */
  boolean fullWithin(long windowMillis) {
    return size == times.length && newest() - oldest() < windowMillis;
  }

  /** Milliseconds from the oldest to the newest time held; 0 when empty. */
  long span() {
    return size == 0 ? 0 : newest() - oldest();
  }

  private long newest() {
    return times[(next - 1 + times.length) % times.length];
  }

  private long oldest() {
    return size < times.length ? times[0] : times[next];
  }
}
