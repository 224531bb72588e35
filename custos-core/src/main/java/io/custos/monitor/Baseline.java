package io.custos.monitor;

/**
 * One subject's events per fixed window, folded into an exponentially weighted moving average
 * when each window ends. Each update is O(1), however many empty windows passed in between.
 */
final class Baseline {
  private long window;
  private long count;
  private double mean;
  private long finished;
  private boolean alertedThisWindow;
  private final CoolDown coolDown = new CoolDown();

  Baseline(long window) {
    this.window = window;
  }

  /**
   * Counts one event in window {@code index}. A later index first folds the current window and
   * any empty ones after it into the average; an earlier one (a late event) counts in the
   * current window.
   */
  void add(long index, double alpha) {
    if (index > window) {
      mean = finished == 0 ? count : alpha * count + (1 - alpha) * mean;
      long empty = index - window - 1;
      if (empty > 0) {
        // Folding k zero counts multiplies the average by (1 - alpha)^k.
        mean *= Math.pow(1 - alpha, empty);
      }
      finished = saturatingAdd(finished, 1 + empty);
      window = index;
      count = 0;
      alertedThisWindow = false;
    }
    count++;
  }

  /**
   * Whether the current window is a spike: warm-up over, count above {@code max(minCount, factor
   * × baseline)}, no alert yet this window and the cool-down over. If so the alert is recorded.
   */
  boolean spike(MonitorSettings.Rate rate, long millis) {
    if (finished < rate.warmUpWindows() || alertedThisWindow || count <= threshold(rate)) {
      return false;
    }
    if (!coolDown.tryAlert(millis, rate.coolDown().toMillis())) {
      return false;
    }
    alertedThisWindow = true;
    return true;
  }

  double threshold(MonitorSettings.Rate rate) {
    return Math.max(rate.minCount(), rate.factor() * mean);
  }

  long count() {
    return count;
  }

  double mean() {
    return mean;
  }

  private static long saturatingAdd(long a, long b) {
    long sum = a + b;
    return sum < a ? Long.MAX_VALUE : sum;
  }
}
