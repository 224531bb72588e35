package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one time format of the audit log: RFC 3339 in UTC with exactly three fractional digits,
 * e.g. {@code 2025-03-01T09:15:00.250Z}. One spelling per instant keeps encodings canonical.
 */
final class UtcMillis {
  static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
  static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999Z");

  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern SHAPE =
      Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z");

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

  static String format(Instant time) {
    return FORMAT.format(time);
  }

  static Instant parse(String field, String text) {
    if (!SHAPE.matcher(text).matches()) {
      throw new InvalidInputException(
          field + ": '" + text + "' is not of the form 2025-01-31T23:59:59.999Z");
    }
    try {
      // ISO_LOCAL_DATE_TIME resolves strictly: no 24:00, no 60 seconds, no 31 April.
      return check(field, LocalDateTime.parse(text.substring(0, text.length() - 1),
              DateTimeFormatter.ISO_LOCAL_DATE_TIME)
          .toInstant(ZoneOffset.UTC));
    } catch (DateTimeException e) {
      throw new InvalidInputException(field + ": '" + text + "' is not a valid date and time", e);
    }
  }
}
