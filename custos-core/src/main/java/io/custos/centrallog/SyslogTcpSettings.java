package io.custos.centrallog;

import java.time.Duration;
import java.util.Objects;

/**
 * Where and how a {@link SyslogTcpSink} sends.
 *
 * @param name the sink's stable name (its cursor key)
 * @param host the receiver's host name or IP address; with TLS its certificate must name it
 * @param port the receiver's TCP port (RFC 5425 registers 6514 for TLS)
 * @param transport plain TCP or TLS
 * @param format how entries are encoded
 * @param connectTimeout limit for the TCP connect and, with TLS, the handshake
 * @param settleInterval how long a connection must stay healthy after an entry was written
 *     before that entry counts as delivered (see {@link SyslogTcpSink}); must exceed the time
 *     the receiver may take to read what it was sent
 * @param reconnectInitial first wait after a failed connection attempt
 * @param reconnectMax cap of the doubling wait between connection attempts
 */
public record SyslogTcpSettings(String name, String host, int port, SyslogTransport transport,
    SyslogFormat format, Duration connectTimeout, Duration settleInterval,
    Duration reconnectInitial, Duration reconnectMax) {

  public SyslogTcpSettings {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(format, "format");
    if (name.isBlank() || host.isBlank()) {
      throw new IllegalArgumentException("name and host must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1..65535, was " + port);
    }
    if (!connectTimeout.isPositive() || settleInterval.isNegative()) {
      throw new IllegalArgumentException("connectTimeout must be > 0 and settleInterval >= 0");
    }
    new Backoff(reconnectInitial, reconnectMax); // validates the pair
  }

  /**
   * Defaults: this host's {@link SyslogFormat#defaults()}, 5 s connect timeout, 2 s settle
   * interval, reconnect backoff from 1 s doubling up to 60 s.
   */
  public static SyslogTcpSettings of(String name, String host, int port, SyslogTransport transport) {
    return new SyslogTcpSettings(name, host, port, transport, SyslogFormat.defaults(),
        Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(60));
  }

  public SyslogTcpSettings withFormat(SyslogFormat newFormat) {
    return new SyslogTcpSettings(name, host, port, transport, newFormat, connectTimeout,
        settleInterval, reconnectInitial, reconnectMax);
  }

  public SyslogTcpSettings withConnectTimeout(Duration timeout) {
    return new SyslogTcpSettings(name, host, port, transport, format, timeout, settleInterval,
        reconnectInitial, reconnectMax);
  }

  public SyslogTcpSettings withSettleInterval(Duration settle) {
    return new SyslogTcpSettings(name, host, port, transport, format, connectTimeout, settle,
        reconnectInitial, reconnectMax);
  }

  public SyslogTcpSettings withReconnectBackoff(Duration initial, Duration max) {
    return new SyslogTcpSettings(name, host, port, transport, format, connectTimeout,
        settleInterval, initial, max);
  }
}
