package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The one time format of the audit log: RFC 3339 in UTC with exactly three fractional digits,
 * e.g. {@code 2025-03-01T09:15:00.250Z}. One spelling per instant keeps encodings canonical.
 */
final class UtcMillis {
  static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
  static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999Z");

  // The fixed shape, position by position: 'd' is an ASCII digit, anything else itself.
  private static final String SHAPE = "dddd-dd-ddTdd:dd:dd.dddZ";

  private UtcMillis() {}

  /** Truncates to whole milliseconds and checks the range that four-digit years can express. */
  static Instant check(String field, Instant time) {
    Objects.requireNonNull(time, field);
    Instant t = time.truncatedTo(ChronoUnit.MILLIS);
    if (t.isBefore(MIN) || t.isAfter(MAX)) {
      throw new InvalidInputException(field + ": " + time + " is outside years 0001 to 9999");
    }
    return t;
  }

  // Hand-written rather than DateTimeFormatter: every event is formatted on write and parsed and
  // re-formatted on verification, and the formatter dominated the verifier's profile.
  static String format(Instant time) {
    LocalDateTime t = LocalDateTime.ofEpochSecond(time.getEpochSecond(), time.getNano(), ZoneOffset.UTC);
    char[] c = new char[24];
    digits(c, 0, t.getYear(), 4);
    c[4] = '-';
    digits(c, 5, t.getMonthValue(), 2);
    c[7] = '-';
    digits(c, 8, t.getDayOfMonth(), 2);
    c[10] = 'T';
    digits(c, 11, t.getHour(), 2);
    c[13] = ':';
    digits(c, 14, t.getMinute(), 2);
    c[16] = ':';
    digits(c, 17, t.getSecond(), 2);
    c[19] = '.';
    digits(c, 20, t.getNano() / 1_000_000, 3);
    c[23] = 'Z';
    return new String(c);
  }

  private static void digits(char[] c, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  static Instant parse(String field, String text) {
    if (!hasShape(text)) {
      throw new InvalidInputException(
          field + ": '" + text + "' is not of the form 2025-01-31T23:59:59.999Z");
    }
    try {
      // LocalDateTime.of resolves strictly: no 24:00, no 60 seconds, no 31 April.
      LocalDateTime t = LocalDateTime.of(number(text, 0, 4), number(text, 5, 2), number(text, 8, 2),
          number(text, 11, 2), number(text, 14, 2), number(text, 17, 2), number(text, 20, 3) * 1_000_000);
      return check(field, t.toInstant(ZoneOffset.UTC));
    } catch (DateTimeException e) {
      throw new InvalidInputException(field + ": '" + text + "' is not a valid date and time", e);
    }
  }

  private static boolean hasShape(String text) {
    if (text.length() != SHAPE.length()) {
      return false;
    }
    for (int i = 0; i < SHAPE.length(); i++) {
      char want = SHAPE.charAt(i);
      char got = text.charAt(i);
      if (want == 'd' ? got < '0' || got > '9' : got != want) {
        return false;
      }
    }
    return true;
  }

  private static int number(String text, int at, int width) {
    int v = 0;
    for (int i = at; i < at + width; i++) {
      v = v * 10 + (text.charAt(i) - '0');
    }
    return v;
  }
}
