package io.custos.centrallog;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A sink for exporter tests: records what it accepted, fails on demand and confirms either at
 * once or only when the test says so. Follows the {@link CentralLogSink} contract.
 */
final class ScriptedSink implements CentralLogSink {
  private final String name;
  private final boolean confirmAtOnce;
  private final List<List<Long>> batches = new ArrayList<>();
  private final LinkedBlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();
  private volatile int failuresToCome;
  private volatile boolean down;
  private volatile long confirmed;
  private volatile long accepted;
  private volatile boolean closed;
  private int deliverCalls;

  ScriptedSink(String name, boolean confirmAtOnce) {
    this.name = name;
    this.confirmAtOnce = confirmAtOnce;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized void deliver(List<LogEntry> batch) throws IOException {
    deliverCalls++;
    if (down || failuresToCome > 0) {
      if (failuresToCome > 0) {
        failuresToCome--;
      }
      throw new IOException("receiver unreachable");
    }
    List<Long> seqs = new ArrayList<>();
    for (LogEntry e : batch) {
      if (e.seq() > accepted) {
        seqs.add(e.seq());
        accepted = e.seq();
        arrivals.add(e.seq());
      }
    }
    batches.add(seqs);
    if (confirmAtOnce) {
      confirmed = accepted;
    }
  }

  @Override
  public long confirmedThrough() throws IOException {
    if (down) {
      throw new IOException("receiver unreachable");
    }
    return confirmed;
  }

  @Override
  public void close() {
    closed = true;
  }

  void failNext(int n) {
    failuresToCome = n;
  }

  void down(boolean isDown) {
    down = isDown;
  }

  /** Confirms everything accepted up to {@code seq}. */
  void confirm(long seq) {
    confirmed = Math.min(seq, accepted);
  }

  synchronized List<Long> received() {
    return batches.stream().flatMap(List::stream).toList();
  }

  synchronized List<List<Long>> batches() {
    return List.copyOf(batches);
  }

  synchronized int deliverCalls() {
    return deliverCalls;
  }

  long accepted() {
    return accepted;
  }

  boolean closed() {
    return closed;
  }

  /** Waits (bounded) until the entry with {@code seq} has been accepted. */
  boolean awaitSeq(long seq, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (accepted < seq) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || arrivals.poll(left, TimeUnit.NANOSECONDS) == null) {
        return accepted >= seq;
      }
    }
    return true;
  }
}
