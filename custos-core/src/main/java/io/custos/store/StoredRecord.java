package io.custos.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/** One record as stored. The payload is copied in and out, so callers cannot alias it. */
public record StoredRecord(String type, String id, long version, byte[] payload, Instant updatedAt) {
  public StoredRecord {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(updatedAt, "updatedAt");
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, was " + version);
    }
    payload = payload.clone();
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoredRecord r
        && type.equals(r.type)
        && id.equals(r.id)
        && version == r.version
        && Arrays.equals(payload, r.payload)
        && updatedAt.equals(r.updatedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, id, version, Arrays.hashCode(payload), updatedAt);
  }

  @Override
  public String toString() {
    return "StoredRecord[" + type + "/" + id + " v" + version + ", " + payload.length + " bytes]";
  }
}
