package io.custos.x509;

import java.time.Duration;
import java.util.Locale;

/**
 * Where a certificate sits in the hierarchy, with the longest lifetime SS-002 11.1.9 allows
 * there: root 20 years, policy CA 15, subordinate (issuing) CA 5, end entity 2.
 */
public enum CaLevel {
  ROOT(20),
  POLICY(15),
  SUBORDINATE(5),
  END_ENTITY(2);

  private static final Duration YEAR = Duration.ofDays(365);
  private final int years;

  CaLevel(int years) {
    this.years = years;
  }

  /** The maximum lifetime, counting a year as 365 days plus a leap day every four. */
  public Duration maxLifetime() {
    return YEAR.multipliedBy(years).plusDays((years + 3) / 4);
  }

  public int maxYears() {
    return years;
  }

  public boolean isCa() {
    return this != END_ENTITY;
  }

  /** The level a CA at this level issues CA certificates for; end entities are issued by any CA. */
  public boolean mayIssue(CaLevel child) {
    return switch (this) {
      case ROOT -> child == POLICY || child == SUBORDINATE;
      case POLICY -> child == SUBORDINATE;
      case SUBORDINATE -> child == END_ENTITY;
      case END_ENTITY -> false;
    };
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
