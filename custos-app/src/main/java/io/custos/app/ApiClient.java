package io.custos.app;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The CLI's way to a running server: {@code CUSTOS_ADDR} (default http://127.0.0.1:8200),
 * trusting the CA certificate in {@code CUSTOS_CACERT} when set. Failures become one line.
 */
final class ApiClient implements AutoCloseable {
  static final String DEFAULT_ADDR = "http://127.0.0.1:8200";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final URI base;
  private final boolean customCa;
  private final HttpClient http;
  private final java.util.Optional<String> token;

  private ApiClient(URI base, boolean customCa, HttpClient http, java.util.Optional<String> token) {
    this.base = base;
    this.customCa = customCa;
    this.http = http;
    this.token = token;
  }

  /**
   * The token to send: {@code CUSTOS_TOKEN}, else the one {@code custos login} stored in
   * {@code CUSTOS_TOKEN_FILE} (default {@code ~/.custos/token}).
   */
  static java.util.Optional<String> token(Map<String, String> env) {
    String t = env.get("CUSTOS_TOKEN");
    if (t != null && !t.isBlank()) {
      return java.util.Optional.of(t.trim());
    }
    Path file = tokenFile(env);
    try {
      if (Files.isRegularFile(file)) {
        String stored = Files.readString(file).trim();
        return stored.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(stored);
      }
    } catch (IOException e) {
      throw new UsageFailure("cannot read the token file " + file + ": " + e.getMessage());
    }
    return java.util.Optional.empty();
  }

  /** Where {@code custos login} keeps the CLI's token. */
  static Path tokenFile(Map<String, String> env) {
    String f = env.get("CUSTOS_TOKEN_FILE");
    if (f != null && !f.isBlank()) {
      return Path.of(f);
    }
    return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".custos", "token");
  }

  static ApiClient fromEnvironment(Map<String, String> env) {
    URI addr = address(env.getOrDefault("CUSTOS_ADDR", DEFAULT_ADDR));
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    String caCert = env.get("CUSTOS_CACERT");
    boolean custom = caCert != null && !caCert.isBlank();
    if (custom) {
      b.sslContext(trusting(Path.of(caCert)));
    }
    return new ApiClient(addr, custom, b.build(), token(env));
  }

  /** As {@link #fromEnvironment}, but sending {@code token} whatever the environment holds (login). */
  static ApiClient withToken(Map<String, String> env, String token) {
    ApiClient c = fromEnvironment(env);
    return new ApiClient(c.base, c.customCa, c.http, java.util.Optional.of(token));
  }

  URI base() {
    return base;
  }

  HttpResponse<byte[]> get(String pathAndQuery) {
    return send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(TIMEOUT).GET());
  }

  HttpResponse<byte[]> postJson(String path, byte[] body) {
    return send(HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /**
   * As {@link #postJson(String, byte[])}; with an approval id, the request carries
   * {@code X-Custos-Approval} to run an operation that dual control approved.
   */
  HttpResponse<byte[]> postJson(String path, byte[] body, java.util.Optional<String> approval) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    approval.ifPresent(id -> b.header(APPROVAL_HEADER, id));
    return send(b);
  }

  static final String APPROVAL_HEADER = "X-Custos-Approval";

  HttpResponse<byte[]> delete(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).DELETE());
  }

  HttpResponse<byte[]> put(String path, byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    if (body.length > 0) {
      b.header("Content-Type", "application/json");
    }
    return send(b);
  }

  /** PUT of a text body with its content type (policy documents in YAML or JSON). */
  HttpResponse<byte[]> putText(String path, byte[] body, String contentType) {
    return send(HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Content-Type", contentType)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** The body of a 2xx answer; anything else becomes a ClientFailure quoting the problem's detail. */
  byte[] ok(HttpResponse<byte[]> r) {
    if (r.statusCode() == 202) {
      approvalRequested(r.body());
    }
    if (r.statusCode() / 100 == 2) {
      return r.body();
    }
    String detail;
    try {
      detail = Output.JSON_MAPPER.readTree(r.body()).path("detail").asText("");
    } catch (IOException e) {
      detail = "";
    }
    throw new ClientFailure("server answered HTTP " + r.statusCode() + (detail.isEmpty() ? "" : ": " + detail));
  }

  /**
   * A 202 carrying an approval id: the operation was not performed, it waits for dual control
   * (SS-002 11.3.11). Reported as a failure (exit 1), so scripts never mistake it for a result.
   */
  private static void approvalRequested(byte[] body) {
    JsonNodeHolder n = JsonNodeHolder.of(body);
    if (n.id().isEmpty()) {
      return;
    }
    throw new ClientFailure("approval requested: " + n.id() + " (needs " + n.required() + " approvals); "
        + "once approved (custos approval approve " + n.id() + "), run the same command again with --approval " + n.id());
  }

  private record JsonNodeHolder(String id, int required) {
    static JsonNodeHolder of(byte[] body) {
      try {
        var node = Output.JSON_MAPPER.readTree(body);
        return new JsonNodeHolder(node.path("approval_id").asText(""), node.path("required").asInt(0));
      } catch (IOException e) {
        return new JsonNodeHolder("", 0);
      }
    }
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder b) {
    try {
      token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
      return http.send(b.header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new ClientFailure("cannot reach Custos at " + base + ": connection refused");
    } catch (HttpTimeoutException e) {
      throw new ClientFailure("Custos at " + base + " did not answer within " + TIMEOUT.toSeconds() + "s");
    } catch (SSLHandshakeException e) {
      throw new ClientFailure("TLS with " + base + " failed: " + e.getMessage()
          + (customCa ? "" : " (set CUSTOS_CACERT to the CA certificate that signed the server's)"));
    } catch (IOException e) {
      throw new ClientFailure("cannot reach Custos at " + base + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientFailure("interrupted");
    }
  }

  private static URI address(String text) {
    try {
      URI u = URI.create(text.trim());
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
        throw new IllegalArgumentException();
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw new UsageFailure("CUSTOS_ADDR must be an http:// or https:// URL, got '" + text + "'");
    }
  }

  private static SSLContext trusting(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ts.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new UsageFailure("CUSTOS_CACERT " + pem + " holds no PEM certificate");
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException e) {
      throw new UsageFailure("CUSTOS_CACERT " + pem + " cannot be read: " + e.getMessage());
    } catch (java.security.GeneralSecurityException e) {
      throw new UsageFailure("CUSTOS_CACERT " + pem + " is not a PEM certificate: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
