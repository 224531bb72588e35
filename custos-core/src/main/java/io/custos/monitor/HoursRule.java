package io.custos.monitor;

import io.custos.failure.InvalidInputException;
import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.TextStyle;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * When the principals matching a pattern may act: on the listed days, from {@code from}
 * (inclusive) until {@code until} (exclusive), in the zone of {@link MonitorSettings.Hours}.
 *
 * <p>If {@code until} is not after {@code from} the span crosses midnight: it starts on a listed
 * day at {@code from} and ends on the next day at {@code until} (so 22:00–06:00 on Friday covers
 * Friday night to Saturday morning, and 00:00–00:00 is the whole listed day).
 *
 * @param principalPattern a glob over principal ids: {@code *} any run of characters, {@code ?}
 *     one character, e.g. {@code svc-*} or {@code *}
 * @param days the days on which a span starts; not empty
 * @param from local start time
 * @param until local end time
 */
public record HoursRule(String principalPattern, Set<DayOfWeek> days, LocalTime from,
    LocalTime until) {

  public HoursRule {
    Objects.requireNonNull(principalPattern, "principalPattern");
    if (principalPattern.isEmpty() || principalPattern.length() > 256
        || !Wording.clean(principalPattern).equals(principalPattern)) {
      throw new InvalidInputException("monitor.hours.rules.principalPattern: '"
          + Wording.clean(principalPattern) + "' is not 1 to 256 characters without controls");
    }
    Objects.requireNonNull(days, "days");
    if (days.isEmpty() || days.contains(null)) {
      throw new InvalidInputException("monitor.hours.rules.days: must list at least one day");
    }
    days = Collections.unmodifiableSet(EnumSet.copyOf(days));
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(until, "until");
  }

  /** Monday to Friday, {@code from} until {@code until}. */
  public static HoursRule weekdays(String principalPattern, LocalTime from, LocalTime until) {
    return new HoursRule(principalPattern,
        EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), from, until);
  }

  /** Whether this rule's pattern matches the principal. */
  public boolean appliesTo(String principalId) {
    return Glob.matches(principalPattern, principalId);
  }

  /** Whether a local date and time falls inside one of this rule's spans. */
  public boolean allows(LocalDateTime local) {
    DayOfWeek day = local.getDayOfWeek();
    LocalTime t = local.toLocalTime();
    if (from.isBefore(until)) {
      return days.contains(day) && !t.isBefore(from) && t.isBefore(until);
    }
    return (days.contains(day) && !t.isBefore(from))
        || (days.contains(day.minus(1)) && t.isBefore(until));
  }

  /** E.g. {@code Mon,Tue,Wed,Thu,Fri 08:00-18:00}. */
  String describe() {
    return days.stream().map(d -> d.getDisplayName(TextStyle.SHORT, Locale.UK))
        .collect(Collectors.joining(",")) + " " + from + "-" + until;
  }
}
