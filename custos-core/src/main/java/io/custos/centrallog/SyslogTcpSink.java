package io.custos.centrallog;

import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Sends entries to a syslog receiver as RFC 5424 messages with octet-counting framing, over
 * plain TCP (RFC 6587) or TLS (RFC 5425).
 *
 * <h2>What "delivered" means without acknowledgements</h2>
 *
 * <p>Neither transport acknowledges messages: a successful write only means the bytes reached
 * this host's socket buffer, and a receiver that restarts loses what it had not yet read. So
 * the sink keeps every entry written on the current connection <em>unconfirmed</em> until the
 * connection has stayed healthy for the {@linkplain SyslogTcpSettings#settleInterval settle
 * interval} after the write. Health is watched continuously (see {@code SyslogConnection}): the
 * receiver closing the connection, a reset, or a failed write marks it dead. When that happens
 * the sink reconnects (with exponential backoff between attempts) and first resends every
 * unconfirmed entry, in order, then continues. {@link #confirmedThrough()} reports only settled
 * entries, so the exporter's cursor never passes an entry that might have been lost.
 *
 * <p>Guarantees: entries arrive in seq order on each connection; none is lost across receiver
 * restarts or network failures; an entry may arrive more than once (after a reconnection, or
 * after a Custos restart for entries that had not settled), always with the same seq in its
 * structured data. The residual risk is a receiver that stays connected but does not read for
 * longer than the settle interval and then dies: choose the interval accordingly.
 *
 * <p>Connections are opened lazily, on the first delivery. Not thread-safe: one exporter worker
 * drives the sink; {@link #close()} may be called from any thread.
 */
public final class SyslogTcpSink implements CentralLogSink {
  private static final System.Logger LOG = System.getLogger(SyslogTcpSink.class.getName());

  private record Pending(long seq, byte[] frame, Instant writtenAt) {}

  private final SyslogTcpSettings settings;
  private final InstantSource clock;
  private final Backoff reconnect;
  private final ArrayDeque<Pending> unconfirmed = new ArrayDeque<>();
  private volatile SyslogConnection connection;
  private volatile boolean closed;
  private Instant nextAttempt = Instant.MIN;
  private long accepted;
  private long confirmed;

  public SyslogTcpSink(SyslogTcpSettings settings, InstantSource clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.reconnect = new Backoff(settings.reconnectInitial(), settings.reconnectMax());
  }

  @Override
  public String name() {
    return settings.name();
  }

  @Override
  public void deliver(List<LogEntry> batch) throws IOException {
    List<Pending> fresh = new ArrayList<>(batch.size());
    long last = accepted;
    for (LogEntry entry : batch) {
      if (entry.seq() <= last) {
        continue; // accepted before: the exporter is retrying
      }
      fresh.add(new Pending(entry.seq(), settings.format().frame(entry), null));
      last = entry.seq();
    }
    if (fresh.isEmpty()) {
      return;
    }
    SyslogConnection c = connected();
    try {
      c.write(fresh.stream().map(Pending::frame).toList());
    } catch (IOException e) {
      dropConnection("write failed: " + e.getMessage());
      throw e;
    }
    Instant now = clock.instant();
    fresh.forEach(p -> unconfirmed.addLast(new Pending(p.seq(), p.frame(), now)));
    accepted = last;
  }

  @Override
  public long confirmedThrough() throws IOException {
    if (closed) {
      return confirmed;
    }
    SyslogConnection c = connection;
    if (c != null && !c.alive()) {
      dropConnection("closed by the receiver or reset");
      c = null;
    }
    if (c == null) {
      if (!unconfirmed.isEmpty()) {
        connected(); // resends the unconfirmed entries, which must then settle again
      }
      return confirmed;
    }
    Instant settledBefore = clock.instant().minus(settings.settleInterval());
    while (!unconfirmed.isEmpty() && !unconfirmed.peekFirst().writtenAt().isAfter(settledBefore)) {
      confirmed = unconfirmed.removeFirst().seq();
    }
    return confirmed;
  }

  @Override
  public void close() {
    closed = true;
    SyslogConnection c = connection;
    if (c != null) {
      c.close();
    }
  }

  /** The live connection, reconnecting and resending the unconfirmed entries if needed. */
  private SyslogConnection connected() throws IOException {
    if (closed) {
      throw new IOException("sink " + name() + " is closed");
    }
    SyslogConnection c = connection;
    if (c != null && c.alive()) {
      return c;
    }
    if (c != null) {
      dropConnection("closed by the receiver or reset");
    }
    Instant now = clock.instant();
    if (now.isBefore(nextAttempt)) {
      throw new IOException("sink " + name() + ": next connection attempt at " + nextAttempt);
    }
    String target = settings.host() + ":" + settings.port();
    try {
      c = SyslogConnection.open(settings.host(), settings.port(), settings.transport(),
          settings.connectTimeout(), "centrallog-" + name() + "-watch");
    } catch (IOException e) {
      nextAttempt = now.plus(reconnect.next());
      throw new IOException("sink " + name() + ": cannot connect to " + target + ": " + e.getMessage(), e);
    }
    try {
      resendUnconfirmed(c);
    } catch (IOException e) {
      c.close();
      nextAttempt = now.plus(reconnect.next());
      throw e;
    }
    reconnect.reset();
    connection = c;
    if (closed) {
      c.close(); // close() ran while we were connecting
      throw new IOException("sink " + name() + " is closed");
    }
    LOG.log(System.Logger.Level.INFO, "central log sink {0} connected to {1}, resent {2} unconfirmed",
        name(), target, String.valueOf(unconfirmed.size()));
    return c;
  }

  private void resendUnconfirmed(SyslogConnection c) throws IOException {
    if (unconfirmed.isEmpty()) {
      return;
    }
    c.write(unconfirmed.stream().map(Pending::frame).toList());
    Instant now = clock.instant(); // they must settle again on the new connection
    List<Pending> restamped = unconfirmed.stream().map(p -> new Pending(p.seq(), p.frame(), now)).toList();
    unconfirmed.clear();
    unconfirmed.addAll(restamped);
  }

  private void dropConnection(String why) {
    SyslogConnection c = connection;
    connection = null;
    if (c != null) {
      c.close();
      // Receivers may close idle connections; only a loss with entries in flight is a warning.
      LOG.log(unconfirmed.isEmpty() ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
          "central log sink {0}: connection lost ({1}); {2} entries unconfirmed, to be resent",
          name(), why, String.valueOf(unconfirmed.size()));
    }
  }
}
