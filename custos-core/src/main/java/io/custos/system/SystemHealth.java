package io.custos.system;

import io.custos.failure.StorageException;
import io.custos.store.Storage;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.function.Supplier;

/** The front door for "how is this node?": version, seal state, storage and uptime. */
public final class SystemHealth {
  private final ProductVersion version;
  private final Storage storage;
  private final Supplier<SystemState> state;
  private final InstantSource clock;
  private final Instant startedAt;
  private final boolean devMode;

  /**
   * @param state where the root of trust stands; until a seal is configured that is
   *     {@link SystemState#UNINITIALISED}
   */
  public SystemHealth(ProductVersion version, Storage storage, Supplier<SystemState> state,
      InstantSource clock, boolean devMode) {
    this.version = Objects.requireNonNull(version, "version");
    this.storage = Objects.requireNonNull(storage, "storage");
    this.state = Objects.requireNonNull(state, "state");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.startedAt = clock.instant();
    this.devMode = devMode;
  }

  public HealthReport report() {
    boolean reachable;
    try {
      storage.ping();
      reachable = true;
    } catch (StorageException e) {
      reachable = false;
    }
    Instant now = clock.instant();
    return new HealthReport(version.version(), version.commit(), state.get(), devMode,
        storage.kind(), storage.schemaVersion(), reachable, now, Duration.between(startedAt, now));
  }
}
