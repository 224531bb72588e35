package io.custos.centrallog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 5424 over TCP against a JDK server socket on 127.0.0.1; settling runs on a fake clock. */
@Timeout(30)
class SyslogTcpSinkTest {
  private static final Duration SETTLE = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final SyslogFormat FORMAT =
      new SyslogFormat(Facility.AUTHPRIV, "ca1.example.net", "1", SyslogFormat.DEFAULT_SD_ID);

  private final ManualClock clock = new ManualClock();
  private SyslogReceiver receiver;
  private SyslogTcpSink sink;

  @AfterEach
  void tearDown() throws IOException {
    if (sink != null) {
      sink.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  private SyslogTcpSink sinkTo(int port) {
    return new SyslogTcpSink(SyslogTcpSettings.of("tcp", "127.0.0.1", port, new SyslogTransport.PlainTcp())
        .withFormat(FORMAT)
        .withConnectTimeout(Duration.ofSeconds(2))
        .withSettleInterval(SETTLE)
        .withReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4)), clock);
  }

  private static List<LogEntry> entries(long from, long to) {
    return LongStream.rangeClosed(from, to).mapToObj(s -> MemoryLog.entry(s, "kms.encrypt")).toList();
  }

  private static List<Long> seqs(List<SyslogReceiver.Received> received) {
    return received.stream().map(SyslogReceiver.Received::seq).toList();
  }

  /** Short real waits are unavoidable here: the sink notices a dead connection asynchronously. */
  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private long confirmed() {
    try {
      return sink.confirmedThrough();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  @DisplayName("SS-002 11.7.1 — each entry arrives as its RFC 5424 message, octet-counted, in order")
  void framesArriveInOrder() throws Exception {
    receiver = SyslogReceiver.plain();
    sink = sinkTo(receiver.port());
    List<LogEntry> batch = entries(1, 5);

    sink.deliver(batch);

    List<SyslogReceiver.Received> got = receiver.take(5, WAIT);
    assertThat(got).extracting(SyslogReceiver.Received::message).containsExactlyElementsOf(
        batch.stream().map(e -> new String(FORMAT.encode(e), StandardCharsets.UTF_8)).toList());
    assertThat(got).extracting(SyslogReceiver.Received::connection).containsOnly(1);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — entries stay unconfirmed until the connection has stayed healthy for the settle interval")
  void confirmsOnlyAfterSettling() throws Exception {
    receiver = SyslogReceiver.plain();
    sink = sinkTo(receiver.port());

    sink.deliver(entries(1, 3));
    assertThat(sink.confirmedThrough()).isZero();
    clock.advance(SETTLE.minusMillis(1));
    assertThat(sink.confirmedThrough()).isZero();
    sink.deliver(entries(4, 4));
    clock.advance(Duration.ofMillis(1));
    assertThat(sink.confirmedThrough()).isEqualTo(3);
    clock.advance(SETTLE);
    assertThat(sink.confirmedThrough()).isEqualTo(4);
    assertThat(seqs(receiver.take(4, WAIT))).containsExactly(1L, 2L, 3L, 4L);
  }

  @ParameterizedTest(name = "receiver closes with {0}")
  @ValueSource(strings = {"FIN", "RST"})
  @DisplayName("SS-002 11.7.1 — the receiver closing the connection mid-stream: every unconfirmed entry is resent, none lost")
  void resendsUnconfirmedAfterConnectionLoss(String how) throws Exception {
    receiver = SyslogReceiver.plain();
    sink = sinkTo(receiver.port());
    sink.deliver(entries(1, 3));
    clock.advance(SETTLE);
    assertThat(sink.confirmedThrough()).isEqualTo(3);
    sink.deliver(entries(4, 6));
    assertThat(seqs(receiver.take(6, WAIT))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);

    receiver.dropConnections(how.equals("RST"));
    await("the sink has reconnected", () -> {
      confirmed();
      return receiver.connectionCount() == 2;
    });

    List<SyslogReceiver.Received> resent = receiver.take(3, WAIT);
    assertThat(seqs(resent)).containsExactly(4L, 5L, 6L);
    assertThat(resent).extracting(SyslogReceiver.Received::connection).containsOnly(2);
    assertThat(sink.confirmedThrough()).as("resent entries settle again").isEqualTo(3);
    clock.advance(SETTLE);
    assertThat(sink.confirmedThrough()).isEqualTo(6);

    sink.deliver(entries(7, 7));
    assertThat(seqs(receiver.take(1, WAIT))).containsExactly(7L);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — a batch written just as the receiver vanished is not lost")
  void writeIntoDeadConnection() throws Exception {
    receiver = SyslogReceiver.plain();
    sink = sinkTo(receiver.port());
    sink.deliver(entries(1, 2));
    receiver.take(2, WAIT);
    receiver.dropConnections(true);

    // Either this write already fails (then the exporter retries it) or it lands in a dead
    // socket (then it is unconfirmed and resent once the loss is noticed).
    try {
      sink.deliver(entries(3, 4));
    } catch (IOException e) {
      sink.deliver(entries(3, 4));
    }
    await("the sink has reconnected", () -> {
      confirmed();
      return receiver.connectionCount() == 2;
    });
    clock.advance(SETTLE);
    await("everything is confirmed", () -> confirmed() == 4);

    List<Long> all = new java.util.ArrayList<>();
    await("1..4 have all arrived", () -> {
      all.addAll(seqs(receiver.drain()));
      return all.containsAll(List.of(1L, 2L, 3L, 4L));
    });
  }

  @Test
  @DisplayName("a receiver that is down: delivery fails and accepts nothing; reconnection waits for the backoff; then all arrives")
  void receiverDownThenBack() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    sink = sinkTo(port);

    assertThatThrownBy(() -> sink.deliver(entries(1, 2))).isInstanceOf(IOException.class)
        .hasMessageContaining("cannot connect");
    assertThat(sink.confirmedThrough()).isZero();

    receiver = SyslogReceiver.plainOn(port);
    assertThatThrownBy(() -> sink.deliver(entries(1, 2))).isInstanceOf(IOException.class)
        .hasMessageContaining("next connection attempt");
    assertThat(receiver.connectionCount()).isZero();

    clock.advance(Duration.ofSeconds(1));
    sink.deliver(entries(1, 2));
    assertThat(seqs(receiver.take(2, WAIT))).containsExactly(1L, 2L);
  }

  @Test
  @DisplayName("entries offered again after a failed attempt are not sent twice on a healthy connection")
  void ignoresAlreadyAcceptedEntries() throws Exception {
    receiver = SyslogReceiver.plain();
    sink = sinkTo(receiver.port());
    sink.deliver(entries(1, 3));
    sink.deliver(entries(2, 5));
    assertThat(seqs(receiver.take(5, WAIT))).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(receiver.drain()).isEmpty();
  }

  @Test
  @DisplayName("a closed sink delivers nothing")
  void closedSinkRefuses() throws Exception {
    receiver = SyslogReceiver.plain();
    sink = sinkTo(receiver.port());
    sink.close();
    assertThatThrownBy(() -> sink.deliver(entries(1, 1))).isInstanceOf(IOException.class);
  }
}
