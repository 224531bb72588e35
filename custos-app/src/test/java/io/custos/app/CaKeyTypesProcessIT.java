package io.custos.app;

import static io.custos.app.CliRun.custos;
import static io.custos.app.CliRun.exec;
import static io.custos.app.CliRun.ok;
import static io.custos.app.CliRun.openssl;
import static io.custos.app.CliRun.pemBlocks;
import static org.assertj.core.api.Assertions.assertThat;

import io.custos.app.CliRun.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 7 interoperability, every key type the profiles allow: a CSR made by {@code openssl req}
 * for RSA-3072, RSA-4096, EC P-256, EC P-384 and Ed25519 is accepted by the dev issuing CA for a
 * TLS server and a TLS client profile, and the issued chain passes
 * {@code openssl verify -x509_strict -purpose sslserver|sslclient} with only the root trusted.
 */
class CaKeyTypesProcessIT {
  @TempDir static Path dir;
  private static CustosProcess server;
  private static Map<String, String> env;
  private static Path root;
  private static Path issuing;

  @BeforeAll
  static void start() throws Exception {
    server = CustosProcess.start(Map.of(), "--data-dir", dir.resolve("data").toString(), "server", "--dev",
        "--dev-root-token", "T", "--listen", "127.0.0.1:0");
    String line = server.await(server.out, l -> l.trim().startsWith("Address:"), CustosProcess.START_TIMEOUT);
    server.await(server.out, l -> l.contains("custos cert issue --ca dev-issuing"), CustosProcess.START_TIMEOUT);
    env = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim(), "CUSTOS_TOKEN", "T");
    List<String> blocks = pemBlocks(ok(custos(env, "ca", "chain", "dev-issuing")).out());
    assertThat(blocks).hasSize(2);
    issuing = dir.resolve("issuing.pem");
    root = dir.resolve("root.pem");
    Files.writeString(issuing, blocks.getFirst());
    Files.writeString(root, blocks.getLast());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest(name = "{0} key, {2} profile, openssl -purpose {3}")
  @CsvSource({
      "rsa-3072, rsa:3072,                                    tls-server, sslserver",
      "rsa-3072, rsa:3072,                                    tls-client, sslclient",
      "rsa-4096, rsa:4096,                                    tls-server, sslserver",
      "rsa-4096, rsa:4096,                                    tls-client, sslclient",
      "ec-p256,  ec -pkeyopt ec_paramgen_curve:P-256,         tls-server, sslserver",
      "ec-p256,  ec -pkeyopt ec_paramgen_curve:P-256,         tls-client, sslclient",
      "ec-p384,  ec -pkeyopt ec_paramgen_curve:P-384,         tls-server, sslserver",
      "ec-p384,  ec -pkeyopt ec_paramgen_curve:P-384,         tls-client, sslclient",
      "ed25519,  ed25519,                                     tls-server, sslserver",
      "ed25519,  ed25519,                                     tls-client, sslclient"})
  @DisplayName("SS-002 11.1.6 — an openssl req CSR of every allowed key type is issued and the chain passes openssl verify -x509_strict")
  void opensslKeyType(String name, String newkey, String profile, String purpose) throws Exception {
    String host = name + "-" + profile + ".example.com";
    Path key = dir.resolve(name + "-" + profile + ".key");
    Path csr = dir.resolve(name + "-" + profile + ".csr");
    List<String> req = new ArrayList<>(List.of("openssl", "req", "-new", "-newkey"));
    req.addAll(Arrays.asList(newkey.split(" ")));
    req.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + host,
        "-addext", "subjectAltName=DNS:" + host));
    ok(exec(Map.of(), req));

    String bundle = ok(custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", profile, "--csr", csr.toString(),
        "--owner", "dev-root", "--validity", "90d")).out();
    Path leaf = dir.resolve(name + "-" + profile + ".pem");
    Files.writeString(leaf, pemBlocks(bundle).getFirst());

    Run verified = exec(Map.of(), List.of("openssl", "verify", "-x509_strict", "-purpose", purpose, "-CAfile",
        root.toString(), "-untrusted", issuing.toString(), leaf.toString()));
    assertThat(verified.out()).as(verified.err()).contains(leaf + ": OK");
    // One purpose per certificate: the other TLS purpose fails.
    String other = purpose.equals("sslserver") ? "sslclient" : "sslserver";
    Run wrong = exec(Map.of(), List.of("openssl", "verify", "-x509_strict", "-purpose", other, "-CAfile",
        root.toString(), "-untrusted", issuing.toString(), leaf.toString()));
    assertThat(wrong.out() + wrong.err()).doesNotContain(leaf + ": OK");
  }

}
