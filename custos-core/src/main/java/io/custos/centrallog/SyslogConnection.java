package io.custos.centrallog;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One TCP or TLS connection to a syslog receiver, with a watcher that notices when it dies.
 *
 * <p>Syslog over TCP is one-way: a receiver never sends application data. A virtual thread
 * therefore sits in a blocking read; end of stream (the receiver closed, FIN), a reset (RST) or
 * any other read error marks the connection dead within moments, without waiting for the next
 * write to fail. With TLS the same read also consumes post-handshake messages and close_notify.
 */
final class SyslogConnection implements Closeable {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final Socket socket;
  private final OutputStream out;
  private volatile boolean alive = true;

  private SyslogConnection(Socket socket, String watcherName) throws IOException {
    this.socket = socket;
    this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
    InputStream in = socket.getInputStream();
    Thread.ofVirtual().name(watcherName).start(() -> watch(in));
  }

  /** Connects (and with TLS, completes the handshake and verifies the receiver) or throws. */
  static SyslogConnection open(String host, int port, SyslogTransport transport,
      Duration connectTimeout, String watcherName) throws IOException {
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
    Socket raw = new Socket();
    try {
      raw.connect(new InetSocketAddress(host, port), timeoutMillis);
      raw.setTcpNoDelay(true);
      raw.setKeepAlive(true);
      Socket socket = switch (transport) {
        case SyslogTransport.PlainTcp _ -> raw;
        case SyslogTransport.Tls tls -> handshake(tls, raw, host, port, timeoutMillis);
      };
      return new SyslogConnection(socket, watcherName);
    } catch (IOException | RuntimeException e) {
      closeQuietly(raw);
      throw e;
    }
  }

  private static Socket handshake(SyslogTransport.Tls tls, Socket raw, String host, int port,
      int timeoutMillis) throws IOException {
    SSLSocket ssl = (SSLSocket) tls.context().getSocketFactory().createSocket(raw, host, port, true);
    SSLParameters params = ssl.getSSLParameters();
    params.setProtocols(PROTOCOLS);
    // Checks the receiver's certificate names `host` (DNS or IP subjectAltName).
    params.setEndpointIdentificationAlgorithm("HTTPS");
    ssl.setSSLParameters(params);
    ssl.setSoTimeout(timeoutMillis);
    ssl.startHandshake();
    ssl.setSoTimeout(0);
    return ssl;
  }

  /** Whether no end of stream, reset or write failure has been seen. */
  boolean alive() {
    return alive && !socket.isClosed();
  }

  /** Writes the frames in order and flushes them to the socket. */
  void write(List<byte[]> frames) throws IOException {
    try {
      for (byte[] frame : frames) {
        out.write(frame);
      }
      out.flush();
    } catch (IOException e) {
      alive = false;
      throw e;
    }
  }

  @Override
  public void close() {
    alive = false;
    closeQuietly(socket);
  }

  private void watch(InputStream in) {
    byte[] buffer = new byte[512];
    try {
      while (in.read(buffer) >= 0) {
        // A syslog receiver has nothing to say; ignore anything it sends.
      }
    } catch (IOException e) {
      // Reset, or closed by us: either way the connection is finished.
    } finally {
      alive = false;
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Nothing more to release.
    }
  }
}
