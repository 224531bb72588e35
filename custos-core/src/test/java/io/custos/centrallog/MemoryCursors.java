package io.custos.centrallog;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** In-memory cursors that remember every move, to check the cursor never passes a confirmation. */
final class MemoryCursors implements CursorStore {
  private final Map<String, Long> cursors = new ConcurrentHashMap<>();
  private final List<String> moves = new CopyOnWriteArrayList<>();

  @Override
  public long cursor(String sinkName) {
    return cursors.getOrDefault(sinkName, 0L);
  }

  @Override
  public synchronized void advance(String sinkName, long seq) {
    moves.add(sinkName + "->" + seq);
    cursors.merge(sinkName, seq, Math::max);
    notifyAll();
  }

  /** Waits (bounded) until the sink's cursor reaches {@code seq}; returns whether it did. */
  synchronized boolean awaitCursor(String sinkName, long seq, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (cursor(sinkName) < seq) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  List<String> moves() {
    return List.copyOf(moves);
  }
}
