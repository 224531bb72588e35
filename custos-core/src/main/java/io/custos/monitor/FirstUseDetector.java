package io.custos.monitor;

import java.util.List;
import java.util.Map;

/**
 * SS-002 11.3.14 (and 11.4.4 for KEKs): the first successful use of a key by a principal raises
 * one alert for that (principal, key) pair — LOW for a key, MEDIUM for a KEK. Pairs first seen in
 * events timed before the end of the learning period are remembered without an alert. Holds at
 * most {@code maxPrincipalKeyPairs} pairs; a forgotten pair alerts again when next used.
 */
final class FirstUseDetector implements Detector {
  private record Pair(String principal, String key) {}

  private final long learningUntilMillis;
  private final BoundedLru<Pair, Boolean> pairs;

  FirstUseDetector(long learningUntilMillis, MonitorSettings.Limits limits) {
    this.learningUntilMillis = learningUntilMillis;
    this.pairs = new BoundedLru<>(limits.maxPrincipalKeyPairs());
  }

  @Override
  public void observe(Observation o, List<Alert> alerts) {
    if (!o.ok() || o.key().isEmpty()) {
      return;
    }
    Pair pair = new Pair(o.principal(), o.key());
    if (pairs.touch(pair)) {
      return;
    }
    pairs.put(pair, Boolean.TRUE);
    if (o.millis() < learningUntilMillis) {
      return;
    }
    String message = "principal " + Wording.quote(o.principal()) + " used "
        + (o.kek() ? "KEK " : "key ") + Wording.quote(o.key()) + " for the first time ("
        + o.event().action() + ")";
    alerts.add(Alert.raise(AlertKind.FIRST_USE, o.kek() ? Severity.MEDIUM : Severity.LOW,
        o.kek() ? Alert.KEK_MONITORING : Alert.MONITORING, o, o.key(), message,
        Map.of("kek", String.valueOf(o.kek()))));
  }

  int size() {
    return pairs.size();
  }
}
