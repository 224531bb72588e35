package io.custos.monitor;

import java.util.List;
import java.util.Map;

/**
 * SS-002 11.3.14: rate baselines per principal (every event it makes) and per key (every event
 * that touches it). A window whose count exceeds {@code max(minCount, factor × baseline)} after
 * the warm-up raises one MEDIUM alert per subject, then none for that subject during the
 * cool-down. Holds at most {@code maxPrincipals} and {@code maxKeys} baselines; a forgotten
 * subject starts its warm-up again.
 */
final class RateSpikeDetector implements Detector {
  private final MonitorSettings.Rate settings;
  private final long windowMillis;
  private final BoundedLru<String, Baseline> principals;
  private final BoundedLru<String, Baseline> keys;

  RateSpikeDetector(MonitorSettings.Rate settings, MonitorSettings.Limits limits) {
    this.settings = settings;
    this.windowMillis = settings.window().toMillis();
    this.principals = new BoundedLru<>(limits.maxPrincipals());
    this.keys = new BoundedLru<>(limits.maxKeys());
  }

  @Override
  public void observe(Observation o, List<Alert> alerts) {
    long index = Math.floorDiv(o.millis(), windowMillis);
    Baseline principal = principals.get(o.principal(), p -> new Baseline(index));
    principal.add(index, settings.alpha());
    if (principal.spike(settings, o.millis())) {
      alerts.add(alert(o, o.event().resource(), principal, "principal " + Wording.quote(o.principal())
          + " made " + principal.count() + " requests in " + Wording.duration(settings.window())));
    }
    if (o.key().isEmpty()) {
      return;
    }
    Baseline key = keys.get(o.key(), k -> new Baseline(index));
    key.add(index, settings.alpha());
    if (key.spike(settings, o.millis())) {
      alerts.add(alert(o, o.key(), key, "key " + Wording.quote(o.key()) + " was used "
          + key.count() + " times in " + Wording.duration(settings.window())
          + " (latest by principal " + Wording.quote(o.principal()) + ")"));
    }
  }

  private Alert alert(Observation o, String resource, Baseline b, String what) {
    String message = what + ", baseline " + Wording.decimal(b.mean()) + " per "
        + Wording.duration(settings.window());
    return Alert.raise(AlertKind.RATE_SPIKE, Severity.MEDIUM, Alert.MONITORING, o, resource,
        message, Map.of(
            "count", String.valueOf(b.count()),
            "baseline", Wording.decimal(b.mean()),
            "threshold", Wording.decimal(b.threshold(settings)),
            "windowMillis", String.valueOf(windowMillis)));
  }

  int principals() {
    return principals.size();
  }

  int keys() {
    return keys.size();
  }
}
