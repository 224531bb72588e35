package io.custos.audit;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An event as its caller describes it: everything except the sequence number and time, which
 * the log assigns when it makes the event durable. Validated at once, in the caller's thread,
 * so a malformed event fails the caller rather than the writer.
 */
public record AuditDraft(
    String requestId,
    AuditEvent.Principal principal,
    String action,
    String resource,
    AuditEvent.Outcome outcome,
    Optional<String> control,
    String clientAddress,
    Map<String, String> params) {

  public AuditDraft {
    params = Map.copyOf(Objects.requireNonNull(params, "params"));
    // Reuses every check of AuditEvent.
    new AuditEvent(1, Instant.EPOCH, requestId, principal, action, resource, outcome, control,
        clientAddress, new TreeMap<>(params));
  }

  /** A performed operation. */
  public static AuditDraft ok(String requestId, AuditEvent.Principal principal, String action,
      String resource, String clientAddress, Map<String, String> params) {
    return new AuditDraft(requestId, principal, action, resource, AuditEvent.Outcome.OK,
        Optional.empty(), clientAddress, params);
  }

  /** An operation refused, by a control of a standard when {@code control} is given. */
  public static AuditDraft denied(String requestId, AuditEvent.Principal principal, String action,
      String resource, Optional<String> control, String clientAddress, Map<String, String> params) {
    return new AuditDraft(requestId, principal, action, resource, AuditEvent.Outcome.DENIED,
        control, clientAddress, params);
  }

  AuditEvent toEvent(long seq, Instant time) {
    return new AuditEvent(seq, time, requestId, principal, action, resource, outcome, control,
        clientAddress, new TreeMap<>(params));
  }
}
