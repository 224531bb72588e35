package io.custos.centrallog;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real rsyslogd for interoperability tests, configured from scratch in a temporary directory:
 * no system inputs (no imuxsock, no imklog), one plain TCP and one TLS (gtls) input on
 * 127.0.0.1 only, each writing what it receives, field by field, to its own file.
 */
final class Rsyslogd implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/rsyslogd");

  /** Tab-separated: PRI, APP-NAME, MSGID, STRUCTURED-DATA, MSG (BOM kept), then a newline. */
  private static final String TEMPLATE =
      "%pri%\\t%timereported:::date-rfc3339%\\t%hostname%\\t%app-name%\\t%procid%\\t%msgid%"
          + "\\t%structured-data%\\t%msg%\\n";

  final Path dir;
  final int tcpPort;
  final int tlsPort;
  final Path conf;
  final Path tcpOut;
  final Path tlsOut;
  private final Path output;
  private final Path pidFile;
  private Process process;
  private final Thread killer = new Thread(this::kill, "rsyslogd-killer");

  Rsyslogd(Path dir, TestPki pki) throws IOException {
    this.dir = dir;
    this.tcpPort = freePort();
    this.tlsPort = freePort();
    this.conf = dir.resolve("rsyslog.conf");
    this.tcpOut = dir.resolve("tcp.log");
    this.tlsOut = dir.resolve("tls.log");
    this.output = dir.resolve("rsyslogd.out");
    this.pidFile = dir.resolve("rsyslogd.pid");
    Path work = Files.createDirectories(dir.resolve("work"));
    Files.writeString(conf, String.join("\n",
        "global(workDirectory=\"" + work + "\" maxMessageSize=\"64k\")",
        "module(load=\"imtcp\" maxSessions=\"20\")",
        "template(name=\"fields\" type=\"string\" string=\"" + TEMPLATE + "\")",
        "ruleset(name=\"tcp\") { action(type=\"omfile\" file=\"" + tcpOut + "\" template=\"fields\") }",
        "ruleset(name=\"tls\") { action(type=\"omfile\" file=\"" + tlsOut + "\" template=\"fields\") }",
        "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + tcpPort + "\" ruleset=\"tcp\")",
        "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + tlsPort + "\" ruleset=\"tls\""
            + " streamDriver.name=\"gtls\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\""
            + " streamDriver.CAFile=\"" + pki.pem("ca") + "\""
            + " streamDriver.CertFile=\"" + pki.pem("server") + "\""
            + " streamDriver.KeyFile=\"" + pki.key("server") + "\")",
        ""));
    Runtime.getRuntime().addShutdownHook(killer); // even if the test JVM is stopped
  }

  /** Runs {@code rsyslogd -N1} on the configuration and fails with its complaints. */
  void validate() throws IOException, InterruptedException {
    Process check = new ProcessBuilder(BINARY.toString(), "-N1", "-f", conf.toString())
        .redirectErrorStream(true).start();
    String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!check.waitFor(30, TimeUnit.SECONDS) || check.exitValue() != 0) {
      check.destroyForcibly();
      throw new AssertionError("rsyslogd -N1 refused the configuration:\n" + out
          + "\n--- " + conf + " ---\n" + Files.readString(conf));
    }
  }

  /** Starts rsyslogd in the foreground and waits until both ports accept connections. */
  void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("already running");
    }
    process = new ProcessBuilder(BINARY.toString(), "-n", "-f", conf.toString(), "-i", pidFile.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
        .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    for (int port : List.of(tcpPort, tlsPort)) {
      while (!accepts(port)) {
        if (!process.isAlive()) {
          throw new AssertionError("rsyslogd exited with " + process.exitValue() + ":\n" + log());
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("rsyslogd does not listen on " + port + ":\n" + log());
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
    }
  }

  /** SIGTERM, as a service manager would stop it; waits for it to exit. */
  void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      throw new AssertionError("rsyslogd ignored SIGTERM for 15 s");
    }
  }

  String log() throws IOException {
    return Files.exists(output) ? Files.readString(output) : "";
  }

  @Override
  public void close() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }

  private void kill() {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroy();
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
