package io.custos.audit;

import io.custos.failure.ConflictException;
import io.custos.failure.StorageException;
import io.custos.store.AuditRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** AuditRecords in memory, with a switch that makes every write fail (a full or lost disk). */
public final class MemoryAuditRecords implements AuditRecords {
  final List<EventRow> events = new ArrayList<>();
  final TreeMap<Long, CheckpointRow> checkpoints = new TreeMap<>();
  final Map<String, Long> cursors = new ConcurrentHashMap<>();
  volatile boolean unwritable;
  volatile int appendCalls;

  @Override
  public synchronized void append(List<EventRow> rows, List<io.custos.store.JoinedWrite> joined) {
    appendCalls++;
    if (unwritable) {
      throw new StorageException("disk I/O error");
    }
    if (!rows.isEmpty() && rows.getFirst().seq() != events.size() + 1) {
      throw new ConflictException("gap");
    }
    io.custos.store.MemoryJoinedWrite.runAll(joined);
    events.addAll(rows);
  }

  @Override
  public synchronized long lastSeq() {
    return events.size();
  }

  @Override
  public synchronized List<EventRow> read(long fromSeq, int max) {
    List<EventRow> out = new ArrayList<>();
    for (long s = Math.max(1, fromSeq); s <= events.size() && out.size() < max; s++) {
      out.add(events.get((int) s - 1));
    }
    return out;
  }

  @Override
  public synchronized List<byte[]> leafHashes(long fromSeq, long toSeq) {
    List<byte[]> out = new ArrayList<>();
    for (long s = fromSeq; s <= Math.min(toSeq, events.size()); s++) {
      out.add(events.get((int) s - 1).leafHash());
    }
    return out;
  }

  @Override
  public synchronized void addCheckpoint(CheckpointRow checkpoint) {
    if (unwritable) {
      throw new StorageException("disk I/O error");
    }
    if (checkpoints.putIfAbsent(checkpoint.treeSize(), checkpoint) != null) {
      throw new ConflictException("exists");
    }
  }

  @Override
  public synchronized List<CheckpointRow> checkpoints(long fromSize, long toSize) {
    return new ArrayList<>(checkpoints.subMap(fromSize, true, toSize, true).values());
  }

  @Override
  public synchronized Optional<CheckpointRow> latestCheckpoint() {
    return checkpoints.isEmpty() ? Optional.empty() : Optional.of(checkpoints.lastEntry().getValue());
  }

  @Override
  public long cursor(String sink) {
    return cursors.getOrDefault(sink, 0L);
  }

  @Override
  public void advanceCursor(String sink, long deliveredThrough) {
    cursors.merge(sink, deliveredThrough, Math::max);
  }
}
