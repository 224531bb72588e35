package io.custos.monitor;

import io.custos.failure.InvalidInputException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** Validation of {@link MonitorSettings}; every failure names the setting and the allowed range. */
final class Check {
  // Long enough for any sensible window or cool-down, short enough that millisecond sums of
  // event times (years 0001 to 9999) and these durations never overflow a long.
  static final Duration MAX_DURATION = Duration.ofDays(3660);
  private static final Pattern ACTION = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");

  private Check() {}

  static int between(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new InvalidInputException(name + ": " + value + " is not between " + min + " and " + max);
    }
    return value;
  }

  static double between(String name, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new InvalidInputException(name + ": " + value + " is not between " + min + " and " + max);
    }
    return value;
  }

  /** A number above 0 and at most 1. */
  static double fraction(String name, double value) {
    if (!(value > 0.0 && value <= 1.0)) {
      throw new InvalidInputException(name + ": " + value + " is not above 0 and at most 1");
    }
    return value;
  }

  /** A duration of at least {@code min} and at most ten years, in whole milliseconds. */
  static Duration duration(String name, Duration value, Duration min) {
    Objects.requireNonNull(value, name);
    if (value.compareTo(min) < 0 || value.compareTo(MAX_DURATION) > 0) {
      throw new InvalidInputException(
          name + ": " + value + " is not between " + min + " and " + MAX_DURATION);
    }
    if (value.toNanos() % 1_000_000 != 0) {
      throw new InvalidInputException(name + ": " + value + " is not whole milliseconds");
    }
    return value;
  }

  /** Audit actions such as {@code kms.decrypt}; never {@code alert.*}, which the monitor ignores. */
  static Set<String> actions(String name, Set<String> actions) {
    Objects.requireNonNull(actions, name);
    for (String a : actions) {
      if (a == null || !ACTION.matcher(a).matches() || a.startsWith("alert.")) {
        throw new InvalidInputException(name + ": '" + Wording.clean(String.valueOf(a))
            + "' is not an audit action such as kms.decrypt (alert.* is never monitored)");
      }
    }
    return Set.copyOf(new LinkedHashSet<>(actions));
  }

  /** Non-empty resource prefixes without control characters, e.g. {@code kms/keys/}. */
  static List<String> prefixes(String name, List<String> prefixes) {
    Objects.requireNonNull(prefixes, name);
    for (String p : prefixes) {
      if (p == null || p.isEmpty() || p.length() > 256 || !Wording.clean(p).equals(p)) {
        throw new InvalidInputException(name + ": '" + Wording.clean(String.valueOf(p))
            + "' is not a non-empty prefix of at most 256 characters without control characters");
      }
    }
    return List.copyOf(new LinkedHashSet<>(prefixes));
  }
}
