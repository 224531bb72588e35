package io.custos.access;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One grant of a policy: a capability (or {@code family:*}) on a resource pattern, with optional
 * constraints on what the request may carry — for {@code ca:issue}, {@code dns} and {@code ip}
 * patterns the requested names must fall within.
 */
public record Grant(String capability, String resource, Map<String, List<String>> constraints) {
  /** Constraint names policies may use. */
  public static final List<String> CONSTRAINTS = List.of("dns", "ip", "profile");

  public Grant {
    Objects.requireNonNull(capability, "capability");
    Objects.requireNonNull(resource, "resource");
    Map<String, List<String>> copy = new TreeMap<>();
    constraints.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    constraints = java.util.Collections.unmodifiableMap(copy);
  }

  public static Grant of(String capability, String resource) {
    return new Grant(capability, resource, Map.of());
  }

  /** Checks the capability, pattern and constraint names; the message names what is wrong. */
  public void validate() {
    Capabilities.check(capability);
    ResourcePattern.check(resource);
    for (Map.Entry<String, List<String>> c : constraints.entrySet()) {
      if (!CONSTRAINTS.contains(c.getKey())) {
        throw new io.custos.failure.InvalidInputException("unknown constraint '" + c.getKey() + "'; one of " + CONSTRAINTS);
      }
      if (c.getValue().isEmpty()) {
        throw new io.custos.failure.InvalidInputException("constraint '" + c.getKey() + "' lists nothing; omit it or list patterns");
      }
    }
  }

  public boolean covers(String requested, String onResource) {
    return Capabilities.covers(capability, requested) && ResourcePattern.matches(resource, onResource);
  }

  @Override
  public String toString() {
    return capability + " on " + resource + (constraints.isEmpty() ? "" : " " + constraints);
  }
}
