package io.custos.centrallog;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how a {@link JsonLinesFileSink} writes.
 *
 * @param name the sink's stable name (its cursor key)
 * @param file the live file, e.g. {@code /var/log/custos/audit.jsonl}; its directory must exist
 *     and should be readable only by the log shipper and auditors
 * @param maxBytes rotate before a batch would take the live file beyond this size
 * @param maxAge rotate before writing to a live file older than this
 * @param keep how many rotated files to keep; older ones are deleted (at least 1)
 */
public record JsonLinesFileSettings(String name, Path file, long maxBytes, Duration maxAge, int keep) {

  public JsonLinesFileSettings {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(maxAge, "maxAge");
    if (name.isBlank() || file.getFileName() == null) {
      throw new IllegalArgumentException("name must not be blank and file must name a file");
    }
    if (maxBytes < 1 || !maxAge.isPositive() || keep < 1) {
      throw new IllegalArgumentException("maxBytes, maxAge and keep must be positive");
    }
  }

  /** Rotation at 100 MiB or one day, keeping 30 rotated files. */
  public static JsonLinesFileSettings of(String name, Path file) {
    return new JsonLinesFileSettings(name, file, 100L * 1024 * 1024, Duration.ofDays(1), 30);
  }

  public JsonLinesFileSettings withRotation(long newMaxBytes, Duration newMaxAge, int newKeep) {
    return new JsonLinesFileSettings(name, file, newMaxBytes, newMaxAge, newKeep);
  }
}
