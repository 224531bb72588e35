package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * A filter over audit events for review (SS-002 11.8.1): who, what, on which resource, how it
 * ended and when. Empty parts match everything. {@code action} and {@code resource} match
 * exactly, or as a prefix when they end in {@code *} (e.g. {@code kms.*}, {@code kms/keys/*}).
 */
public record AuditQuery(
    Optional<String> principal,
    Optional<String> action,
    Optional<String> resource,
    Optional<AuditEvent.Outcome> outcome,
    Optional<Instant> since,
    Optional<Instant> until) {

  public static final AuditQuery ALL = new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(),
      Optional.empty(), Optional.empty(), Optional.empty());

  public AuditQuery {
    for (Optional<String> p : java.util.List.of(principal, action, resource)) {
      p.ifPresent(v -> {
        if (v.isEmpty() || v.length() > 1024) {
          throw new InvalidInputException("audit filters must be 1 to 1024 characters");
        }
      });
    }
    if (since.isPresent() && until.isPresent() && until.get().isBefore(since.get())) {
      throw new InvalidInputException("audit filter 'until' is before 'since'");
    }
  }

  public static AuditEvent.Outcome outcome(String text) {
    try {
      return AuditEvent.Outcome.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("outcome must be ok, denied or error, got '" + text + "'");
    }
  }

  public boolean matches(AuditEvent e) {
    return principal.map(p -> p.equals(e.principal().id())).orElse(true)
        && action.map(a -> like(a, e.action())).orElse(true)
        && resource.map(r -> like(r, e.resource())).orElse(true)
        && outcome.map(o -> o == e.outcome()).orElse(true)
        && since.map(s -> !e.time().isBefore(s)).orElse(true)
        && until.map(u -> e.time().isBefore(u)).orElse(true);
  }

  private static boolean like(String pattern, String value) {
    return pattern.endsWith("*") ? value.startsWith(pattern.substring(0, pattern.length() - 1)) : pattern.equals(value);
  }
}
