package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Show the health of the server at CUSTOS_ADDR.",
        "CUSTOS_ADDR defaults to http://127.0.0.1:8200.",
        "Trusts the CA certificate in CUSTOS_CACERT (PEM) for https addresses."})
final class StatusCommand implements Callable<Integer> {
  static final String DEFAULT_ADDR = "http://127.0.0.1:8200";

  @ParentCommand CustosCommand parent;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Map<String, String> env = System.getenv();
    URI addr = address(env.getOrDefault("CUSTOS_ADDR", DEFAULT_ADDR));
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    String caCert = env.get("CUSTOS_CACERT");
    if (caCert != null && !caCert.isBlank()) {
      b.sslContext(trusting(Path.of(caCert)));
    }
    HttpResponse<String> r;
    try (HttpClient client = b.build()) {
      r = client.send(HttpRequest.newBuilder(addr.resolve("/v1/sys/health"))
          .timeout(Duration.ofSeconds(10)).header("Accept", "application/json").GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new ClientFailure("cannot reach Custos at " + addr + ": connection refused");
    } catch (HttpTimeoutException e) {
      throw new ClientFailure("Custos at " + addr + " did not answer within 10s");
    } catch (SSLHandshakeException e) {
      throw new ClientFailure("TLS with " + addr + " failed: " + e.getMessage()
          + (caCert == null ? " (set CUSTOS_CACERT to the CA certificate that signed the server's)" : ""));
    } catch (IOException e) {
      throw new ClientFailure("cannot reach Custos at " + addr + ": " + e);
    }
    JsonNode health;
    try {
      health = Output.JSON_MAPPER.readTree(r.body());
    } catch (IOException e) {
      health = null;
    }
    if (health == null || !health.isObject() || !health.has("sealed")) {
      throw new ClientFailure(addr + " answered HTTP " + r.statusCode() + " without a Custos health document");
    }
    parent.output.keyValues(spec.commandLine().getOut(), health, rows(health));
    return 0;
  }

  private static List<Map.Entry<String, String>> rows(JsonNode h) {
    List<Map.Entry<String, String>> rows = new ArrayList<>();
    rows.add(Map.entry("Initialized", h.path("initialized").asText()));
    rows.add(Map.entry("Sealed", h.path("sealed").asText()));
    rows.add(Map.entry("State", h.path("state").asText()));
    rows.add(Map.entry("Version", h.path("version").asText() + " (commit " + h.path("commit").asText() + ")"));
    JsonNode s = h.path("storage");
    rows.add(Map.entry("Storage", s.path("kind").asText() + " (schema " + s.path("schema_version").asText()
        + ", " + (s.path("reachable").asBoolean() ? "reachable" : "NOT reachable") + ")"));
    rows.add(Map.entry("Dev mode", h.path("dev_mode").asText()));
    rows.add(Map.entry("Uptime", Duration.ofSeconds(h.path("uptime_seconds").asLong()).toString().substring(2).toLowerCase()));
    return rows;
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
}
