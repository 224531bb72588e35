package io.custos.centrallog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interoperability with a real rsyslogd (Debian's rsyslog + rsyslog-gnutls), started by the
 * test on 127.0.0.1: RFC 5424 over plain TCP and over TLS (RFC 5425), through the exporter,
 * including a receiver restart in the middle of the stream.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RsyslogIT {
  private static final Pattern SEQ = Pattern.compile("seq=\"(\\d+)\"");
  private static final String BOM = "\uFEFF";

  @TempDir
  Path dir;

  private final MemoryLog log = new MemoryLog();
  private final MemoryCursors cursors = new MemoryCursors();
  private Rsyslogd rsyslogd;
  private CentralLogExporter exporter;

  /** One line written by rsyslog: what it parsed out of our message. */
  record Line(int pri, String appName, String msgId, String structuredData, String msg) {
    long seq() {
      Matcher m = SEQ.matcher(structuredData);
      if (!m.find()) {
        throw new AssertionError("no seq in " + structuredData);
      }
      return Long.parseLong(m.group(1));
    }
  }

  @BeforeEach
  void startRsyslogd() throws Exception {
    assertThat(Files.isExecutable(Rsyslogd.BINARY))
        .as("rsyslogd at %s (install rsyslog and rsyslog-gnutls)", Rsyslogd.BINARY).isTrue();
    TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
    rsyslogd = new Rsyslogd(dir, pki);
    rsyslogd.validate();
    rsyslogd.start();

    SyslogFormat format = SyslogFormat.forHost("ca1.test");
    SyslogTcpSettings tcp = SyslogTcpSettings.of("rsyslog-tcp", "127.0.0.1", rsyslogd.tcpPort,
        new SyslogTransport.PlainTcp());
    SyslogTcpSettings tls = SyslogTcpSettings.of("rsyslog-tls", "127.0.0.1", rsyslogd.tlsPort,
        SyslogTransport.Tls.trusting(pki.pem("ca")));
    List<SyslogTcpSink> sinks = new ArrayList<>();
    for (SyslogTcpSettings s : List.of(tcp, tls)) {
      sinks.add(new SyslogTcpSink(s.withFormat(format)
          .withConnectTimeout(Duration.ofSeconds(2))
          .withSettleInterval(Duration.ofSeconds(1))
          .withReconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(400)), InstantSource.system()));
    }
    exporter = new CentralLogExporter(log, cursors, sinks, ExportSettings.defaults()
        .withBatchSize(50)
        .withPolls(Duration.ofSeconds(1), Duration.ofMillis(100))
        .withBackoff(Duration.ofMillis(50), Duration.ofMillis(400)), BacklogListener.NONE,
        InstantSource.system());
  }

  @AfterEach
  void stopEverything() {
    if (exporter != null) {
      exporter.close();
    }
    if (rsyslogd != null) {
      rsyslogd.close();
    }
  }

  /** Revocations, denied requests and ordinary operations, as the audit layer would map them. */
  private static LogEntry event(long seq) {
    String action = seq % 7 == 0 ? "cert.revoked" : seq % 5 == 0 ? "kms.decrypt" : "kms.encrypt";
    Severity severity = seq % 7 == 0 ? Severity.NOTICE
        : seq % 5 == 0 ? Severity.WARNING : Severity.INFORMATIONAL;
    String outcome = severity == Severity.WARNING ? "denied" : "ok";
    return new LogEntry(seq, Instant.now(), action, severity, "{\"action\":\"" + action
        + "\",\"outcome\":\"" + outcome + "\",\"principal\":\"Zoë\",\"seq\":" + seq + "}");
  }

  @Test
  @DisplayName("SS-002 11.7.1 / 11.6.5 — events reach a real rsyslogd over TCP and over TLS, in order, none lost")
  void deliversToRsyslog() throws Exception {
    int n = 300;
    exporter.start();
    for (long seq = 1; seq <= n; seq++) {
      log.add(event(seq));
      if (seq % 20 == 0) {
        exporter.wake();
      }
    }
    exporter.wake();

    for (Path out : List.of(rsyslogd.tcpOut, rsyslogd.tlsOut)) {
      List<Line> lines = awaitAll(out, n);
      assertThat(lines).extracting(Line::seq)
          .as("%s: every seq once, in order", out.getFileName())
          .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, n).boxed().toList());
      for (Line line : lines) {
        LogEntry sent = event(line.seq());
        assertThat(line.pri()).isEqualTo(Facility.AUTHPRIV.code() * 8 + sent.severity().code());
        assertThat(line.appName()).isEqualTo("custos");
        assertThat(line.msgId()).isEqualTo(sent.action());
        assertThat(line.msg()).as("MSG is the BOM and the JSON, byte for byte").isEqualTo(BOM + sent.json());
      }
    }
    assertThat(cursors.awaitCursor("rsyslog-tcp", n, 15_000)).isTrue();
    assertThat(cursors.awaitCursor("rsyslog-tls", n, 15_000)).isTrue();
  }

  @Test
  @DisplayName("SS-002 11.7.1 — rsyslogd stopped mid-stream and restarted: every event still arrives, none missing")
  void survivesReceiverRestart() throws Exception {
    int total = 600;
    AtomicLong appended = new AtomicLong();
    exporter.start();
    Thread appender = Thread.ofVirtual().name("appender").start(() -> {
      for (long seq = 1; seq <= total; seq++) {
        log.add(event(seq));
        appended.set(seq);
        exporter.wake();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // a steady trickle of events
      }
    });

    awaitTrue("some events delivered", () -> cursors.cursor("rsyslog-tcp") >= 50
        && cursors.cursor("rsyslog-tls") >= 50);
    long stoppedAt = appended.get();
    rsyslogd.stop(); // SIGTERM while the exporter keeps appending and sending
    Map<String, Integer> failuresWhileDown = new ConcurrentHashMap<>();
    long downUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    while (System.nanoTime() < downUntil) {
      exporter.status().forEach(s -> failuresWhileDown.merge(s.sink(), s.consecutiveFailures(), Math::max));
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    long restartedAt = appended.get();
    rsyslogd.start();
    appender.join(Duration.ofSeconds(30));
    assertThat(appended.get()).isEqualTo(total);

    assertThat(cursors.awaitCursor("rsyslog-tcp", total, 30_000)).as("tcp cursor").isTrue();
    assertThat(cursors.awaitCursor("rsyslog-tls", total, 30_000)).as("tls cursor").isTrue();
    StringBuilder report = new StringBuilder("rsyslogd stopped after seq " + stoppedAt
        + ", restarted after seq " + restartedAt + "\n");
    for (Path out : List.of(rsyslogd.tcpOut, rsyslogd.tlsOut)) {
      List<Line> lines = awaitAll(out, total);
      List<Long> seqs = lines.stream().map(Line::seq).toList();
      Map<Long, Integer> counts = new TreeMap<>();
      seqs.forEach(s -> counts.merge(s, 1, Integer::sum));
      long duplicates = seqs.size() - counts.size();
      report.append(out.getFileName()).append(": ").append(seqs.size()).append(" lines, ")
          .append(counts.size()).append(" distinct seqs, ").append(duplicates).append(" duplicates\n");
      for (int i = 1; i < seqs.size(); i++) {
        long a = seqs.get(i - 1);
        long b = seqs.get(i);
        assertThat(b == a + 1 || b <= a)
            .as("%s: seq %d follows %d; only the next seq or a resend from earlier may follow", out, b, a)
            .isTrue();
      }
      assertThat(counts.keySet()).as("%s: every seq 1..%d", out, total)
          .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, total).boxed().toList());
      for (Line line : lines) {
        assertThat(line.msg()).isEqualTo(BOM + event(line.seq()).json());
      }
    }
    System.out.println(report);
    assertThat(failuresWhileDown).as("the outage was noticed by both sinks; " + report)
        .hasEntrySatisfying("rsyslog-tcp", f -> assertThat(f).isPositive())
        .hasEntrySatisfying("rsyslog-tls", f -> assertThat(f).isPositive());
  }

  /** Waits (bounded) until the file holds every seq 1..n, then returns its lines. */
  private List<Line> awaitAll(Path file, int n) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      List<Line> lines = read(file);
      long distinct = lines.stream().mapToLong(Line::seq).distinct().count();
      if (distinct >= n || System.nanoTime() > deadline) {
        return lines;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  private List<Line> read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    List<Line> lines = new ArrayList<>();
    for (String raw : text.split("\n")) {
      if (raw.isEmpty()) {
        continue;
      }
      String[] f = raw.split("\t", -1);
      if (f.length != 8) {
        throw new AssertionError("unexpected line from rsyslog: " + Arrays.toString(f));
      }
      lines.add(new Line(Integer.parseInt(f[0]), f[3], f[5], f[6], f[7]));
    }
    return lines;
  }

  private void awaitTrue(String what, java.util.function.BooleanSupplier condition) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what + "; rsyslogd said:\n" + rsyslogd.log());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }
}
