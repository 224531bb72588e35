package io.custos.app;

import static io.custos.app.CliRun.custos;
import static io.custos.app.CliRun.exec;
import static io.custos.app.CliRun.ok;
import static io.custos.app.CliRun.openssl;
import static io.custos.app.CliRun.pemBlocks;
import static org.assertj.core.api.Assertions.assertThat;

import io.custos.app.CliRun.Run;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
