package io.custos.kms;

import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long each version of a key may apply protection (originator-usage period) and process
 * protected data (recipient-usage period), both counted from the version's activation
 * (SS-002 11.2.5; NIST SP 800-57 Part 1 Rev. 5 §5.3.5 and Table 1).
 */
public record Cryptoperiod(Duration originatorUsage, Duration recipientUsage) {
  public static final Duration YEAR = Duration.ofDays(365);

  public Cryptoperiod {
    Objects.requireNonNull(originatorUsage, "originatorUsage");
    Objects.requireNonNull(recipientUsage, "recipientUsage");
    if (originatorUsage.isNegative() || originatorUsage.isZero()) {
      throw new InvalidInputException("the originator-usage period must be positive");
    }
    if (recipientUsage.compareTo(originatorUsage) < 0) {
      throw new InvalidInputException("the recipient-usage period (" + format(recipientUsage)
          + ") must not be shorter than the originator-usage period (" + format(originatorUsage) + ")");
    }
  }

  /**
   * Defaults per purpose, inside SP 800-57's recommendations: symmetric and transport keys
   * protect for one year and stay readable three more; signing keys sign for two years and
   * their signatures verify for three more.
   */
  public static Cryptoperiod defaultFor(KeyPurpose purpose) {
    return purpose == KeyPurpose.SIGN
        ? new Cryptoperiod(YEAR.multipliedBy(2), YEAR.multipliedBy(5))
        : new Cryptoperiod(YEAR, YEAR.multipliedBy(4));
  }

  /** The longest originator-usage period SP 800-57 Table 1 recommends for the purpose. */
  public static Duration maxOriginatorUsage(KeyPurpose purpose) {
    return purpose == KeyPurpose.SIGN ? YEAR.multipliedBy(3) : YEAR.multipliedBy(2);
  }

  /** The longest recipient-usage period accepted: the originator-usage period plus this. */
  public static Duration maxRecipientExtension(KeyPurpose purpose) {
    return purpose == KeyPurpose.SIGN ? YEAR.multipliedBy(10) : YEAR.multipliedBy(3);
  }

  /**
   * Refuses periods longer than SP 800-57 recommends for {@code purpose}.
   *
   * @throws ControlViolationException naming SS-002 11.2.5
   */
  public Cryptoperiod checkFor(KeyPurpose purpose) {
    if (originatorUsage.compareTo(maxOriginatorUsage(purpose)) > 0) {
      throw new ControlViolationException("SS-002 11.2.5", "an originator-usage period of " + format(originatorUsage)
          + " is longer than the " + format(maxOriginatorUsage(purpose)) + " NIST SP 800-57 allows for "
          + purpose.id() + " keys");
    }
    Duration maxRecipient = originatorUsage.plus(maxRecipientExtension(purpose));
    if (recipientUsage.compareTo(maxRecipient) > 0) {
      throw new ControlViolationException("SS-002 11.2.5", "a recipient-usage period of " + format(recipientUsage)
          + " is longer than the originator-usage period plus " + format(maxRecipientExtension(purpose))
          + " NIST SP 800-57 allows for " + purpose.id() + " keys");
    }
    return this;
  }

  private static final Pattern TEXT = Pattern.compile("(\\d{1,6})([hdwy])");

  /** Parses {@code 12h}, {@code 90d}, {@code 4w}, {@code 2y} (365 days) or an ISO-8601 duration. */
  public static Duration parseDuration(String text, String what) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException(what + " is empty; give a duration such as 90d or 1y");
    }
    Matcher m = TEXT.matcher(text.trim());
    Duration d;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d = switch (m.group(2)) {
        case "h" -> Duration.ofHours(n);
        case "d" -> Duration.ofDays(n);
        case "w" -> Duration.ofDays(7 * n);
        default -> YEAR.multipliedBy(n);
      };
    } else {
      try {
        d = Duration.parse(text.trim());
      } catch (java.time.format.DateTimeParseException e) {
        throw new InvalidInputException(what + " '" + text + "' is not a duration such as 12h, 90d, 4w or 1y");
      }
    }
    if (d.isNegative() || d.isZero()) {
      throw new InvalidInputException(what + " must be positive, got '" + text + "'");
    }
    return d;
  }

  /** Days or hours, as people write them: {@code 365d}, {@code 12h}. */
  public static String format(Duration d) {
    if (d.toHours() % 24 == 0) {
      return d.toDays() + "d";
    }
    return d.toHours() + "h";
  }
}
