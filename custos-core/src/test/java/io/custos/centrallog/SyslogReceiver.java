package io.custos.centrallog;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal syslog receiver for tests: accepts connections on 127.0.0.1 (plain or TLS, from
 * the server socket it is given), parses octet-counted frames and records each message with
 * the number of the connection it came on.
 */
final class SyslogReceiver implements AutoCloseable {
  private static final Pattern SEQ = Pattern.compile(" seq=\"(\\d+)\"");

  record Received(int connection, String message) {
    long seq() {
      Matcher m = SEQ.matcher(message);
      if (!m.find()) {
        throw new AssertionError("no seq in " + message);
      }
      return Long.parseLong(m.group(1));
    }
  }

  private final ServerSocket server;
  private final List<Socket> connections = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<Received> messages = new LinkedBlockingQueue<>();

  SyslogReceiver(ServerSocket server) {
    this.server = server;
    Thread.ofVirtual().name("test-receiver-accept").start(this::acceptLoop);
  }

  static SyslogReceiver plain() throws IOException {
    return plainOn(0);
  }

  static SyslogReceiver plainOn(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return new SyslogReceiver(s);
  }

  int port() {
    return server.getLocalPort();
  }

  int connectionCount() {
    return connections.size();
  }

  /** Waits (bounded) for the next {@code n} messages. */
  List<Received> take(int n, Duration timeout) throws InterruptedException {
    List<Received> out = new ArrayList<>(n);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (out.size() < n) {
      Received r = messages.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (r == null) {
        throw new AssertionError("received only " + out.size() + " of " + n + " messages: " + out);
      }
      out.add(r);
    }
    return out;
  }

  /** Messages that arrived and were not taken yet, without waiting. */
  List<Received> drain() {
    List<Received> out = new ArrayList<>();
    messages.drainTo(out);
    return out;
  }

  /** Closes every open connection: with a FIN, or with a RST if {@code reset}. */
  void dropConnections(boolean reset) throws IOException {
    for (Socket s : connections) {
      if (!s.isClosed()) {
        if (reset) {
          s.setSoLinger(true, 0);
        }
        s.close();
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    dropConnections(false);
  }

  private void acceptLoop() {
    try {
      while (true) {
        Socket s = server.accept();
        connections.add(s);
        int number = connections.size();
        Thread.ofVirtual().name("test-receiver-" + number).start(() -> read(s, number));
      }
    } catch (IOException e) {
      // closed
    }
  }

  private void read(Socket s, int number) {
    try (InputStream in = new BufferedInputStream(s.getInputStream())) {
      while (true) {
        int length = 0;
        int c;
        while ((c = in.read()) != ' ') {
          if (c < 0) {
            return;
          }
          if (c < '0' || c > '9') {
            throw new IOException("bad octet count character " + c);
          }
          length = length * 10 + (c - '0');
        }
        byte[] message = in.readNBytes(length);
        if (message.length < length) {
          throw new EOFException("frame cut short");
        }
        messages.add(new Received(number, new String(message, StandardCharsets.UTF_8)));
      }
    } catch (IOException e) {
      // connection finished
    }
  }
}
