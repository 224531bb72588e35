package io.custos.access;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Evaluates a request against a subject's policies: a pure function with implicit deny. The
 * decision names the grant that allowed it, or every reason it was denied, for the audit event.
 */
public final class PolicyEngine {
  private PolicyEngine() {}

  /** Who is asking, with the policies their roles and own policies resolve to. */
  public record Subject(Principal principal, List<Policy> policies, Optional<Instant> secondFactorAt) {
    public Subject {
      Objects.requireNonNull(principal, "principal");
      policies = List.copyOf(policies);
      Objects.requireNonNull(secondFactorAt, "secondFactorAt");
    }
  }

  /**
   * What is asked: a capability on a resource, with the attributes constraints look at (for
   * {@code ca:issue}: {@code dns}, {@code ip}, {@code profile}).
   */
  public record Request(String capability, String resource, Map<String, List<String>> attributes, Instant now) {
    public Request {
      Objects.requireNonNull(capability, "capability");
      Objects.requireNonNull(resource, "resource");
      attributes = Map.copyOf(attributes);
      Objects.requireNonNull(now, "now");
    }

    public static Request of(String capability, String resource, Instant now) {
      return new Request(capability, resource, Map.of(), now);
    }
  }

  public static Decision evaluate(Subject subject, Request request) {
    Principal p = subject.principal();
    if (p.disabled()) {
      return new Decision.Deny("principal '" + p.id() + "' is disabled", Optional.of("SS-002 11.3.12"));
    }
    List<String> reasons = new ArrayList<>();
    Decision.Deny stepUpDenial = null;
    for (Policy policy : subject.policies()) {
      for (int i = 0; i < policy.grants().size(); i++) {
        Grant g = policy.grants().get(i);
        if (!g.covers(request.capability(), request.resource())) {
          continue;
        }
        Optional<String> outside = outsideConstraints(g, request.attributes());
        if (outside.isPresent()) {
          reasons.add(policy.name() + " grant " + (i + 1) + ": " + outside.get());
          continue;
        }
        if (policy.needsStepUp(request.capability())) {
          Duration within = policy.stepUpWithin();
          boolean fresh = subject.secondFactorAt()
              .map(t -> !t.isAfter(request.now()) && Duration.between(t, request.now()).compareTo(within) <= 0)
              .orElse(false);
          if (!fresh) {
            stepUpDenial = new Decision.Deny("'" + request.capability() + "' is privileged and needs a second factor "
                + "within the last " + within.toMinutes() + " minutes (custos login --totp)", Optional.of("SS-002 11.3.11"));
            continue;
          }
        }
        return new Decision.Allow(policy.name() + " v" + policy.version() + " grant " + (i + 1) + ": " + g);
      }
    }
    if (stepUpDenial != null) {
      return stepUpDenial;
    }
    if (reasons.isEmpty()) {
      return new Decision.Deny("'" + p.id() + "' has no grant of " + request.capability() + " on "
          + request.resource() + " (implicit deny)", Optional.empty());
    }
    return new Decision.Deny(String.join("; ", reasons), Optional.empty());
  }

  private static Optional<String> outsideConstraints(Grant g, Map<String, List<String>> attributes) {
    for (Map.Entry<String, List<String>> c : g.constraints().entrySet()) {
      for (String value : attributes.getOrDefault(c.getKey(), List.of())) {
        boolean ok = c.getValue().stream().anyMatch(pattern -> switch (c.getKey()) {
          case "dns" -> dnsMatches(pattern, value);
          case "ip" -> ipMatches(pattern, value);
          default -> pattern.equals(value);
        });
        if (!ok) {
          return Optional.of(c.getKey() + " '" + value + "' is outside " + c.getValue());
        }
      }
    }
    return Optional.empty();
  }

  /** {@code *.example.com} covers names below example.com (not example.com itself); others match exactly. */
  static boolean dnsMatches(String pattern, String name) {
    String p = pattern.toLowerCase(Locale.ROOT);
    String n = name.toLowerCase(Locale.ROOT);
    if (p.startsWith("*.")) {
      return n.endsWith(p.substring(1)) && n.length() > p.length() - 1;
    }
    return p.equals(n);
  }

  /** An address or CIDR block ({@code 10.0.0.0/8}, {@code 2001:db8::/32}). */
  static boolean ipMatches(String pattern, String address) {
    try {
      int slash = pattern.indexOf('/');
      byte[] net = literal(slash < 0 ? pattern : pattern.substring(0, slash));
      byte[] ip = literal(address);
      if (net == null || ip == null || net.length != ip.length) {
        return false;
      }
      int bits = slash < 0 ? net.length * 8 : Integer.parseInt(pattern.substring(slash + 1));
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((net[i / 8] & mask) != (ip[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      return false;
    }
  }

  private static byte[] literal(String text) {
    // Only literals: never a name lookup.
    if (!text.matches("[0-9a-fA-F:.]{2,45}")) {
      return null;
    }
    try {
      return InetAddress.ofLiteral(text).getAddress();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
