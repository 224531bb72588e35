package io.custos.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 keep-alive client for the HTTP benchmarks: writes a prepared request and
 * reads one response. It costs the shared cores far less than a general client, so that a figure
 * over HTTP is the server's and the empty-handler baseline of the same run is comparable.
 */
final class KeepAliveClient implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;

  KeepAliveClient(InetSocketAddress server) throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(server, 5000);
    out = socket.getOutputStream();
    in = socket.getInputStream();
  }

  static InetSocketAddress address(URI base) {
    return new InetSocketAddress(base.getHost(), base.getPort());
  }

  /** The whole request as the client writes it: request line, Host, the given headers, the body. */
  static byte[] request(URI base, String method, String path, String headers, byte[] body) {
    String head = method + " " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\n"
        + headers + (body.length > 0 || method.equals("POST") ? "Content-Length: " + body.length + "\r\n" : "") + "\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[h.length + body.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }

  /** Sends a request and answers the body of a 200 response; any other status is an error. */
  byte[] send(byte[] request) throws IOException {
    out.write(request);
    out.flush();
    // The head, read into the buffer until its blank line.
    int headEnd;
    while ((headEnd = headEnd()) < 0) {
      fill();
    }
    String head = new String(buf, start, headEnd - start, StandardCharsets.ISO_8859_1);
    start = headEnd + 4;
    int length = -1;
    boolean chunked = false;
    String[] lines = head.split("\r\n");
    for (int i = 1; i < lines.length; i++) {
      String lower = lines[i].toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(lower.substring(15).strip());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      }
    }
    byte[] body;
    if (chunked) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      for (int size = Integer.parseInt(line().strip(), 16); size > 0; size = Integer.parseInt(line().strip(), 16)) {
        all.write(take(size));
        line();
      }
      line();
      body = all.toByteArray();
    } else if (length >= 0) {
      body = take(length);
    } else {
      throw new IOException("response without a length: " + lines[0]);
    }
    if (!lines[0].startsWith("HTTP/1.1 200")) {
      throw new IOException(lines[0] + ": " + new String(body, StandardCharsets.UTF_8));
    }
    return body;
  }

  private byte[] buf = new byte[16 * 1024];
  private int start;
  private int end;

  /** Where the head's CRLFCRLF starts in the buffer, or -1. */
  private int headEnd() {
    for (int i = start; i + 3 < end; i++) {
      if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Reads more of the response into the buffer, moving what is unread to its start. */
  private void fill() throws IOException {
    if (start > 0) {
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
    }
    if (end == buf.length) {
      buf = java.util.Arrays.copyOf(buf, buf.length * 2);
    }
    int n = in.read(buf, end, buf.length - end);
    if (n < 0) {
      throw new IOException("connection closed by the server");
    }
    end += n;
  }

  private byte[] take(int n) throws IOException {
    while (end - start < n) {
      fill();
    }
    byte[] b = java.util.Arrays.copyOfRange(buf, start, start + n);
    start += n;
    return b;
  }

  private String line() throws IOException {
    while (true) {
      for (int i = start; i + 1 < end; i++) {
        if (buf[i] == '\r' && buf[i + 1] == '\n') {
          String l = new String(buf, start, i - start, StandardCharsets.ISO_8859_1);
          start = i + 2;
          return l;
        }
      }
      fill();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
