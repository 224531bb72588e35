package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  @DisplayName("counters, gauges and histograms render in the Prometheus text format, labels escaped")
  void exposition() {
    Metrics m = new Metrics();
    Metrics.Counter c = m.counter("custos_ops_total", "Operations", "action", "outcome");
    c.inc("kms.encrypt", "ok");
    c.inc("kms.encrypt", "ok");
    c.inc("odd\"action\\", "denied");
    m.gauge("custos_size", "Size", () -> 42.0);
    m.gauge("custos_backlog", "Backlog", List.of("sink"), () -> Map.of(List.of("syslog"), 7.5));
    Metrics.Histogram h = m.histogram("custos_latency_seconds", "Latency", new double[] {0.1, 1}, "route");
    h.observe(0.05, "/v1/x");
    h.observe(0.5, "/v1/x");
    String text = m.render();
    assertThat(text).contains(
        "# TYPE custos_ops_total counter\n",
        "custos_ops_total{action=\"kms.encrypt\",outcome=\"ok\"} 2\n",
        "custos_ops_total{action=\"odd\\\"action\\\\\",outcome=\"denied\"} 1\n",
        "# TYPE custos_size gauge\ncustos_size 42\n",
        "custos_backlog{sink=\"syslog\"} 7.5\n",
        "custos_latency_seconds_bucket{route=\"/v1/x\",le=\"0.1\"} 1\n",
        "custos_latency_seconds_bucket{route=\"/v1/x\",le=\"1\"} 2\n",
        "custos_latency_seconds_bucket{route=\"/v1/x\",le=\"+Inf\"} 2\n",
        "custos_latency_seconds_count{route=\"/v1/x\"} 2\n");
  }

  @Test
  @DisplayName("a gauge that cannot be read is left out of the scrape instead of failing it")
  void failingGauge() {
    Metrics m = new Metrics();
    m.gauge("custos_broken", "Broken", () -> {
      throw new IllegalStateException("storage down");
    });
    m.gauge("custos_fine", "Fine", () -> 1.0);
    assertThat(m.render()).contains("custos_fine 1").doesNotContain("custos_broken");
  }
}
