package io.custos.centrallog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON lines on disk: content, permissions, rotation by size and age, retention. */
class JsonLinesFileSinkTest {
  @TempDir
  Path dir;

  private final ManualClock clock = new ManualClock();

  private static List<LogEntry> entries(long from, long to) {
    return LongStream.rangeClosed(from, to).mapToObj(s -> MemoryLog.entry(s, "kms.encrypt")).toList();
  }

  private List<Path> rotated() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> !p.getFileName().toString().equals("audit.jsonl")).sorted().toList();
    }
  }

  /** All lines of the rotated files (oldest first) and then of the live file. */
  private List<String> allLines() throws IOException {
    List<String> lines = new ArrayList<>();
    for (Path p : new RotatedFiles(dir.resolve("audit.jsonl")).list()) {
      lines.addAll(Files.readAllLines(p));
    }
    lines.addAll(Files.readAllLines(dir.resolve("audit.jsonl")));
    return lines;
  }

  @Test
  @DisplayName("SS-002 11.7.1 — each entry is one line of its canonical JSON, in order, confirmed once written")
  void writesJsonLines() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    try (JsonLinesFileSink sink = new JsonLinesFileSink(JsonLinesFileSettings.of("file", file), clock)) {
      sink.deliver(entries(1, 3));
      sink.deliver(entries(3, 4)); // 3 again, as after a failed attempt: written once
      assertThat(sink.confirmedThrough()).isEqualTo(4);
    }
    assertThat(Files.readString(file)).isEqualTo(entries(1, 4).stream().map(e -> e.json() + "\n")
        .reduce("", String::concat));
  }

  @Test
  @DisplayName("SS-002 11.7.1 — access restricted: the file is created with mode 0600 and an existing file is narrowed to it")
  void ownerOnlyPermissions() throws IOException {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path fresh = dir.resolve("fresh.jsonl");
    try (JsonLinesFileSink sink = new JsonLinesFileSink(JsonLinesFileSettings.of("a", fresh), clock)) {
      sink.deliver(entries(1, 1));
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rw-------");

    Path existing = Files.createFile(dir.resolve("existing.jsonl"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
    Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rw-r--r--"));
    try (JsonLinesFileSink sink = new JsonLinesFileSink(JsonLinesFileSettings.of("b", existing), clock)) {
      sink.deliver(entries(1, 1));
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(existing))).isEqualTo("rw-------");
  }

  @Test
  @DisplayName("rotation by size: renamed to name.<UTC timestamp>.jsonl, nothing lost, only the newest N kept")
  void rotatesBySize() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    long lineLength = (MemoryLog.entry(1, "kms.encrypt").json() + "\n").length();
    JsonLinesFileSettings settings = JsonLinesFileSettings.of("file", file)
        .withRotation(lineLength * 3, Duration.ofDays(1), 2);
    try (JsonLinesFileSink sink = new JsonLinesFileSink(settings, clock)) {
      for (long seq = 1; seq <= 9; seq += 3) {
        sink.deliver(entries(seq, seq + 2)); // exactly fills a file
        clock.advance(Duration.ofMinutes(1));
      }
      assertThat(rotated()).extracting(p -> p.getFileName().toString())
          .containsExactly("audit.20260102T030505Z.jsonl", "audit.20260102T030605Z.jsonl");
      assertThat(allLines()).containsExactlyElementsOf(entries(1, 9).stream().map(LogEntry::json).toList());

      sink.deliver(entries(10, 10));
      assertThat(rotated()).extracting(p -> p.getFileName().toString())
          .containsExactly("audit.20260102T030605Z.jsonl", "audit.20260102T030705Z.jsonl");
      assertThat(allLines()).containsExactlyElementsOf(entries(4, 10).stream().map(LogEntry::json).toList());
    }
  }

  @Test
  @DisplayName("rotation by age, and two rotations in the same second get distinct names")
  void rotatesByAge() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    JsonLinesFileSettings settings = JsonLinesFileSettings.of("file", file)
        .withRotation(1_000_000, Duration.ofHours(1), 5);
    try (JsonLinesFileSink sink = new JsonLinesFileSink(settings, clock)) {
      sink.deliver(entries(1, 1));
      clock.advance(Duration.ofMinutes(59));
      sink.deliver(entries(2, 2));
      assertThat(rotated()).isEmpty();
      clock.advance(Duration.ofMinutes(1));
      sink.deliver(entries(3, 3));
      assertThat(rotated()).extracting(p -> p.getFileName().toString())
          .containsExactly("audit.20260102T040405Z.jsonl");
    }
    try (JsonLinesFileSink sink = new JsonLinesFileSink(
        JsonLinesFileSettings.of("file", file).withRotation(1, Duration.ofHours(1), 5), clock)) {
      sink.deliver(entries(4, 4));
      sink.deliver(entries(5, 5));
    }
    assertThat(new RotatedFiles(file).list()).extracting(p -> p.getFileName().toString())
        .containsExactly("audit.20260102T040405Z.jsonl", "audit.20260102T040405Z-1.jsonl",
            "audit.20260102T040405Z-2.jsonl");
    assertThat(allLines()).containsExactlyElementsOf(entries(1, 5).stream().map(LogEntry::json).toList());
  }
}
