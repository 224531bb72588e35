package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCSP responder of a running dev node against {@code openssl ocsp}: the AIA OCSP URL written
 * into an issued certificate answers, the answer is signed by the delegated responder and
 * verifies up to the dev root, and a serial nobody issued is unknown (issue 8, interoperability).
 */
class OcspProcessIT {
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  private static Run exec(Map<String, String> env, List<String> cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("CUSTOS_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish");
    }
    return new Run(p.exitValue(), new String(out.get(), StandardCharsets.UTF_8),
        new String(err.get(), StandardCharsets.UTF_8));
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      return new byte[0];
    }
  }

  private static Run custos(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-jar", CustosProcess.JAR.toString()));
    cmd.addAll(List.of(args));
    return exec(env, cmd);
  }

  private static Run ok(Run r) {
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    return r;
  }

  private static List<String> pemBlocks(String pem) {
    List<String> out = new ArrayList<>();
    String end = "-----END CERTIFICATE-----";
    int at = 0;
    for (int b; (b = pem.indexOf("-----BEGIN CERTIFICATE-----", at)) >= 0; ) {
      int e = pem.indexOf(end, b) + end.length();
      out.add(pem.substring(b, e) + "\n");
      at = e;
    }
    return out;
  }

  @Test
  @DisplayName("SS-002 11.6.1 — openssl ocsp at the certificate's AIA URL: good, signature verified; unknown serial")
  void opensslAgainstDevNode() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (CustosProcess server = CustosProcess.start(Map.of(), "--data-dir", dir.resolve("data").toString(),
        "server", "--dev", "--dev-root-token", "T", "--listen", "127.0.0.1:" + port)) {
      server.await(server.out, l -> l.contains("custos cert issue --ca dev-issuing"), CustosProcess.START_TIMEOUT);
      String base = "http://127.0.0.1:" + port;
      Map<String, String> env = Map.of("CUSTOS_ADDR", base, "CUSTOS_TOKEN", "T");
      Path key = dir.resolve("leaf.key");
      Path csr = dir.resolve("leaf.csr");
      ok(exec(Map.of(), List.of("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=app.example.com",
          "-addext", "subjectAltName=DNS:app.example.com")));
      Path bundle = dir.resolve("bundle.pem");
      ok(custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-server", "--csr", csr.toString(),
          "--owner", "dev-root", "--out", bundle.toString()));
      Path leaf = dir.resolve("leaf.pem");
      Files.writeString(leaf, pemBlocks(Files.readString(bundle)).getFirst());
      List<String> chain = pemBlocks(ok(custos(env, "ca", "chain", "dev-issuing")).out());
      Path issuing = dir.resolve("issuing.pem");
      Path root = dir.resolve("root.pem");
      Files.writeString(issuing, chain.getFirst());
      Files.writeString(root, chain.getLast());

      String aia = ok(exec(Map.of(), List.of("openssl", "x509", "-in", leaf.toString(), "-noout", "-ocsp_uri")))
          .out().strip();
      assertThat(aia).isEqualTo(base + "/v1/ocsp/dev-issuing");
      Run good = ok(exec(Map.of(), List.of("openssl", "ocsp", "-issuer", issuing.toString(), "-cert", leaf.toString(),
          "-url", aia, "-CAfile", root.toString())));
      assertThat(good.out() + good.err()).contains("Response verify OK").contains("leaf.pem: good");

      Run unknown = ok(exec(Map.of(), List.of("openssl", "ocsp", "-issuer", issuing.toString(), "-serial", "0x1234abcd",
          "-url", aia, "-CAfile", root.toString())));
      assertThat(unknown.out() + unknown.err()).contains("Response verify OK").contains("0x1234abcd: unknown");

      try (HttpClient http = HttpClient.newHttpClient()) {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("custos_ocsp_responses_total{method=\"POST\",status=\"successful\"}");
        assertThat(metrics).contains("custos_ocsp_presign_coverage")
            .contains("custos_ocsp_presign_serials{state=\"kept\"}");
      }
    }
  }
}
