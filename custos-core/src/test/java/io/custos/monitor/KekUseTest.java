package io.custos.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SS-002 11.4.4 — KEK use must be authorised")
class KekUseTest {
  private static final MonitorSettings SETTINGS = MonitorSettings.defaults().with(
      new MonitorSettings.Resources(List.of("kms/keys/"), List.of("kms/keks/"),
          Set.of("kms.wrap", "kms.unwrap")));

  private final Events events = new Events();
  private final List<String> asked = new ArrayList<>();

  /** Only svc-backup may unwrap with kms/keks/root, and only before 10:00 on T0's day. */
  private boolean grants(String principal, String kek, String action, Instant at) {
    asked.add(principal + " " + kek + " " + action + " " + at);
    return principal.equals("svc-backup") && kek.equals("kms/keks/root")
        && action.equals("kms.unwrap") && at.isBefore(Events.T0.plus(Duration.ofHours(1)));
  }

  @Test
  @DisplayName("SS-002 11.4.4 — KEK use without an authorising grant raises a high alert every time")
  void unauthorisedKekUseAlertsEveryTime() {
    AnomalyDetector detector = Events.detector(SETTINGS, this::grants);
    List<Alert> alerts = Events.feed(detector, List.of(
        events.at(Duration.ofMinutes(1)).by("svc-a").does("kms.unwrap").on("kms/keks/root/v2").event(),
        events.at(Duration.ofMinutes(2)).by("svc-a").does("kms.unwrap").on("kms/keks/root/v2").event(),
        events.at(Duration.ofMinutes(3)).by("svc-a").does("kms.unwrap").on("kms/keks/root/v2").event()));
    assertThat(alerts).hasSize(3).allSatisfy(a -> {
      assertThat(a.kind()).isEqualTo(AlertKind.KEK_UNAUTHORISED);
      assertThat(a.severity()).isEqualTo(Severity.HIGH);
      assertThat(a.control()).isEqualTo("SS-002 11.4.4");
      assertThat(a.resource()).isEqualTo("kms/keks/root");
      assertThat(a.message()).isEqualTo("SS-002 11.4.4: principal 'svc-a' used KEK"
          + " 'kms/keks/root' (kms.unwrap) without an authorising grant");
    });
    assertThat(asked).first().isEqualTo("svc-a kms/keks/root kms.unwrap 2025-03-03T09:01:00Z");
  }

  @Test
  @DisplayName("SS-002 11.4.4 — authorised KEK use is quiet; the grant is asked about each use")
  void authorisedKekUseIsQuiet() {
    AnomalyDetector detector = Events.detector(SETTINGS, this::grants);
    assertThat(detector.observe(events.at(Duration.ofMinutes(5)).by("svc-backup")
        .does("kms.unwrap").on("kms/keks/root").event())).isEmpty();
    // The same principal an hour later is outside its grant.
    assertThat(detector.observe(events.at(Duration.ofMinutes(65)).by("svc-backup")
        .does("kms.unwrap").on("kms/keks/root").event()))
        .extracting(Alert::kind).containsExactly(AlertKind.KEK_UNAUTHORISED);
    assertThat(asked).hasSize(2);
  }

  @Test
  @DisplayName("SS-002 11.4.4 — wrap and unwrap are KEK uses whatever the resource; any action under a KEK prefix is too")
  void whatCountsAsKekUse() {
    AnomalyDetector detector = Events.detector(SETTINGS, KekAuthorisations.noneGranted());
    List<Alert> alerts = Events.feed(detector, List.of(
        events.at(Duration.ofMinutes(1)).does("kms.wrap").on("kms/keys/escrow/v7").event(),
        events.at(Duration.ofMinutes(1)).does("kms.unwrap").on("hsm/slot-1/kek/v12").event(),
        events.at(Duration.ofMinutes(1)).does("kms.decrypt").on("kms/keks/root").event(),
        events.at(Duration.ofMinutes(1)).does("kms.decrypt").on("kms/keys/payments").event()));
    assertThat(alerts).extracting(Alert::resource)
        .containsExactly("kms/keys/escrow", "hsm/slot-1/kek", "kms/keks/root");
  }

  @Test
  @DisplayName("SS-002 11.4.4 — a refused or failed KEK request is not a use")
  void refusedIsNotUse() {
    AnomalyDetector detector = Events.detector(SETTINGS, KekAuthorisations.noneGranted());
    assertThat(Events.feed(detector, List.of(
        events.at(Duration.ofMinutes(1)).does("kms.unwrap").on("kms/keks/root").denied().event(),
        events.at(Duration.ofMinutes(1)).does("kms.unwrap").on("kms/keks/root")
            .outcome(io.custos.audit.AuditEvent.Outcome.ERROR).event()))).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.4.4 — if the authorisation check fails, the use counts as unauthorised")
  void failingCheckFailsClosed() {
    AnomalyDetector detector = Events.detector(SETTINGS, (p, k, a, t) -> {
      throw new IllegalStateException("access layer unavailable");
    });
    assertThat(detector.observe(events.at(Duration.ofMinutes(1)).does("kms.wrap")
        .on("kms/keks/root").event())).singleElement().satisfies(a -> {
          assertThat(a.kind()).isEqualTo(AlertKind.KEK_UNAUTHORISED);
          assertThat(a.message()).endsWith("(the authorisation check failed, so the use is"
              + " treated as not authorised)");
          assertThat(a.evidence()).containsEntry("authorisationAnswered", "false");
        });
  }
}
