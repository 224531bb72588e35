package io.custos.store;

import io.custos.failure.ConflictException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** Records in memory with the store's compare-and-set rules. */
public final class MemoryRecordStore implements RecordStore {
  public final Map<String, StoredRecord> map = new ConcurrentHashMap<>();

  @Override
  public Optional<StoredRecord> get(String type, String id) {
    return Optional.ofNullable(map.get(type + "/" + id));
  }

  @Override
  public synchronized StoredRecord put(String type, String id, byte[] payload, long expectedVersion) {
    StoredRecord now = map.get(type + "/" + id);
    long v = now == null ? 0 : now.version();
    if (v != expectedVersion) {
      throw new ConflictException("stale");
    }
    StoredRecord r = new StoredRecord(type, id, v + 1, payload, Instant.now());
    map.put(type + "/" + id, r);
    return r;
  }

  @Override
  public void delete(String type, String id, long expectedVersion) {
    map.remove(type + "/" + id);
  }

  @Override
  public List<String> list(String type, String prefix, int limit) {
    return new TreeMap<>(map).keySet().stream().filter(k -> k.startsWith(type + "/" + prefix))
        .map(k -> k.substring(type.length() + 1)).limit(limit).toList();
  }
}
