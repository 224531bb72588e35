package io.custos.system;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** What {@code GET /v1/sys/health} and {@code custos status} report. Holds nothing secret. */
public record HealthReport(
    String version,
    String commit,
    SystemState state,
    boolean devMode,
    String storageKind,
    int schemaVersion,
    boolean storageReachable,
    Instant serverTime,
    Duration uptime) {

  public HealthReport {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(commit, "commit");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(storageKind, "storageKind");
    Objects.requireNonNull(serverTime, "serverTime");
    Objects.requireNonNull(uptime, "uptime");
  }

  /** Healthy means able to serve: storage answers and the root key is in memory. */
  public boolean serving() {
    return storageReachable && state == SystemState.UNSEALED;
  }
}
