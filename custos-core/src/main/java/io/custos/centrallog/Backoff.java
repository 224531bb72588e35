package io.custos.centrallog;

import java.time.Duration;
import java.util.Objects;

/** Exponential backoff: initial, then doubling up to a cap; reset on success. Not thread-safe. */
final class Backoff {
  private final Duration initial;
  private final Duration max;
  private Duration current;

  Backoff(Duration initial, Duration max) {
    this.initial = Objects.requireNonNull(initial, "initial");
    this.max = Objects.requireNonNull(max, "max");
    if (initial.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("backoff needs 0 <= initial <= max, was " + initial + ".." + max);
    }
  }

  /** The next wait: {@code initial}, then twice the previous one, never more than the cap. */
  Duration next() {
    current = current == null ? initial : min(current.multipliedBy(2), max);
    return current;
  }

  void reset() {
    current = null;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
