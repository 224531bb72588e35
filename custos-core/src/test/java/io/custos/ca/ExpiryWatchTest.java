package io.custos.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.audit.AuditDraft;
import io.custos.failure.InvalidInputException;
import io.custos.store.CertificateRecords.CertificateRow;
import io.custos.store.MemoryCertificateRecords;
import io.custos.store.MemoryRecordStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ExpiryWatchTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private final MemoryCertificateRecords certs = new MemoryCertificateRecords();
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final List<AuditDraft> events = new ArrayList<>();
  private final List<ExpiryWatch.Alert> alerts = new ArrayList<>();

  private void cert(String serial, Instant notBefore, Duration life, String status) {
    certs.add(new CertificateRow(serial, "issuing", "web", "Web shop", "web-team@example.com", "tls-server",
        "CN=" + serial + ".example.com", List.of("dns:" + serial + ".example.com"),
        serial.getBytes(StandardCharsets.UTF_8), notBefore, notBefore.plus(life), notBefore, status, Optional.empty(),
        Optional.empty(), new byte[] {1}));
  }

  private ExpiryWatch watch(Instant now) {
    return new ExpiryWatch(certs, records, events::add, alerts::add, ExpiryWatch.DEFAULT_HORIZONS,
        Clock.fixed(now, ZoneOffset.UTC));
  }

  @Test
  @DisplayName("SS-002 11.5.2 — one cert.expiring event per certificate and horizon crossed, never repeated")
  void alertsOncePerHorizon() {
    cert("a1", T0, Duration.ofDays(80), "good");     // expires T0+80d
    cert("b2", T0, Duration.ofDays(60), "good");     // expires T0+60d
    cert("c3", T0, Duration.ofDays(60), "revoked");  // never announced
    cert("d4", T0, Duration.ofDays(5), "good");      // short-lived: only the 1-day horizon applies
    cert("e5", T0.minus(Duration.ofDays(400)), Duration.ofDays(365), "good"); // expired long ago

    ExpiryWatch.Result r = watch(T0.plus(Duration.ofDays(35))).run();
    // b2 is 25 days from expiry; d4 expired already.
    assertThat(events).hasSize(1);
    assertThat(events.getFirst().action()).isEqualTo("cert.expiring");
    assertThat(events.getFirst().params()).containsAllEntriesOf(Map.of("serial", "b2", "owner", "web",
        "contact", "web-team@example.com", "not_after", T0.plus(Duration.ofDays(60)).toString(), "horizon", "30d"));
    assertThat(r.expiring()).containsExactly(Map.entry(Duration.ofDays(30), 1L), Map.entry(Duration.ofDays(7), 0L),
        Map.entry(Duration.ofDays(1), 0L));
    assertThat(r.alerted()).isEqualTo(1);
    assertThat(alerts).extracting(ExpiryWatch.Alert::serial).containsExactly("b2");

    // Again, and after a restart (a new watch on the same store): nothing new.
    assertThat(watch(T0.plus(Duration.ofDays(36))).run().alerted()).isZero();
    assertThat(events).hasSize(1);

    // b2 at 6 days: the 7-day horizon; a1 at 26 days: the 30-day horizon.
    ExpiryWatch.Result later = watch(T0.plus(Duration.ofDays(54))).run();
    assertThat(events).extracting(e -> e.params().get("serial") + "@" + e.params().get("horizon"))
        .containsExactlyInAnyOrder("b2@30d", "b2@7d", "a1@30d");
    assertThat(later.expiring().get(Duration.ofDays(30))).isEqualTo(2L);
    assertThat(later.expiring().get(Duration.ofDays(7))).isEqualTo(1L);
    assertThat(records.list(ExpiryWatch.MARKER_TYPE, "", 10)).containsExactly("a1/30d", "b2/30d", "b2/7d");
  }

  @Test
  @DisplayName("a short-lived certificate is announced only at horizons shorter than its life")
  void shortLived() {
    cert("d4", T0, Duration.ofDays(5), "good");
    watch(T0.plus(Duration.ofDays(1))).run();
    assertThat(events).isEmpty();
    ExpiryWatch.Result r = watch(T0.plus(Duration.ofHours(4 * 24 + 1))).run();
    assertThat(events).extracting(e -> e.params().get("horizon")).containsExactly("1d");
    assertThat(r.expiring().get(Duration.ofDays(30))).isEqualTo(1L);
  }

  @Test
  @DisplayName("pages through many certificates")
  void paging() {
    for (int i = 0; i < 1234; i++) {
      cert(String.format("%04x", i + 1), T0, Duration.ofDays(40), "good");
    }
    ExpiryWatch.Result r = watch(T0.plus(Duration.ofDays(20))).run();
    assertThat(r.alerted()).isEqualTo(1234);
    assertThat(r.expiring().get(Duration.ofDays(30))).isEqualTo(1234L);
  }

  @Test
  @DisplayName("a failing webhook does not stop the audit event nor the run; a failing audit releases the marker")
  void failures() {
    cert("b2", T0, Duration.ofDays(60), "good");
    ExpiryWatch w = new ExpiryWatch(certs, records, events::add, a -> {
      throw new IllegalStateException("webhook down");
    }, ExpiryWatch.DEFAULT_HORIZONS, Clock.fixed(T0.plus(Duration.ofDays(35)), ZoneOffset.UTC));
    assertThat(w.run().alerted()).isEqualTo(1);
    assertThat(events).hasSize(1);

    cert("a1", T0, Duration.ofDays(61), "good");
    ExpiryWatch broken = new ExpiryWatch(certs, records, e -> {
      throw new IllegalStateException("audit down");
    }, alerts::add, ExpiryWatch.DEFAULT_HORIZONS, Clock.fixed(T0.plus(Duration.ofDays(35)), ZoneOffset.UTC));
    assertThatThrownBy(broken::run).hasMessage("audit down");
    assertThat(records.list(ExpiryWatch.MARKER_TYPE, "", 10)).containsExactly("b2/30d");
    assertThat(watch(T0.plus(Duration.ofDays(35))).run().alerted()).isEqualTo(1);
  }

  @Test
  @DisplayName("horizons are configured as 30d,7d,1d (days, hours or minutes)")
  void horizons() {
    assertThat(ExpiryWatch.parseHorizons("1d, 30d,7d,12h")).containsExactly(Duration.ofDays(30), Duration.ofDays(7),
        Duration.ofDays(1), Duration.ofHours(12));
    assertThatThrownBy(() -> ExpiryWatch.parseHorizons("30 days")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ExpiryWatch.parseHorizons("0d")).isInstanceOf(InvalidInputException.class);
    assertThat(new ExpiryWatch.Alert("ab", "issuing", "web", "Web \"shop\"", "w@example.com", "CN=<x>",
        T0, Duration.ofDays(7)).json()).isEqualTo("{\"event\":\"cert.expiring\",\"serial\":\"ab\",\"ca\":\"issuing\","
            + "\"owner\":\"web\",\"owner_name\":\"Web \\\"shop\\\"\",\"contact\":\"w@example.com\",\"subject\":"
            + "\"CN=\\u003cx\\u003e\",\"not_after\":\"2026-11-01T00:00:00Z\",\"horizon\":\"7d\"}");
  }
}
