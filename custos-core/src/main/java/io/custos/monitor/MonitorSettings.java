package io.custos.monitor;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the {@link AnomalyDetector} can be told, grouped by detector. Every group validates
 * itself when constructed and throws {@link io.custos.failure.InvalidInputException} naming the
 * setting; each has a {@code DEFAULTS} constant documented below. Durations are whole milliseconds
 * of at most ten years.
 *
 * @param limits how much state the detector may hold
 * @param resources which resources are keys and which are key encryption keys (KEKs)
 * @param rate per-principal and per-key rate baselines
 * @param firstUse first use of a key by a principal
 * @param denials bursts of denied requests
 * @param bulkDecrypt bulk decryption by one principal
 * @param hours allowed hours per principal pattern
 */
public record MonitorSettings(
    Limits limits, Resources resources, Rate rate, FirstUse firstUse, Denials denials,
    BulkDecrypt bulkDecrypt, Hours hours) {

  public MonitorSettings {
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(resources, "resources");
    Objects.requireNonNull(rate, "rate");
    Objects.requireNonNull(firstUse, "firstUse");
    Objects.requireNonNull(denials, "denials");
    Objects.requireNonNull(bulkDecrypt, "bulkDecrypt");
    Objects.requireNonNull(hours, "hours");
  }

  /** Every group at its {@code DEFAULTS}. */
  public static MonitorSettings defaults() {
    return new MonitorSettings(Limits.DEFAULTS, Resources.DEFAULTS, Rate.DEFAULTS,
        FirstUse.DEFAULTS, Denials.DEFAULTS, BulkDecrypt.DEFAULTS, Hours.DEFAULTS);
  }

  public MonitorSettings with(Limits l) {
    return new MonitorSettings(l, resources, rate, firstUse, denials, bulkDecrypt, hours);
  }

  public MonitorSettings with(Resources r) {
    return new MonitorSettings(limits, r, rate, firstUse, denials, bulkDecrypt, hours);
  }

  public MonitorSettings with(Rate r) {
    return new MonitorSettings(limits, resources, r, firstUse, denials, bulkDecrypt, hours);
  }

  public MonitorSettings with(FirstUse f) {
    return new MonitorSettings(limits, resources, rate, f, denials, bulkDecrypt, hours);
  }

  public MonitorSettings with(Denials d) {
    return new MonitorSettings(limits, resources, rate, firstUse, d, bulkDecrypt, hours);
  }

  public MonitorSettings with(BulkDecrypt b) {
    return new MonitorSettings(limits, resources, rate, firstUse, denials, b, hours);
  }

  public MonitorSettings with(Hours h) {
    return new MonitorSettings(limits, resources, rate, firstUse, denials, bulkDecrypt, h);
  }

  /**
   * Caps on remembered subjects; when a table is full the least recently seen entry is forgotten.
   * Forgetting is safe in one direction only: a forgotten pair may raise a second first-use alert
   * and a forgotten baseline starts its warm-up again, but nothing is ever silently allowed.
   *
   * <p>Defaults: 10,000 principals, 10,000 keys, 100,000 (principal, key) pairs, 10,000 client
   * addresses (1 to 10,000,000 each). Worst-case memory is roughly {@code 8 ×
   * (denials.threshold + bulkDecrypt.threshold)} bytes of timestamps per principal and {@code 8 ×
   * denials.threshold} per client address, plus a few hundred bytes per remembered entry (more for
   * long names): some 40 MB at the defaults, most of it bulk-decrypt timestamps and pairs.
   */
  public record Limits(int maxPrincipals, int maxKeys, int maxPrincipalKeyPairs,
      int maxClientAddresses) {
    public static final Limits DEFAULTS = new Limits(10_000, 10_000, 100_000, 10_000);

    public Limits {
      Check.between("monitor.limits.maxPrincipals", maxPrincipals, 1, 10_000_000);
      Check.between("monitor.limits.maxKeys", maxKeys, 1, 10_000_000);
      Check.between("monitor.limits.maxPrincipalKeyPairs", maxPrincipalKeyPairs, 1, 10_000_000);
      Check.between("monitor.limits.maxClientAddresses", maxClientAddresses, 1, 10_000_000);
    }
  }

  /**
   * Which resources are keys. A resource under one of the prefixes names the key made of the
   * prefix and the next path segment, so {@code kms/keys/payments/v3} is key {@code
   * kms/keys/payments}. A KEK is a key under a KEK prefix, or the resource of a KEK action.
   *
   * <p>Defaults: key prefixes {@code [kms/keys/]}, no KEK prefixes, KEK actions {@code
   * kms.wrap} and {@code kms.unwrap}.
   */
  public record Resources(List<String> keyPrefixes, List<String> kekPrefixes,
      Set<String> kekActions) {
    public static final Resources DEFAULTS =
        new Resources(List.of("kms/keys/"), List.of(), Set.of("kms.wrap", "kms.unwrap"));

    public Resources {
      keyPrefixes = Check.prefixes("monitor.resources.keyPrefixes", keyPrefixes);
      kekPrefixes = Check.prefixes("monitor.resources.kekPrefixes", kekPrefixes);
      kekActions = Check.actions("monitor.resources.kekActions", kekActions);
    }
  }

  /**
   * Rate baselines, kept per principal and per key: events are counted in fixed windows aligned
   * to the epoch; each finished window's count is folded into an exponentially weighted moving
   * average ({@code baseline = alpha × count + (1 − alpha) × baseline}). Once {@code
   * warmUpWindows} windows have finished, a window whose count exceeds {@code max(minCount,
   * factor × baseline)} raises one alert, and the same subject raises no other for {@code
   * coolDown}.
   *
   * <p>Defaults: window 60 s (1 ms to 10 years), alpha 0.1 (above 0, at most 1), warm-up 10
   * windows (0 to 100,000), factor 5.0 (1 to 1,000,000), minCount 50 (1 to 1,000,000,000),
   * cool-down 15 min (0 to 10 years).
   */
  public record Rate(Duration window, double alpha, int warmUpWindows, double factor,
      int minCount, Duration coolDown) {
    public static final Rate DEFAULTS =
        new Rate(Duration.ofSeconds(60), 0.1, 10, 5.0, 50, Duration.ofMinutes(15));

    public Rate {
      Check.duration("monitor.rate.window", window, Duration.ofMillis(1));
      Check.fraction("monitor.rate.alpha", alpha);
      Check.between("monitor.rate.warmUpWindows", warmUpWindows, 0, 100_000);
      Check.between("monitor.rate.factor", factor, 1.0, 1_000_000.0);
      Check.between("monitor.rate.minCount", minCount, 1, 1_000_000_000);
      Check.duration("monitor.rate.coolDown", coolDown, Duration.ZERO);
    }
  }

  /**
   * First use of a key by a principal raises one alert per (principal, key) pair, except for
   * events timed before the end of the learning period, which starts when the detector is
   * created (by its {@link java.time.InstantSource}). Only successful uses count.
   *
   * <p>Default: learning period 24 h (0 to 10 years). It is short because the detector's memory
   * is not persisted: each restart learns afresh, and a long learning period would be a long
   * blind spot.
   */
  public record FirstUse(Duration learningPeriod) {
    public static final FirstUse DEFAULTS = new FirstUse(Duration.ofHours(24));

    public FirstUse {
      Check.duration("monitor.firstUse.learningPeriod", learningPeriod, Duration.ZERO);
    }
  }

  /**
   * Denial bursts: at least {@code threshold} DENIED events for one principal, or separately from
   * one client address, whose times all lie within {@code window} (the newest less than {@code
   * window} after the oldest). At most one alert per subject per {@code coolDown}.
   *
   * <p>Defaults: 10 denials (1 to 10,000) within 60 s, cool-down 15 min.
   */
  public record Denials(int threshold, Duration window, Duration coolDown) {
    public static final Denials DEFAULTS =
        new Denials(10, Duration.ofSeconds(60), Duration.ofMinutes(15));

    public Denials {
      Check.between("monitor.denials.threshold", threshold, 1, 10_000);
      Check.duration("monitor.denials.window", window, Duration.ofMillis(1));
      Check.duration("monitor.denials.coolDown", coolDown, Duration.ZERO);
    }
  }

  /**
   * Bulk decryption: at least {@code threshold} successful events with one of {@code actions}
   * by one principal within {@code window} (as for {@link Denials}); at most one alert per
   * principal per {@code coolDown}.
   *
   * <p>Defaults: actions {@code [kms.decrypt]}, 200 (1 to 10,000) within 60 s, cool-down 15 min.
   */
  public record BulkDecrypt(Set<String> actions, int threshold, Duration window,
      Duration coolDown) {
    public static final BulkDecrypt DEFAULTS = new BulkDecrypt(
        Set.of("kms.decrypt"), 200, Duration.ofSeconds(60), Duration.ofMinutes(15));

    public BulkDecrypt {
      actions = Check.actions("monitor.bulkDecrypt.actions", actions);
      Check.between("monitor.bulkDecrypt.threshold", threshold, 1, 10_000);
      Check.duration("monitor.bulkDecrypt.window", window, Duration.ofMillis(1));
      Check.duration("monitor.bulkDecrypt.coolDown", coolDown, Duration.ZERO);
    }
  }

  /**
   * Allowed hours, read as local time in {@code zone} (so they follow daylight saving). The
   * first rule whose pattern matches a principal decides for it; a principal no rule matches
   * may act at any time. Any event outside the allowed hours raises an alert, at most one per
   * principal per {@code coolDown}.
   *
   * <p>Defaults: zone Europe/London, no rules (nobody is restricted), cool-down 1 h. At most 1,000
   * rules.
   */
  public record Hours(ZoneId zone, List<HoursRule> rules, Duration coolDown) {
    public static final Hours DEFAULTS =
        new Hours(ZoneId.of("Europe/London"), List.of(), Duration.ofHours(1));

    public Hours {
      Objects.requireNonNull(zone, "monitor.hours.zone");
      rules = List.copyOf(Objects.requireNonNull(rules, "monitor.hours.rules"));
      Check.between("monitor.hours.rules size", rules.size(), 0, 1_000);
      Check.duration("monitor.hours.coolDown", coolDown, Duration.ZERO);
    }
  }
}
