package io.custos.monitor;

import io.custos.audit.AuditEvent;
import io.custos.audit.AuditEvent.Outcome;
import io.custos.audit.AuditEvent.Principal;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** Builds synthetic audit streams with explicit times and numbers them like the log does. */
final class Events {
  /** A Monday morning, well away from daylight-saving changes. */
  static final Instant T0 = Instant.parse("2025-03-03T09:00:00Z");

  private long seq;

  /** A fresh event at {@code time}: svc-a encrypts with kms/keys/payments from 10.0.0.1, OK. */
  Event at(Instant time) {
    return new Event(time);
  }

  Event at(Duration sinceT0) {
    return new Event(T0.plus(sinceT0));
  }

  /** A detector whose learning period started at {@link #T0}. */
  static AnomalyDetector detector(MonitorSettings settings, KekAuthorisations kek) {
    return new AnomalyDetector(settings, kek, InstantSource.fixed(T0));
  }

  /** Feeds the events in order and returns every alert raised. */
  static List<Alert> feed(AnomalyDetector detector, List<AuditEvent> events) {
    List<Alert> alerts = new ArrayList<>();
    for (AuditEvent e : events) {
      alerts.addAll(detector.observe(e));
    }
    return alerts;
  }

  /** One event under construction; {@link #event()} numbers it. */
  final class Event {
    private final Instant time;
    private String principal = "svc-a";
    private String action = "kms.encrypt";
    private String resource = "kms/keys/payments";
    private Outcome outcome = Outcome.OK;
    private String address = "10.0.0.1";
    private final TreeMap<String, String> params = new TreeMap<>();

    private Event(Instant time) {
      this.time = time;
    }

    Event by(String p) {
      principal = p;
      return this;
    }

    Event does(String a) {
      action = a;
      return this;
    }

    Event on(String r) {
      resource = r;
      return this;
    }

    Event denied() {
      outcome = Outcome.DENIED;
      return this;
    }

    Event outcome(Outcome o) {
      outcome = o;
      return this;
    }

    Event from(String a) {
      address = a;
      return this;
    }

    Event param(String name, String value) {
      params.put(name, value);
      return this;
    }

    AuditEvent event() {
      seq++;
      return new AuditEvent(seq, time, "req-" + seq, new Principal(principal, "token"), action,
          resource, outcome, outcome == Outcome.DENIED ? Optional.of("SS-002 11.3.12")
              : Optional.empty(), address, params);
    }
  }
}
