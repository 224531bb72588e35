package io.custos.monitor;

import io.custos.audit.AuditEvent;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Watches the audit event stream for anomalies in key use (SS-002 11.3.14) and for use of key
 * encryption keys without authorisation (SS-002 11.4.4). Feed it every audit event, in log order;
 * it answers with the alerts each raises.
 *
 * <p>Detectors, in the order their alerts are returned for one event:
 *
 * <ol>
 *   <li>{@link AlertKind#KEK_UNAUTHORISED}: a successful KEK use that {@link KekAuthorisations}
 *       does not vouch for, every time;
 *   <li>{@link AlertKind#BULK_DECRYPT}: many decrypts by one principal within a window;
 *   <li>{@link AlertKind#DENIAL_BURST}: many denials for one principal or from one address;
 *   <li>{@link AlertKind#RATE_SPIKE}: a window far above a principal's or a key's baseline;
 *   <li>{@link AlertKind#OUTSIDE_HOURS}: activity outside a principal's allowed hours;
 *   <li>{@link AlertKind#FIRST_USE}: a principal using a key for the first time.
 * </ol>
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li><b>Deterministic.</b> Alerts depend only on the settings, the instant the {@link
 *       InstantSource} gave at construction (which starts the first-use learning period), the
 *       answers of {@link KekAuthorisations} and the events seen so far. Time is read only from
 *       the events: no wall clock, no timers. Replaying a stream into a new detector built
 *       alike gives the same alerts.
 *   <li><b>Tolerant.</b> {@link #observe} never throws: a {@code null} event or one whose action
 *       starts with {@code alert.} raises nothing (so alerts recorded as audit events cannot
 *       feed back); late events count as if they came with the subject's newest; a throwing
 *       {@link KekAuthorisations} counts as "not authorised".
 *   <li><b>Bounded.</b> O(1) amortised work per event (for a fixed number of hours rules) and at
 *       most the subjects allowed by {@link MonitorSettings.Limits}, least recently seen
 *       forgotten first; see {@link #tracked()}.
 *   <li><b>No secrets.</b> Alerts never copy event parameters; see {@link Alert}.
 *   <li>Thread-safe: calls are serialised, so events are judged one at a time in call order.
 * </ul>
 */
public final class AnomalyDetector {
  private final Instant learningEndsAt;
  private final UnauthorisedKekDetector kek;
  private final BulkDecryptDetector bulk;
  private final DenialBurstDetector denials;
  private final RateSpikeDetector rate;
  private final OutsideHoursDetector hours;
  private final FirstUseDetector firstUse;
  private final List<Detector> detectors;
  private final MonitorSettings.Resources resources;

  /**
   * @param settings what to look for and how much to remember
   * @param kekAuthorisations whether a KEK use was authorised (SS-002 11.4.4)
   * @param clock read once, now, to start the first-use learning period
   */
  public AnomalyDetector(
      MonitorSettings settings, KekAuthorisations kekAuthorisations, InstantSource clock) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(kekAuthorisations, "kekAuthorisations");
    Objects.requireNonNull(clock, "clock");
    this.resources = settings.resources();
    this.learningEndsAt = plus(clock.instant(), settings.firstUse().learningPeriod().toMillis());
    MonitorSettings.Limits limits = settings.limits();
    this.kek = new UnauthorisedKekDetector(kekAuthorisations);
    this.bulk = new BulkDecryptDetector(settings.bulkDecrypt(), limits);
    this.denials = new DenialBurstDetector(settings.denials(), limits);
    this.rate = new RateSpikeDetector(settings.rate(), limits);
    this.hours = new OutsideHoursDetector(settings.hours(), limits);
    this.firstUse = new FirstUseDetector(learningEndsAt.toEpochMilli(), limits);
    this.detectors = List.of(kek, bulk, denials, rate, hours, firstUse);
  }

  /**
   * Judges one event and returns the alerts it raises, most urgent kinds first; usually none.
   *
   * @param event the next audit event; {@code null} raises nothing
   * @return an unmodifiable list, possibly empty
   */
  public synchronized List<Alert> observe(AuditEvent event) {
    if (event == null || event.action().startsWith("alert.")) {
      return List.of();
    }
    Observation o = Observation.of(event, resources);
    List<Alert> alerts = new ArrayList<>(2);
    for (Detector d : detectors) {
      d.observe(o, alerts);
    }
    return List.copyOf(alerts);
  }

  /** How much the detector remembers now; each figure is within its cap. */
  public synchronized Tracked tracked() {
    int principals = Math.max(Math.max(bulk.size(), denials.principals()),
        Math.max(rate.principals(), hours.size()));
    return new Tracked(principals, rate.keys(), firstUse.size(), denials.addresses());
  }

  /** Events timed before this raise no first-use alerts (they teach the detector instead). */
  public Instant learningEndsAt() {
    return learningEndsAt;
  }

  // Clock readings far outside the audit log's years must not overflow.
  private static Instant plus(Instant start, long millis) {
    Objects.requireNonNull(start, "clock.instant()");
    long base = Math.clamp(start.getEpochSecond(), -100_000_000_000L, 100_000_000_000L);
    return Instant.ofEpochSecond(base, start.getNano()).plusMillis(millis);
  }
}
