package io.custos.monitor;

import io.custos.audit.AuditEvent.Outcome;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * SS-002 11.3.14: at least {@code threshold} DENIED events within the window for one principal,
 * and separately from one client address (which catches one host trying many identities), raise
 * a MEDIUM alert per subject, then none for that subject during the cool-down. Holds {@code
 * threshold} timestamps per subject for at most {@code maxPrincipals} principals and {@code
 * maxClientAddresses} addresses.
 */
final class DenialBurstDetector implements Detector {
  private final MonitorSettings.Denials settings;
  private final BoundedLru<String, BurstWatch> principals;
  private final BoundedLru<String, BurstWatch> addresses;

  DenialBurstDetector(MonitorSettings.Denials settings, MonitorSettings.Limits limits) {
    this.settings = settings;
    this.principals = new BoundedLru<>(limits.maxPrincipals());
    this.addresses = new BoundedLru<>(limits.maxClientAddresses());
  }

  @Override
  public void observe(Observation o, List<Alert> alerts) {
    if (o.event().outcome() != Outcome.DENIED) {
      return;
    }
    long window = settings.window().toMillis();
    long coolDown = settings.coolDown().toMillis();
    BurstWatch byPrincipal = principals.get(o.principal(), p -> new BurstWatch(settings.threshold()));
    if (byPrincipal.record(o.millis(), window, coolDown)) {
      alerts.add(alert(o, "principal " + Wording.quote(o.principal()), byPrincipal, Map.of()));
    }
    String address = o.event().clientAddress();
    if (address.isEmpty()) {
      return;
    }
    BurstWatch byAddress = addresses.get(address, a -> new BurstWatch(settings.threshold()));
    if (byAddress.record(o.millis(), window, coolDown)) {
      alerts.add(alert(o, "client address " + Wording.quote(address) + " (latest as principal "
          + Wording.quote(o.principal()) + ")", byAddress, Map.of("clientAddress", address)));
    }
  }

  private Alert alert(Observation o, String subject, BurstWatch watch, Map<String, String> more) {
    String message = subject + " was denied " + settings.threshold() + " times within "
        + Wording.duration(settings.window()) + ", latest " + o.event().action() + " on "
        + Wording.quote(o.resource());
    TreeMap<String, String> evidence = new TreeMap<>(more);
    evidence.put("count", String.valueOf(settings.threshold()));
    evidence.put("spanMillis", String.valueOf(watch.span()));
    evidence.put("windowMillis", String.valueOf(settings.window().toMillis()));
    return Alert.raise(AlertKind.DENIAL_BURST, Severity.MEDIUM, Alert.MONITORING, o,
        o.resource(), message, evidence);
  }

  int principals() {
    return principals.size();
  }

  int addresses() {
    return addresses.size();
  }
}
