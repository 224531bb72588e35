package io.custos.monitor;

import java.util.List;
import java.util.Map;

/**
 * SS-002 11.3.14: at least {@code threshold} successful decrypts (or other configured actions)
 * by one principal within the window raise one HIGH alert; then none for that principal during
 * the cool-down. Holds {@code threshold} timestamps for each of at most {@code maxPrincipals}
 * principals.
 */
final class BulkDecryptDetector implements Detector {
  private final MonitorSettings.BulkDecrypt settings;
  private final BoundedLru<String, BurstWatch> principals;

  BulkDecryptDetector(MonitorSettings.BulkDecrypt settings, MonitorSettings.Limits limits) {
    this.settings = settings;
    this.principals = new BoundedLru<>(limits.maxPrincipals());
  }

  @Override
  public void observe(Observation o, List<Alert> alerts) {
    if (!o.ok() || !settings.actions().contains(o.event().action())) {
      return;
    }
    BurstWatch watch = principals.get(o.principal(), p -> new BurstWatch(settings.threshold()));
    if (!watch.record(o.millis(), settings.window().toMillis(), settings.coolDown().toMillis())) {
      return;
    }
    String message = "principal " + Wording.quote(o.principal()) + " made "
        + settings.threshold() + " " + String.join("/", settings.actions().stream().sorted().toList())
        + " requests within " + Wording.duration(settings.window()) + ", latest on "
        + Wording.quote(o.resource());
    alerts.add(Alert.raise(AlertKind.BULK_DECRYPT, Severity.HIGH, Alert.MONITORING, o,
        o.resource(), message, Map.of(
            "count", String.valueOf(settings.threshold()),
            "spanMillis", String.valueOf(watch.span()),
            "windowMillis", String.valueOf(settings.window().toMillis()))));
  }

  int size() {
    return principals.size();
  }
}
