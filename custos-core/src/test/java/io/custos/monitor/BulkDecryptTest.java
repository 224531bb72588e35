package io.custos.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.audit.AuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SS-002 11.3.14 — bulk decryption")
class BulkDecryptTest {
  private static final MonitorSettings SETTINGS = MonitorSettings.defaults().with(
      new MonitorSettings.BulkDecrypt(Set.of("kms.decrypt", "kms.export"), 30,
          Duration.ofSeconds(60), Duration.ofMinutes(15)));

  private final Events events = new Events();
  private final AnomalyDetector detector =
      Events.detector(SETTINGS, KekAuthorisations.noneGranted());

  private static List<AuditEvent> stream(int count, IntFunction<Events.Event> shape) {
    List<AuditEvent> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(shape.apply(i).event());
    }
    return out;
  }

  @Test
  @DisplayName("SS-002 11.3.14 — bulk decryption by one principal raises one high alert")
  void bulkDecrypt() {
    List<AuditEvent> decrypts = stream(45, i -> events.at(Duration.ofSeconds(i))
        .by("alice").does("kms.decrypt").on("kms/keys/customers/v" + (1 + i % 3)));
    List<Alert> alerts = Events.feed(detector, decrypts);
    assertThat(alerts).singleElement().satisfies(a -> {
      assertThat(a.kind()).isEqualTo(AlertKind.BULK_DECRYPT);
      assertThat(a.severity()).isEqualTo(Severity.HIGH);
      assertThat(a.eventSeq()).isEqualTo(decrypts.get(29).seq());
      assertThat(a.resource()).isEqualTo("kms/keys/customers");
      assertThat(a.message()).isEqualTo("SS-002 11.3.14: principal 'alice' made 30"
          + " kms.decrypt/kms.export requests within 60s, latest on 'kms/keys/customers'");
      assertThat(a.evidence()).containsEntry("count", "30").containsEntry("spanMillis", "29000");
    });
  }

  @Test
  @DisplayName("SS-002 11.3.14 — configured actions count together; other actions and refusals do not")
  void onlyConfiguredSuccessfulActionsCount() {
    List<AuditEvent> mixed = stream(120, i -> switch (i % 4) {
      case 0 -> events.at(Duration.ofMillis(400L * i)).by("alice").does("kms.encrypt");
      case 1 -> events.at(Duration.ofMillis(400L * i)).by("alice").does("kms.decrypt").denied();
      case 2 -> events.at(Duration.ofMillis(400L * i)).by("alice").does("kms.decrypt")
          .outcome(AuditEvent.Outcome.ERROR);
      default -> events.at(Duration.ofMillis(400L * i)).by("alice").does("kms.sign");
    });
    // The refused decrypts are a denial burst, rightly; nothing here is bulk decryption.
    assertThat(Events.feed(detector, mixed)).extracting(Alert::kind)
        .containsExactly(AlertKind.DENIAL_BURST, AlertKind.DENIAL_BURST);

    List<AuditEvent> both = stream(30, i -> events.at(Duration.ofMinutes(5).plusSeconds(i))
        .by("carol").does(i % 2 == 0 ? "kms.decrypt" : "kms.export"));
    assertThat(Events.feed(detector, both)).extracting(Alert::kind)
        .containsExactly(AlertKind.BULK_DECRYPT);
  }

  @Test
  @DisplayName("SS-002 11.3.14 — the same number of decrypts spread over a longer time is quiet")
  void slowDecryptsAreQuiet() {
    assertThat(Events.feed(detector, stream(200, i -> events.at(Duration.ofSeconds(3L * i))
        .by("alice").does("kms.decrypt")))).isEmpty();
  }
}
