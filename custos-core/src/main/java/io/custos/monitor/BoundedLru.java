package io.custos.monitor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A map holding at most {@code capacity} entries; adding one more forgets the least recently
 * used. Every operation is O(1). Not thread-safe: the detector serialises access.
 */
final class BoundedLru<K, V> {
  private final int capacity;
  private final LinkedHashMap<K, V> map;

  BoundedLru(int capacity) {
    this.capacity = capacity;
    // Access order: get() and computeIfAbsent() move the entry to the young end.
    this.map = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > BoundedLru.this.capacity;
      }
    };
  }

  /** The entry for {@code key}, created if absent; either way it becomes the most recent. */
  V get(K key, Function<? super K, ? extends V> create) {
    return map.computeIfAbsent(key, create);
  }

  /** Whether {@code key} is held; if so it becomes the most recent. */
  boolean touch(K key) {
    return map.get(key) != null;
  }

  void put(K key, V value) {
    map.put(key, value);
  }

  int size() {
    return map.size();
  }
}
