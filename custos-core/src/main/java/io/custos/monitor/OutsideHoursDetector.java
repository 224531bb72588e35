package io.custos.monitor;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SS-002 11.3.14: any event by a principal outside the allowed hours of the first {@link
 * HoursRule} matching it raises a MEDIUM alert, at most one per principal per cool-down. Hours
 * are local to the configured zone, so they follow daylight saving. Holds a cool-down for at most
 * {@code maxPrincipals} principals.
 */
final class OutsideHoursDetector implements Detector {
  private final MonitorSettings.Hours settings;
  private final BoundedLru<String, CoolDown> principals;

  OutsideHoursDetector(MonitorSettings.Hours settings, MonitorSettings.Limits limits) {
    this.settings = settings;
    this.principals = new BoundedLru<>(limits.maxPrincipals());
  }

  @Override
  public void observe(Observation o, List<Alert> alerts) {
    HoursRule rule = ruleFor(o.principal());
    if (rule == null) {
      return;
    }
    LocalDateTime local = LocalDateTime.ofInstant(o.event().time(), settings.zone());
    if (rule.allows(local)) {
      return;
    }
    CoolDown coolDown = principals.get(o.principal(), p -> new CoolDown());
    if (!coolDown.tryAlert(o.millis(), settings.coolDown().toMillis())) {
      return;
    }
    String message = "principal " + Wording.quote(o.principal()) + " acted at " + local
        + " " + settings.zone() + " (" + local.getDayOfWeek().getDisplayName(TextStyle.FULL,
            Locale.UK) + "), outside its allowed hours " + rule.describe() + " (rule "
        + Wording.quote(rule.principalPattern()) + "): " + o.event().action() + " on "
        + Wording.quote(o.resource());
    alerts.add(Alert.raise(AlertKind.OUTSIDE_HOURS, Severity.MEDIUM, Alert.MONITORING, o,
        o.resource(), message, Map.of(
            "localTime", local.toString(),
            "zone", settings.zone().getId(),
            "rule", rule.principalPattern())));
  }

  private HoursRule ruleFor(String principal) {
    for (HoursRule r : settings.rules()) {
      if (r.appliesTo(principal)) {
        return r;
      }
    }
    return null;
  }

  int size() {
    return principals.size();
  }
}
