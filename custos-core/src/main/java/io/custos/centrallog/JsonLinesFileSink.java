package io.custos.centrallog;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Appends each entry's canonical JSON and a newline to a file, for a log shipper to collect.
 *
 * <p>Guarantees: lines appear in seq order; a batch is confirmed only after it has been forced
 * to disk (fsync); a batch that fails to write is cut off again (best effort), so the file does
 * not keep a torn line. On POSIX systems the file is created with mode 0600, and an existing
 * file with wider permissions is narrowed to 0600. Before a batch would take the live file past
 * {@link JsonLinesFileSettings#maxBytes()}, or once the file is older than
 * {@link JsonLinesFileSettings#maxAge()}, it is renamed to {@code <name>.<UTC timestamp>.jsonl}
 * in the same directory and a new file is started; only the newest
 * {@link JsonLinesFileSettings#keep()} rotated files are kept. A single batch is never split, so
 * a file exceeds the size limit only if one batch alone does.
 *
 * <p>After a Custos restart, entries written but whose cursor update did not complete appear
 * again (same seq). Not thread-safe: one exporter worker drives the sink.
 */
public final class JsonLinesFileSink implements CentralLogSink {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final JsonLinesFileSettings settings;
  private final InstantSource clock;
  private final RotatedFiles rotated;
  private final boolean posix;
  private FileChannel channel;
  private Instant startedAt;
  private long accepted;

  public JsonLinesFileSink(JsonLinesFileSettings settings, InstantSource clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.rotated = new RotatedFiles(settings.file());
    this.posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  @Override
  public String name() {
    return settings.name();
  }

  @Override
  public void deliver(List<LogEntry> batch) throws IOException {
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    long last = accepted;
    for (LogEntry entry : batch) {
      if (entry.seq() > last) {
        lines.writeBytes((entry.json() + "\n").getBytes(StandardCharsets.UTF_8));
        last = entry.seq();
      }
    }
    if (last == accepted) {
      return;
    }
    FileChannel ch = open();
    long before = ch.size();
    if (before > 0 && (before + lines.size() > settings.maxBytes() || tooOld())) {
      rotate();
      ch = open();
      before = 0;
    }
    try {
      ByteBuffer buffer = ByteBuffer.wrap(lines.toByteArray());
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.force(true);
    } catch (IOException e) {
      cutBack(before);
      throw e;
    }
    accepted = last;
  }

  /** Everything written has been forced to disk, so it is all confirmed. */
  @Override
  public long confirmedThrough() {
    return accepted;
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  private FileChannel open() throws IOException {
    if (channel != null && channel.isOpen()) {
      return channel;
    }
    Path file = settings.file();
    boolean existed = Files.exists(file);
    FileAttribute<?>[] attributes = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
        : new FileAttribute<?>[0];
    channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND), attributes);
    if (posix && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
      Files.setPosixFilePermissions(file, OWNER_ONLY); // also covers a umask that removed bits
    }
    // Where the file system keeps no creation time the JDK reports the last modification,
    // which can only delay an age rotation after a restart, never lose lines.
    startedAt = existed
        ? Files.readAttributes(file, BasicFileAttributes.class).creationTime().toInstant()
        : clock.instant();
    return channel;
  }

  private boolean tooOld() {
    return Duration.between(startedAt, clock.instant()).compareTo(settings.maxAge()) >= 0;
  }

  private void rotate() throws IOException {
    close();
    Path file = settings.file();
    Files.move(file, rotated.nameFor(clock.instant()), StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(file.toAbsolutePath().getParent());
    rotated.prune(settings.keep());
  }

  /** Removes a partly written batch so no torn line stays behind. */
  private void cutBack(long size) {
    try {
      channel.truncate(size);
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      try {
        close(); // reopen on the next attempt; the shipper may see a partial line
      } catch (IOException ignored) {
        // already failing
      }
    }
  }

  private static void syncDirectory(Path directory) {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true); // makes the rename durable on Linux
    } catch (IOException e) {
      // Not supported on every platform; the rename itself has happened.
    }
  }
}
