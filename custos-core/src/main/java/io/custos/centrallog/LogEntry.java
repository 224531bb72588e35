package io.custos.centrallog;

import java.time.Instant;
import java.util.Objects;

/**
 * One audit event as the central log sees it.
 *
 * @param seq the event's position in the audit log: 1, 2, 3… without gaps. Receivers use it
 *     to recognise duplicates, which at-least-once delivery can produce
 * @param time when the event was recorded
 * @param action what happened, e.g. {@code kms.encrypt} or {@code cert.revoked}
 * @param severity how urgent the event is for the people watching the central log
 * @param json the event's canonical JSON encoding: one line, no CR or LF, sent verbatim
 */
public record LogEntry(long seq, Instant time, String action, Severity severity,
    String json) {

  public LogEntry {
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be >= 1, was " + seq);
    }
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(json, "json");
    if (action.isBlank()) {
      throw new IllegalArgumentException("action must not be blank (seq " + seq + ")");
    }
    if (json.isBlank()) {
      throw new IllegalArgumentException("json must not be blank (seq " + seq + ")");
    }
    if (json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("json must be one line (seq " + seq + ")");
    }
  }

  @Override
  public String toString() {
    // The JSON may be long; the seq and action identify the entry in messages and logs.
    return "LogEntry[seq=" + seq + ", " + action + ", " + severity + "]";
  }
}
