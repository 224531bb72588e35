package io.custos.app;

import static io.custos.app.CliRun.custos;
import static io.custos.app.CliRun.exec;
import static io.custos.app.CliRun.ok;
import static io.custos.app.CliRun.pemBlocks;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev CA against real tools: CSRs from {@code openssl req}, chains that pass
 * {@code openssl verify -x509_strict}, the inventory, the re-key rule, and a TLS handshake
 * between {@code openssl s_server} with an issued certificate and a Java client trusting only
 * the dev root (issue 7, interoperability).
 */
class CaProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private Path csr(String name, List<String> keyArgs, String cn, String san) throws Exception {
    Path key = dir.resolve(name + ".key");
    Path req = dir.resolve(name + ".csr");
    List<String> cmd = new ArrayList<>(List.of("openssl", "req", "-new"));
    cmd.addAll(keyArgs);
    cmd.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", req.toString(), "-subj", "/CN=" + cn,
        "-addext", "subjectAltName=" + san));
    ok(exec(Map.of(), cmd));
    return req;
  }

  @Test
  @DisplayName("dev CA: openssl CSRs (P-256, RSA-3072, Ed25519) issued, verified by openssl, inventoried, re-key enforced,"
      + " TLS handshake with a Java client trusting only the dev root")
  void devCaWithRealTools() throws Exception {
    try (CustosProcess server = CustosProcess.start(Map.of(), "--data-dir", dir.resolve("data").toString(),
        "server", "--dev", "--dev-root-token", "T", "--listen", "127.0.0.1:0")) {
      String line = server.await(server.out, l -> l.trim().startsWith("Address:"), CustosProcess.START_TIMEOUT);
      server.await(server.out, l -> l.contains("custos cert issue --ca dev-issuing"), CustosProcess.START_TIMEOUT);
      Map<String, String> env = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim(), "CUSTOS_TOKEN", "T");

      JsonNode cas = JSON.readTree(ok(custos(env, "ca", "list", "--output", "json")).out());
      assertThat(cas).hasSize(2);
      for (JsonNode c : cas) {
        assertThat(c.get("compliant").asBoolean()).as(c.toString()).isFalse();
      }

      Path ec = csr("ec", List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"), "app.example.com",
          "DNS:app.example.com");
      Path rsa = csr("rsa", List.of("-newkey", "rsa:3072"), "client.example.com", "DNS:client.example.com");
      Path ed = csr("ed", List.of("-newkey", "ed25519"), "ed.example.com", "DNS:ed.example.com");

      Path leaf = dir.resolve("leaf-bundle.pem");
      ok(custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-server", "--csr", ec.toString(),
          "--owner", "dev-root", "--validity", "90d", "--out", leaf.toString()));
      String clientPem = ok(custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-client", "--csr",
          rsa.toString(), "--owner", "dev-root")).out();
      String edPem = ok(custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-server", "--csr",
          ed.toString(), "--owner", "dev-root")).out();

      String chain = ok(custos(env, "ca", "chain", "dev-issuing")).out();
      List<String> blocks = pemBlocks(chain);
      assertThat(blocks).hasSize(2);
      Path issuing = dir.resolve("issuing.pem");
      Path root = dir.resolve("root.pem");
      Files.writeString(issuing, blocks.getFirst());
      Files.writeString(root, blocks.getLast());
      Path leafPem = dir.resolve("leaf.pem");
      Files.writeString(leafPem, pemBlocks(Files.readString(leaf)).getFirst());
      Path clientLeaf = dir.resolve("client.pem");
      Files.writeString(clientLeaf, pemBlocks(clientPem).getFirst());
      Path edLeaf = dir.resolve("ed.pem");
      Files.writeString(edLeaf, pemBlocks(edPem).getFirst());

      for (Map.Entry<Path, String> v : Map.of(leafPem, "sslserver", clientLeaf, "sslclient", edLeaf, "sslserver")
          .entrySet()) {
        CliRun.Run verified = exec(Map.of(), List.of("openssl", "verify", "-x509_strict", "-purpose", v.getValue(), "-CAfile",
            root.toString(), "-untrusted", issuing.toString(), v.getKey().toString()));
        assertThat(verified.out()).as(verified.err()).contains(": OK");
      }

      JsonNode list = JSON.readTree(ok(custos(env, "cert", "list", "--output", "json")).out());
      assertThat(list).hasSize(3);
      for (JsonNode c : list) {
        assertThat(c.get("owner").asText()).isEqualTo("dev-root");
        assertThat(c.get("owner_contact").asText()).isEqualTo("dev@localhost");
        assertThat(c.has("private_key")).isFalse();
      }

      CliRun.Run again = custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-server", "--csr", ec.toString(),
          "--owner", "dev-root");
      assertThat(again.exit()).isNotZero();
      assertThat(again.err()).contains("SS-002 11.1.10");

      // A batch: each CSR issued or refused on its own, the issued one verified by openssl.
      Path b1 = csr("b1", List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"), "b1.example.com",
          "DNS:b1.example.com");
      Path b2 = csr("b2", List.of("-newkey", "ed25519"), "b2.example.com", "DNS:*.b2.example.com");
      Path out = dir.resolve("batch");
      CliRun.Run batch = custos(env, "cert", "issue-batch", "--ca", "dev-issuing", "--profile", "tls-server",
          "--owner", "dev-root", "--validity", "30d", "--out-dir", out.toString(), b1.toString(), b2.toString());
      assertThat(batch.exit()).as(batch.err()).isEqualTo(1);
      assertThat(batch.out()).contains("1 issued, 1 refused");
      assertThat(batch.err()).contains("b2.csr: refused (403").contains("SS-002 11.1.9");
      assertThat(out.resolve("b2.pem")).doesNotExist();
      Path b1Leaf = dir.resolve("b1-leaf.pem");
      Files.writeString(b1Leaf, pemBlocks(Files.readString(out.resolve("b1.pem"))).getFirst());
      CliRun.Run batchVerified = exec(Map.of(), List.of("openssl", "verify", "-x509_strict", "-purpose", "sslserver",
          "-CAfile", root.toString(), "-untrusted", issuing.toString(), b1Leaf.toString()));
      assertThat(batchVerified.out()).as(batchVerified.err()).contains(": OK");
      CliRun.Run twice = custos(env, "cert", "issue-batch", "--ca", "dev-issuing", "--profile", "tls-server",
          "--owner", "dev-root", "--out-dir", out.toString(), b1.toString());
      assertThat(twice.exit()).isNotZero();
      assertThat(twice.err()).contains("exists");

      handshake(leafPem, dir.resolve("ec.key"), issuing, root, null, List.of());
      // Mutual TLS: s_server demands a client certificate chaining to the dev root; the tls-client one is accepted.
      handshake(leafPem, dir.resolve("ec.key"), issuing, root, clientKeys(dir.resolve("rsa.key"), clientLeaf, issuing),
          List.of("-Verify", "2", "-verify_return_error", "-CAfile", root.toString()));
    }
  }

  /** openssl s_server with the issued certificate; a Java client trusting only the dev root connects. */
  private void handshake(Path leaf, Path key, Path issuing, Path root, javax.net.ssl.KeyManager[] client,
      List<String> serverArgs) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>(List.of("openssl", "s_server", "-cert", leaf.toString(), "-key", key.toString(),
        "-cert_chain", issuing.toString(), "-accept", "127.0.0.1:" + port, "-www"));
    cmd.addAll(serverArgs);
    Process tls = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("s_server.log").toFile()).start();
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      X509Certificate rootCert = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(root)));
      trust.setCertificateEntry("dev-root", rootCert);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(client, tmf.getTrustManagers(), null);
      Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
      while (true) {
        try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
          socket.startHandshake();
          X509Certificate peer = (X509Certificate) socket.getSession().getPeerCertificates()[0];
          assertThat(peer.getSubjectX500Principal().getName()).contains("app.example.com");
          OutputStream o = socket.getOutputStream();
          o.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          o.flush();
          assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).contains("200");
          return;
        } catch (java.net.ConnectException e) {
          if (Instant.now().isAfter(deadline) || !tls.isAlive()) {
            throw new AssertionError("openssl s_server did not start: " + Files.readString(dir.resolve("s_server.log")),
                e);
          }
          Thread.sleep(200);
        }
      }
    } finally {
      tls.destroy();
      tls.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The tls-client certificate with its issuing CA and the openssl-made RSA key, for a Java TLS client. */
  private static javax.net.ssl.KeyManager[] clientKeys(Path keyPem, Path certPem, Path issuingPem) throws Exception {
    String pem = Files.readString(keyPem);
    String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    java.security.PrivateKey key = java.security.KeyFactory.getInstance("RSA")
        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(b64)));
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    java.security.cert.Certificate[] chain = {
        cf.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certPem))),
        cf.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(issuingPem)))};
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    char[] pw = "test".toCharArray();
    ks.setKeyEntry("client", key, pw, chain);
    javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    return kmf.getKeyManagers();
  }
}
