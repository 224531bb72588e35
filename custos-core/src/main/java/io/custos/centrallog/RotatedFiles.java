package io.custos.centrallog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Names and retention of rotated files: {@code audit.jsonl} becomes
 * {@code audit.20260102T030405Z.jsonl} (UTC), with {@code -1}, {@code -2}… appended to the
 * timestamp if two rotations fall in the same second.
 */
final class RotatedFiles {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final Path directory;
  private final String base;
  private final Pattern rotated;

  RotatedFiles(Path liveFile) {
    Path absolute = liveFile.toAbsolutePath();
    this.directory = absolute.getParent();
    String fileName = absolute.getFileName().toString();
    this.base = fileName.endsWith(".jsonl") ? fileName.substring(0, fileName.length() - 6) : fileName;
    this.rotated = Pattern.compile(Pattern.quote(base) + "\\.(\\d{8}T\\d{6}Z)(?:-(\\d+))?\\.jsonl");
  }

  /** A name for a file rotated at {@code time} that does not exist yet. */
  Path nameFor(Instant time) {
    String stamp = STAMP.format(time);
    Path candidate = directory.resolve(base + "." + stamp + ".jsonl");
    for (int n = 1; Files.exists(candidate); n++) {
      candidate = directory.resolve(base + "." + stamp + "-" + n + ".jsonl");
    }
    return candidate;
  }

  /** The rotated files, oldest first. */
  List<Path> list() throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory)) {
      files.filter(p -> rotated.matcher(p.getFileName().toString()).matches()).forEach(found::add);
    }
    found.sort(Comparator.comparing((Path p) -> group(p, 1)).thenComparingLong(p -> {
      String n = group(p, 2);
      return n == null ? 0 : Long.parseLong(n);
    }));
    return found;
  }

  /** Deletes the oldest rotated files so that at most {@code keep} remain. */
  void prune(int keep) throws IOException {
    List<Path> all = list();
    for (int i = 0; i < all.size() - keep; i++) {
      Files.deleteIfExists(all.get(i));
    }
  }

  private String group(Path p, int group) {
    Matcher m = rotated.matcher(p.getFileName().toString());
    return m.matches() ? m.group(group) : null;
  }
}
