package io.custos.store;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** The identity of one Custos installation: written once, when its store is created. */
public record InstanceRecord(UUID id, Instant createdAt, String createdByVersion) {
  public InstanceRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(createdByVersion, "createdByVersion");
  }
}
