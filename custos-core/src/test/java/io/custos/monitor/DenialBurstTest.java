package io.custos.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.audit.AuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SS-002 11.3.14 — bursts of denied requests")
class DenialBurstTest {
  private static final MonitorSettings SETTINGS = MonitorSettings.defaults()
      .with(new MonitorSettings.Denials(5, Duration.ofSeconds(60), Duration.ofMinutes(15)));

  private final Events events = new Events();
  private final AnomalyDetector detector =
      Events.detector(SETTINGS, KekAuthorisations.noneGranted());

  private static List<AuditEvent> denials(int count, IntFunction<Events.Event> shape) {
    List<AuditEvent> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(shape.apply(i).event());
    }
    return out;
  }

  private Events.Event denial(Duration at) {
    return events.at(at).does("kms.decrypt").denied();
  }

  @Test
  @DisplayName("SS-002 11.3.14 — denials for one principal within the window raise one alert")
  void principalBurst() {
    List<AuditEvent> burst = denials(8,
        i -> denial(Duration.ofSeconds(10L * i)).by("mallory").from("192.0.2." + i));
    List<Alert> alerts = Events.feed(detector, burst);
    assertThat(alerts).singleElement().satisfies(a -> {
      assertThat(a.kind()).isEqualTo(AlertKind.DENIAL_BURST);
      assertThat(a.eventSeq()).isEqualTo(burst.get(4).seq());
      assertThat(a.message()).isEqualTo("SS-002 11.3.14: principal 'mallory' was denied 5 times"
          + " within 60s, latest kms.decrypt on 'kms/keys/payments'");
      assertThat(a.evidence()).containsEntry("count", "5").containsEntry("spanMillis", "40000")
          .doesNotContainKey("clientAddress");
    });
  }

  @Test
  @DisplayName("SS-002 11.3.14 — a denial burst from one address across many principals raises one alert")
  void addressBurst() {
    List<Alert> alerts = Events.feed(detector, denials(6,
        i -> denial(Duration.ofSeconds(i)).by("user-" + i).from("203.0.113.7")));
    assertThat(alerts).singleElement().satisfies(a -> {
      assertThat(a.kind()).isEqualTo(AlertKind.DENIAL_BURST);
      assertThat(a.principalId()).isEqualTo("user-4");
      assertThat(a.message()).startsWith("SS-002 11.3.14: client address '203.0.113.7' (latest as"
          + " principal 'user-4') was denied 5 times within 60s");
      assertThat(a.evidence()).containsEntry("clientAddress", "203.0.113.7");
    });
  }

  @Test
  @DisplayName("SS-002 11.3.14 — the same denials spread wider than the window raise nothing")
  void spreadOutIsQuiet() {
    // Five denials 15 s apart span exactly 60 s: not within the window.
    assertThat(Events.feed(detector, denials(12,
        i -> denial(Duration.ofSeconds(15L * i)).by("mallory")))).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.3.14 — successful and failed requests are not denials")
  void onlyDenialsCount() {
    assertThat(Events.feed(detector, denials(20,
        i -> events.at(Duration.ofSeconds(i)).outcome(i % 2 == 0 ? AuditEvent.Outcome.OK
            : AuditEvent.Outcome.ERROR)))).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.3.14 — a continuing burst alerts again only after the cool-down")
  void coolDown() {
    // One denial every 5 s for 40 minutes, principal and address alike: one alert each per 15 min.
    List<Alert> alerts = Events.feed(detector, denials(480,
        i -> denial(Duration.ofSeconds(5L * i)).by("mallory")));
    assertThat(alerts).extracting(a -> a.time().getEpochSecond() - Events.T0.getEpochSecond())
        .containsExactly(20L, 20L, 920L, 920L, 1820L, 1820L);
  }

  @Test
  @DisplayName("SS-002 11.3.14 — a late denial counts as if it came with the newest, never as an error")
  void lateEvents() {
    List<Alert> alerts = Events.feed(detector, List.of(
        denial(Duration.ofSeconds(100)).by("mallory").event(),
        denial(Duration.ofSeconds(110)).by("mallory").event(),
        denial(Duration.ofSeconds(5)).by("mallory").event(),
        denial(Duration.ofSeconds(0)).by("mallory").event(),
        denial(Duration.ofSeconds(120)).by("mallory").from("").event()));
    // Five denials "within" 100 s to 120 s once the two late ones are counted at 110 s.
    assertThat(alerts).singleElement().satisfies(a ->
        assertThat(a.evidence()).containsEntry("spanMillis", "20000"));
  }
}
