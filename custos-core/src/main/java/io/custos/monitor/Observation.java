package io.custos.monitor;

import io.custos.audit.AuditEvent;
import java.util.List;
import java.util.Set;

/**
 * An audit event with what every detector needs worked out once: its time in epoch
 * milliseconds, the key it used (version removed) and whether that key is a KEK.
 *
 * @param event the event
 * @param millis its time, epoch milliseconds
 * @param key the key it touched, e.g. {@code kms/keys/payments}; empty when none
 * @param kek whether it is a use of a key encryption key
 */
record Observation(AuditEvent event, long millis, String key, boolean kek) {

  static Observation of(AuditEvent e, MonitorSettings.Resources resources) {
    String key = keyOf(e.resource(), resources.kekPrefixes());
    boolean underKekPrefix = !key.isEmpty();
    if (key.isEmpty()) {
      key = keyOf(e.resource(), resources.keyPrefixes());
    }
    Set<String> kekActions = resources.kekActions();
    boolean kekAction = kekActions.contains(e.action());
    if (key.isEmpty() && kekAction) {
      // A KEK action on a resource outside the configured prefixes: the resource is the KEK.
      key = withoutVersion(e.resource());
    }
    return new Observation(e, e.time().toEpochMilli(), key, underKekPrefix || kekAction);
  }

  String principal() {
    return event.principal().id();
  }

  boolean ok() {
    return event.outcome() == AuditEvent.Outcome.OK;
  }

  /** The resource an alert should name: the key when there is one, else the event's resource. */
  String resource() {
    return key.isEmpty() ? event.resource() : key;
  }

  /** Prefix plus the next path segment, for the first prefix the resource is under; else empty. */
  private static String keyOf(String resource, List<String> prefixes) {
    for (String prefix : prefixes) {
      if (resource.startsWith(prefix) && resource.length() > prefix.length()) {
        int slash = resource.indexOf('/', prefix.length());
        if (slash != prefix.length()) {
          return slash < 0 ? resource : resource.substring(0, slash);
        }
      }
    }
    return "";
  }

  /** {@code kms/keks/root/v3} becomes {@code kms/keks/root}. */
  private static String withoutVersion(String resource) {
    int slash = resource.lastIndexOf('/');
    String last = resource.substring(slash + 1);
    boolean version = slash > 0 && last.length() > 1 && last.charAt(0) == 'v'
        && last.chars().skip(1).allMatch(c -> c >= '0' && c <= '9');
    return version ? resource.substring(0, slash) : resource;
  }
}
