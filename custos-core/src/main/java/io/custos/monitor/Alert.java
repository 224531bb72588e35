package io.custos.monitor;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One anomaly found in the audit stream.
 *
 * <p><b>No secrets.</b> An alert is built only from the non-secret fields of audit events
 * (principal id, action, resource, client address, time) and from counts the detector made; it
 * never copies an event's {@code params}. Strings from events are quoted and stripped of control
 * characters in {@link #message()}, so a message is always one line.
 *
 * <p>{@link #evidence()} is an immutable sorted map of at most 16 entries with ASCII names, so
 * that the alert can be recorded as an audit event with the evidence as its parameters.
 *
 * @param kind what was found; {@link AlertKind#code()} is the audit action that records it
 * @param severity how urgent it is
 * @param control the standard's control that asked for this monitoring, e.g. {@code SS-002 11.3.14}
 * @param principalId the principal of the event that raised the alert
 * @param resource the key (version removed) or, when no key is involved, the event's resource;
 *     may be empty
 * @param time the time of the event that raised the alert
 * @param eventSeq the sequence number of that event in the audit log
 * @param message one line for a person, naming the control, e.g. {@code SS-002 11.3.14:
 *     principal 'svc-a' made 412 requests in 60s, baseline 9.8 per 60s}
 * @param evidence the figures behind the alert, e.g. {@code count=412}
 */
public record Alert(
    AlertKind kind,
    Severity severity,
    String control,
    String principalId,
    String resource,
    Instant time,
    long eventSeq,
    String message,
    SortedMap<String, String> evidence) {

  static final int MAX_EVIDENCE = 16;
  /** Key management systems must be monitored for anomalies. */
  static final String MONITORING = "SS-002 11.3.14";
  /** Key encryption keys must not be used unless properly authorised. */
  static final String KEK_MONITORING = "SS-002 11.4.4";

  public Alert {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(control, "control");
    Objects.requireNonNull(principalId, "principalId");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(message, "message");
    evidence = copyOf(evidence);
  }

  /** An alert raised by the event of {@code o}; the message is prefixed with the control. */
  static Alert raise(AlertKind kind, Severity severity, String control, Observation o,
      String resource, String message, Map<String, String> evidence) {
    return new Alert(kind, severity, control, o.principal(), resource, o.event().time(),
        o.event().seq(), control + ": " + message, new TreeMap<>(evidence));
  }

  private static SortedMap<String, String> copyOf(Map<String, String> evidence) {
    Objects.requireNonNull(evidence, "evidence");
    if (evidence.size() > MAX_EVIDENCE) {
      throw new IllegalArgumentException("evidence: at most " + MAX_EVIDENCE + " entries");
    }
    TreeMap<String, String> copy = new TreeMap<>();
    evidence.forEach((k, v) -> copy.put(Objects.requireNonNull(k), Objects.requireNonNull(v)));
    return Collections.unmodifiableSortedMap(copy);
  }
}
