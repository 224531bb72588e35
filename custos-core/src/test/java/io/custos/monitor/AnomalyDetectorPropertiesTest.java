package io.custos.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.audit.AuditEvent;
import io.custos.audit.AuditEvent.Outcome;
import io.custos.audit.AuditEvent.Principal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/** For any audit stream: no exception, state within the caps, and the same alerts on replay. */
@Label("SS-002 11.3.14 — anomaly detector properties")
class AnomalyDetectorPropertiesTest {
  private static final Instant START = Instant.parse("2025-03-29T23:00:00Z");
  // Tiny caps and thresholds so that eviction, bursts and cool-downs all happen often.
  private static final MonitorSettings SETTINGS = new MonitorSettings(
      new MonitorSettings.Limits(3, 2, 4, 2),
      new MonitorSettings.Resources(List.of("kms/keys/", "ca/"), List.of("kms/keks/"),
          Set.of("kms.wrap", "kms.unwrap")),
      new MonitorSettings.Rate(Duration.ofSeconds(10), 0.5, 1, 1.5, 2, Duration.ofSeconds(30)),
      new MonitorSettings.FirstUse(Duration.ofMinutes(2)),
      new MonitorSettings.Denials(3, Duration.ofSeconds(20), Duration.ofSeconds(15)),
      new MonitorSettings.BulkDecrypt(Set.of("kms.decrypt"), 3, Duration.ofSeconds(20),
          Duration.ZERO),
      new MonitorSettings.Hours(ZoneId.of("Europe/London"), List.of(
          new HoursRule("svc-*", EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY),
              LocalTime.of(23, 30), LocalTime.of(1, 30)),
          HoursRule.weekdays("*", LocalTime.of(8, 0), LocalTime.of(18, 0))), Duration.ofMinutes(1)));

  /** Grants depend only on the arguments; some principals make the port throw. */
  private static boolean grants(String principal, String kek, String action, Instant at) {
    if (principal.startsWith("x")) {
      throw new IllegalStateException("unavailable");
    }
    return (principal.length() + kek.length() + at.getEpochSecond()) % 3 == 0;
  }

  private static AnomalyDetector detector() {
    return new AnomalyDetector(SETTINGS, AnomalyDetectorPropertiesTest::grants,
        InstantSource.fixed(START));
  }

  @Property(tries = 300)
  @Label("SS-002 11.3.14 — never throws, and remembers no more than the caps allow")
  void neverThrowsAndStaysBounded(@ForAll("streams") List<AuditEvent> stream) {
    AnomalyDetector detector = detector();
    for (AuditEvent e : stream) {
      List<Alert> alerts = detector.observe(e);
      assertThat(alerts).allSatisfy(a -> {
        assertThat(a.eventSeq()).isEqualTo(e.seq());
        assertThat(a.time()).isEqualTo(e.time());
        assertThat(a.principalId()).isEqualTo(e.principal().id());
        assertThat(a.message()).startsWith(a.control() + ": ").doesNotContain("\n", "\r");
        assertThat(a.evidence()).hasSizeLessThanOrEqualTo(16);
      });
      if (e.action().startsWith("alert.")) {
        assertThat(alerts).isEmpty();
      }
      Tracked t = detector.tracked();
      assertThat(t.principals()).isLessThanOrEqualTo(3);
      assertThat(t.keys()).isLessThanOrEqualTo(2);
      assertThat(t.principalKeyPairs()).isLessThanOrEqualTo(4);
      assertThat(t.clientAddresses()).isLessThanOrEqualTo(2);
    }
  }

  @Property(tries = 300)
  @Label("SS-002 11.3.14 — replaying the same stream gives the same alerts")
  void deterministic(@ForAll("streams") List<AuditEvent> stream) {
    List<Alert> alerts = Events.feed(detector(), stream);
    assertThat(Events.feed(detector(), stream)).isEqualTo(alerts);
    // Show that the streams exercise every detector, so the properties are not vacuous.
    alerts.stream().map(Alert::kind).distinct().forEach(Statistics::collect);
    Statistics.coverage(c -> {
      for (AlertKind kind : AlertKind.values()) {
        c.check(kind).count(n -> n > 0);
      }
    });
  }

  @Provide
  Arbitrary<List<AuditEvent>> streams() {
    Arbitrary<String> principal = Arbitraries.frequencyOf(
        weighted(6, Arbitraries.of("svc-a", "svc-b", "alice", "x-broken", "custos-monitor")),
        weighted(1, Arbitraries.strings().ofMinLength(1).ofMaxLength(12)
            .filter(s -> s.chars().noneMatch(c -> Character.isISOControl(c)
                || Character.isSurrogate((char) c) || c == 0x2028 || c == 0x2029))));
    Arbitrary<String> action = Arbitraries.frequencyOf(
        weighted(4, Arbitraries.just("kms.decrypt")),
        weighted(4, Arbitraries.of("kms.encrypt", "kms.wrap", "kms.unwrap", "ca.issue",
            "operator.status", "alert.rate_spike", "alert.kek_unauthorised")));
    Arbitrary<String> resource = Arbitraries.oneOf(
        Arbitraries.of("", "kms/keys/", "kms/keys/a", "kms/keys/a/v1", "kms/keys/b/v22",
            "kms/keys/c", "kms/keks/root/v3", "kms/keks/", "ca/issuing-1", "hsm/kek/v", "/",
            "kms/keys//v1", "v1", "/v2"),
        Arbitraries.strings().ofMaxLength(20).filter(s -> s.chars()
            .noneMatch(c -> Character.isSurrogate((char) c))));
    Arbitrary<Outcome> outcome = Arbitraries.frequencyOf(weighted(3, Arbitraries.just(Outcome.OK)),
        weighted(2, Arbitraries.just(Outcome.DENIED)), weighted(1, Arbitraries.just(Outcome.ERROR)));
    Arbitrary<String> address = Arbitraries.of("", "10.0.0.1", "10.0.0.2", "203.0.113.7", "::1");
    // Mostly small steps forward, sometimes backwards (late events), sometimes huge jumps.
    Arbitrary<Long> step = Arbitraries.frequencyOf(
        weighted(8, Arbitraries.longs().between(0, 5_000)),
        weighted(2, Arbitraries.longs().between(-60_000, 0)),
        weighted(1, Arbitraries.longs().between(0, 400L * 24 * 3600 * 1000)));
    Arbitrary<Step> one = Combinators.combine(principal, action, resource, outcome, address, step)
        .as(Step::new);
    return one.list().ofMaxSize(150).map(AnomalyDetectorPropertiesTest::toEvents);
  }

  private record Step(String principal, String action, String resource, Outcome outcome,
      String address, long step) {}

  private static List<AuditEvent> toEvents(List<Step> steps) {
    List<AuditEvent> out = new ArrayList<>();
    long t = START.toEpochMilli() - 60_000;
    long seq = 0;
    for (Step s : steps) {
      t = Math.clamp(t + s.step(), Instant.parse("0001-01-01T00:00:00Z").toEpochMilli(),
          Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli());
      TreeMap<String, String> params = new TreeMap<>();
      params.put("tokenHmac", "h" + seq);
      out.add(new AuditEvent(++seq, Instant.ofEpochMilli(t), "r" + seq,
          new Principal(s.principal(), "token"), s.action(), s.resource(), s.outcome(),
          Optional.empty(), s.address(), params));
    }
    return out;
  }

  private static <T> net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<? extends T>> weighted(
      int weight, Arbitrary<? extends T> arbitrary) {
    return net.jqwik.api.Tuple.of(weight, arbitrary);
  }
}
