package io.custos.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the API server listens.
 *
 * @param host address to bind; in dev mode it must be a loopback address
 * @param port TCP port; 0 picks a free one
 * @param tls certificate and key files; required unless {@code dev}
 * @param dev development mode: plain HTTP allowed, loopback only
 * @param maxRequestBytes largest request body accepted
 * @param idleTimeout a connection silent this long is closed
 * @param stopTimeout how long in-flight requests may run on after a stop is asked for
 * @param limits request rate limits per address and per principal
 */
public record ServerSettings(
    String host,
    int port,
    Optional<Tls> tls,
    boolean dev,
    long maxRequestBytes,
    Duration idleTimeout,
    Duration stopTimeout,
    RateLimits limits) {

  /** 2 MiB: a 1 MiB key-service payload in base64 (1.4 MB) with its JSON fits. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 2 * 1024 * 1024;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

  /**
   * PEM files: the certificate (chain, leaf first) and its PKCS#8 private key; TLS 1.3 only
   * unless {@code allowTls12} (then TLS 1.2 with forward-secret AEAD suites too).
   */
  public record Tls(Path certificate, Path privateKey, boolean allowTls12) {
    public Tls {
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(privateKey, "privateKey");
    }

    /** TLS 1.3 only. */
    public Tls(Path certificate, Path privateKey) {
      this(certificate, privateKey, false);
    }
  }

  public ServerSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(stopTimeout, "stopTimeout");
    Objects.requireNonNull(limits, "limits");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
    }
    if (maxRequestBytes < 1) {
      throw new IllegalArgumentException("maxRequestBytes must be positive");
    }
  }

  /** Settings with the default rate limits. */
  public ServerSettings(String host, int port, Optional<Tls> tls, boolean dev, long maxRequestBytes,
      Duration idleTimeout, Duration stopTimeout) {
    this(host, port, tls, dev, maxRequestBytes, idleTimeout, stopTimeout, RateLimits.defaults());
  }

  /** These settings with other rate limits. */
  public ServerSettings withLimits(RateLimits limits) {
    return new ServerSettings(host, port, tls, dev, maxRequestBytes, idleTimeout, stopTimeout, limits);
  }

  /** Settings with the default limits. */
  public static ServerSettings of(String host, int port, Optional<Tls> tls, boolean dev) {
    return new ServerSettings(host, port, tls, dev, DEFAULT_MAX_REQUEST_BYTES,
        DEFAULT_IDLE_TIMEOUT, DEFAULT_STOP_TIMEOUT);
  }

  boolean loopbackHost() {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
