package io.custos.monitor;

import java.time.Duration;
import java.util.Locale;

/** How alert messages spell names, durations and figures: one line, locale-independent. */
final class Wording {
  private static final int MAX_QUOTED = 120;

  private Wording() {}

  /** A name from an event in single quotes, shortened, with control characters spelled out. */
  static String quote(String s) {
    String head = s.length() > MAX_QUOTED ? s.substring(0, MAX_QUOTED) + "..." : s;
    return "'" + clean(head) + "'";
  }

  /** The text with control and line-separator characters replaced by {@code U+XXXX}. */
  static String clean(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
        out.append(String.format(Locale.ROOT, "U+%04X", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }

  /** {@code 60s}, {@code 5m}, {@code 2h}, {@code 1500ms}: the shortest exact spelling. */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s != 0 && s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s > 60 && s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }

  /** One decimal place, e.g. {@code 9.8}. */
  static String decimal(double x) {
    return String.format(Locale.ROOT, "%.1f", x);
  }
}
