package io.custos.store;

import java.util.List;

/**
 * A joined write of the in-memory stores, with its undo: {@link #runAll} runs a batch's writes
 * before its events and undoes those that ran if one fails, as a rolled-back transaction would.
 */
public record MemoryJoinedWrite(String what, Runnable write, Runnable undo) implements JoinedWrite {

  public static void runAll(List<JoinedWrite> joined) {
    java.util.ArrayDeque<MemoryJoinedWrite> done = new java.util.ArrayDeque<>();
    try {
      for (JoinedWrite w : joined) {
        MemoryJoinedWrite m = (MemoryJoinedWrite) w;
        m.write().run();
        done.push(m);
      }
    } catch (RuntimeException e) {
      done.forEach(m -> m.undo().run());
      throw e;
    }
  }
}
