package io.custos.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SS-002 11.3.14 and 11.4.4 — first use of a key or KEK by a principal")
class FirstUseTest {
  private static final MonitorSettings SETTINGS =
      MonitorSettings.defaults().with(new MonitorSettings.FirstUse(Duration.ofHours(1)));

  private final Events events = new Events();

  @Test
  @DisplayName("SS-002 11.3.14 — first use of a key by a principal alerts once, after the learning period")
  void firstUseAlertsOncePerPair() {
    AnomalyDetector detector = Events.detector(SETTINGS, KekAuthorisations.noneGranted());
    assertThat(detector.learningEndsAt()).isEqualTo(Events.T0.plus(Duration.ofHours(1)));

    // Learning: remembered, not alerted.
    assertThat(detector.observe(events.at(Duration.ofMinutes(10)).event())).isEmpty();
    assertThat(detector.observe(events.at(Duration.ofMinutes(59)).by("svc-b").event())).isEmpty();

    // After learning: known pairs stay quiet, new ones alert once.
    assertThat(detector.observe(events.at(Duration.ofHours(2)).event())).isEmpty();
    assertThat(detector.observe(events.at(Duration.ofHours(2)).on("kms/keys/payroll/v2")
        .does("kms.decrypt").event())).singleElement().satisfies(a -> {
          assertThat(a.kind()).isEqualTo(AlertKind.FIRST_USE);
          assertThat(a.severity()).isEqualTo(Severity.LOW);
          assertThat(a.resource()).isEqualTo("kms/keys/payroll");
          assertThat(a.message()).isEqualTo("SS-002 11.3.14: principal 'svc-a' used key"
              + " 'kms/keys/payroll' for the first time (kms.decrypt)");
        });
    // Another version of the same key is the same key.
    assertThat(detector.observe(events.at(Duration.ofHours(3)).on("kms/keys/payroll/v3")
        .event())).isEmpty();
    assertThat(detector.observe(events.at(Duration.ofHours(3)).by("svc-c").event()))
        .extracting(Alert::kind).containsExactly(AlertKind.FIRST_USE);
  }

  @Test
  @DisplayName("SS-002 11.4.4 — first use of a KEK alerts with the KEK control")
  void firstUseOfKek() {
    KekAuthorisations grants = (p, kek, action, at) -> p.equals("svc-backup");
    AnomalyDetector detector = Events.detector(SETTINGS, grants);
    assertThat(detector.observe(events.at(Duration.ofHours(2)).by("svc-backup").does("kms.wrap")
        .on("kms/keys/backup-kek/v1").event())).singleElement().satisfies(a -> {
          assertThat(a.kind()).isEqualTo(AlertKind.FIRST_USE);
          assertThat(a.severity()).isEqualTo(Severity.MEDIUM);
          assertThat(a.control()).isEqualTo("SS-002 11.4.4");
          assertThat(a.message()).isEqualTo("SS-002 11.4.4: principal 'svc-backup' used KEK"
              + " 'kms/keys/backup-kek' for the first time (kms.wrap)");
          assertThat(a.evidence()).containsEntry("kek", "true");
        });
    assertThat(detector.observe(events.at(Duration.ofHours(2)).by("svc-backup")
        .does("kms.unwrap").on("kms/keys/backup-kek/v1").event())).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.3.14 — a denied attempt is not a use; the first successful use alerts")
  void deniedIsNotUse() {
    AnomalyDetector detector = Events.detector(SETTINGS, KekAuthorisations.noneGranted());
    assertThat(detector.observe(events.at(Duration.ofHours(2)).denied().event())).isEmpty();
    assertThat(detector.observe(events.at(Duration.ofHours(2)).event()))
        .extracting(Alert::kind).containsExactly(AlertKind.FIRST_USE);
  }

  @Test
  @DisplayName("SS-002 11.3.14 — resources that are not keys raise no first-use alert")
  void notAKey() {
    AnomalyDetector detector = Events.detector(SETTINGS, KekAuthorisations.noneGranted());
    List<Alert> alerts = Events.feed(detector, List.of(
        events.at(Duration.ofHours(2)).does("ca.issue").on("ca/issuing-1").event(),
        events.at(Duration.ofHours(2)).does("kms.list").on("kms/keys/").event(),
        events.at(Duration.ofHours(2)).does("operator.status").on("").event()));
    assertThat(alerts).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.3.14 — a pair forgotten at the cap alerts again rather than passing silently")
  void forgottenPairAlertsAgain() {
    MonitorSettings small = SETTINGS.with(new MonitorSettings.Limits(10, 10, 2, 10));
    AnomalyDetector detector = Events.detector(small, KekAuthorisations.noneGranted());
    List<Alert> alerts = Events.feed(detector, List.of(
        events.at(Duration.ofHours(2)).on("kms/keys/a").event(),
        events.at(Duration.ofHours(2)).on("kms/keys/b").event(),
        events.at(Duration.ofHours(2)).on("kms/keys/a").event(),
        events.at(Duration.ofHours(2)).on("kms/keys/c").event(),
        events.at(Duration.ofHours(2)).on("kms/keys/b").event()));
    // b was least recently used when c arrived, so b is forgotten and alerts again; a is kept.
    assertThat(alerts).extracting(Alert::resource)
        .containsExactly("kms/keys/a", "kms/keys/b", "kms/keys/c", "kms/keys/b");
    assertThat(detector.tracked().principalKeyPairs()).isEqualTo(2);
  }
}
