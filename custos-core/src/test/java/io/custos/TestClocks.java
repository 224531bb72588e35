package io.custos;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.Supplier;

/** Clocks for tests that move time by changing what {@code now} returns. */
public final class TestClocks {
  private TestClocks() {}

  /** A UTC clock reading {@code now} on every call. */
  public static Clock following(Supplier<Instant> now) {
    return new Clock() {
      @Override
      public Instant instant() {
        return now.get();
      }

      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }
    };
  }
}
