package io.custos.app.config;

import java.util.Objects;

/** A listen address, {@code HOST:PORT} (IPv6 hosts in brackets: {@code [::1]:8200}). */
public record HostPort(String host, int port) {
  public HostPort {
    Objects.requireNonNull(host, "host");
  }

  /** Parses HOST:PORT; returns null-free result or throws IllegalArgumentException with the reason. */
  public static HostPort parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("expected HOST:PORT, got nothing");
    }
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf("]:");
      if (close < 0) {
        throw new IllegalArgumentException("expected [IPv6]:PORT, got '" + text + "'");
      }
      host = text.substring(1, close);
      port = text.substring(close + 2);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon <= 0 || text.indexOf(':') != colon) {
        throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
    }
    if (host.isBlank() || !host.matches("[A-Za-z0-9.:%-]+")) {
      throw new IllegalArgumentException("host in '" + text + "' is not a host name or address");
    }
    try {
      int p = Integer.parseInt(port);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return new HostPort(host, p);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port in '" + text + "' must be a number from 0 to 65535");
    }
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
