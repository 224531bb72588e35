package io.custos.app;

import static io.custos.app.CliRun.custos;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocation and CRLs end to end with real tools (issue 8, SS-002 11.6.1, 11.6.4): an offline
 * root made in a ceremony certifies an online issuing CA whose CRL DP is the online server's
 * route; {@code custos cert revoke}, {@code custos crl fetch}, the root's CRL from {@code ceremony
 * crl} published with {@code custos crl import}; openssl verify -crl_check and -crl_check_all.
 */
class CrlProcessIT {
  @TempDir Path dir;

  private static String openssl(String... args) throws Exception {
    Run r = CliRun.openssl(args);
    return "exit " + r.exit() + ": " + r.out() + r.err();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private String issue(Map<String, String> env, String name) throws Exception {
    Path csr = dir.resolve(name + ".csr");
    assertThat(openssl("req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout",
        dir.resolve(name + ".key").toString(), "-out", csr.toString(), "-subj", "/CN=" + name + ".example.com",
        "-addext", "subjectAltName=DNS:" + name + ".example.com")).startsWith("exit 0");
    Path bundle = dir.resolve(name + "-bundle.pem");
    String said = ok(custos(env, "cert", "issue", "--ca", "issuing", "--profile", "tls-server", "--csr", csr.toString(),
        "--owner", "dev-root", "--validity", "30d", "--out", bundle.toString())).out();
    Files.writeString(dir.resolve(name + ".pem"), pemBlocks(Files.readString(bundle)).getFirst());
    return said.replaceAll("(?s).*serial ([0-9a-f]+),.*", "$1");
  }

  @Test
  @DisplayName("SS-002 11.6.1, 11.6.4 — revoke with the CLI, fetch the CRL, import the ceremony root's CRL: openssl "
      + "-crl_check and -crl_check_all fail the revoked leaf with 'certificate revoked' and pass the good one")
  void revocationWithRealTools() throws Exception {
    // The offline root, in its own data directory.
    Path rootData = dir.resolve("root");
    Path rootPem = dir.resolve("root.pem");
    CustosProcess init = CustosProcess.run(Map.of(), "--data-dir", rootData.toString(), "ceremony", "init-root",
        "--subject", "CN=CRL Root CA,O=Example,C=GB", "--algorithm", "ecdsa-p384", "--validity", "20y",
        "--custodians", "3", "--threshold", "2", "--witness", "Wendy Witness", "--cert-out", rootPem.toString());
    assertThat(init.exit()).as(init.stderr()).isZero();
    List<String> shares = init.out.stream().filter(l -> l.startsWith("Share ")).map(l -> l.substring(l.indexOf(": ") + 2))
        .toList();
    String two = shares.get(0) + "\n" + shares.get(1) + "\n";

    int port = freePort();
    String base = "http://127.0.0.1:" + port;
    try (CustosProcess server = CustosProcess.start(Map.of(), "--data-dir", dir.resolve("data").toString(),
        "server", "--dev", "--dev-root-token", "T", "--listen", "127.0.0.1:" + port)) {
      server.await(server.out, l -> l.contains("custos cert issue --ca dev-issuing"), CustosProcess.START_TIMEOUT);
      Map<String, String> env = Map.of("CUSTOS_ADDR", base, "CUSTOS_TOKEN", "T");

      // An issuing CA certified by the offline root, its CRL DP at this server.
      Path csr = dir.resolve("issuing.csr");
      ok(custos(env, "ca", "create", "issuing", "--level", "subordinate", "--algorithm", "ecdsa-p256", "--subject",
          "CN=CRL Issuing CA,O=Example,C=GB", "--csr-out", csr.toString()));
      Path issuingPem = dir.resolve("issuing.pem");
      Path chain = dir.resolve("chain.pem");
      CustosProcess sign = CustosProcess.runWithInput(Map.of(), two, "--data-dir", rootData.toString(), "ceremony",
          "sign-ca", "--csr", csr.toString(), "--level", "subordinate", "--validity", "3y", "--witness", "Wendy Witness",
          "--crl-url", base + "/v1/ca/root/crl", "--out", issuingPem.toString(), "--chain-out", chain.toString());
      assertThat(sign.exit()).as(sign.stderr()).isZero();
      assertThat(openssl("x509", "-in", issuingPem.toString(), "-noout", "-ext", "crlDistributionPoints"))
          .contains(base + "/v1/ca/root/crl");
      ok(custos(env, "ca", "activate", "issuing", "--cert", issuingPem.toString(), "--chain", rootPem.toString()));

      String good = issue(env, "good");
      String bad = issue(env, "bad");
      assertThat(ok(custos(env, "cert", "revoke", bad, "--reason", "keyCompromise")).out()).contains("is now revoked");
      assertThat(ok(custos(env, "cert", "revoke", bad, "--reason", "superseded")).out()).contains("nothing changed");
      Run invalid = custos(env, "cert", "revoke", good, "--reason", "lostIt");
      assertThat(invalid.exit()).isNotZero();
      assertThat(invalid.err()).contains("keyCompromise");
      assertThat(custos(env, "cert", "revoke", "abcdef0123", "--reason", "superseded").exit()).isNotZero();

      // The root's CRL from a ceremony, published by import at the URL the issuing CA certificate carries.
      Path rootCrl = dir.resolve("root.crl");
      CustosProcess c = CustosProcess.runWithInput(Map.of(), two, "--data-dir", rootData.toString(), "ceremony", "crl",
          "--next-update", "30d", "--witness", "Wendy Witness", "--out", rootCrl.toString());
      assertThat(c.exit()).as(c.stderr()).isZero();
      assertThat(ok(custos(env, "crl", "import", rootCrl.toString())).out()).contains("published");
      HttpResponse<byte[]> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(base + "/v1/ca/root/crl")).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(served.headers().firstValue("Content-Type").orElse("")).startsWith("application/pkix-crl");
      Run older = custos(env, "crl", "import", dir.resolve("good.pem").toString());
      assertThat(older.exit()).as("a certificate is not a CRL").isNotZero();

      // The issuing CA's CRL, as relying parties fetch it; the revocation shows within seconds.
      Path issuingCrl = dir.resolve("issuing.crl.pem");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      String text = "";
      while (System.nanoTime() < deadline) {
        ok(custos(Map.of("CUSTOS_ADDR", base), "crl", "fetch", "issuing", "--format", "pem", "--out",
            issuingCrl.toString()));
        text = openssl("crl", "-in", issuingCrl.toString(), "-noout", "-text");
        if (text.toUpperCase().contains(bad.toUpperCase())) {
          break;
        }
        Thread.sleep(200);
      }
      assertThat(text.toUpperCase()).contains(bad.toUpperCase());
      Path rootCrlPem = dir.resolve("root.crl.pem");
      ok(custos(Map.of("CUSTOS_ADDR", base), "crl", "fetch", "root", "--format", "pem", "--out", rootCrlPem.toString()));
      Path deltaPem = dir.resolve("delta.crl.pem");
      ok(custos(Map.of("CUSTOS_ADDR", base), "crl", "fetch", "issuing", "--delta", "--format", "pem", "--out",
          deltaPem.toString()));

      String root = rootPem.toString();
      String untrusted = issuingPem.toString();
      assertThat(openssl("verify", "-crl_check", "-CAfile", root, "-untrusted", untrusted, "-CRLfile",
          issuingCrl.toString(), dir.resolve("bad.pem").toString())).doesNotStartWith("exit 0")
          .contains("certificate revoked");
      assertThat(openssl("verify", "-crl_check", "-CAfile", root, "-untrusted", untrusted, "-CRLfile",
          issuingCrl.toString(), dir.resolve("good.pem").toString())).startsWith("exit 0").contains(": OK");
      Path both = dir.resolve("both.crl.pem");
      Files.writeString(both, Files.readString(issuingCrl) + Files.readString(rootCrlPem));
      assertThat(openssl("verify", "-crl_check_all", "-CAfile", root, "-untrusted", untrusted, "-CRLfile",
          both.toString(), dir.resolve("good.pem").toString())).startsWith("exit 0").contains(": OK");
      assertThat(openssl("verify", "-crl_check_all", "-CAfile", root, "-untrusted", untrusted, "-CRLfile",
          both.toString(), dir.resolve("bad.pem").toString())).contains("certificate revoked");
      assertThat(openssl("crl", "-in", issuingCrl.toString(), "-noout", "-CAfile", untrusted)).contains("verify OK");
      assertThat(openssl("crl", "-in", deltaPem.toString(), "-noout", "-CAfile", untrusted)).contains("verify OK");
      assertThat(openssl("crl", "-in", rootCrlPem.toString(), "-noout", "-CAfile", root)).contains("verify OK");

      // The root revokes the issuing CA in a ceremony: after import, the whole chain fails for the good leaf too.
      String caSerial = openssl("x509", "-in", untrusted, "-noout", "-serial").replaceAll("(?s).*serial=([0-9A-Fa-f]+).*",
          "$1");
      CustosProcess revokeCa = CustosProcess.runWithInput(Map.of(), two, "--data-dir", rootData.toString(), "ceremony",
          "revoke-ca", caSerial, "--reason", "cACompromise", "--witness", "Wendy Witness");
      assertThat(revokeCa.exit()).as(revokeCa.stderr()).isZero();
      CustosProcess c2 = CustosProcess.runWithInput(Map.of(), two, "--data-dir", rootData.toString(), "ceremony", "crl",
          "--next-update", "30d", "--witness", "Wendy Witness", "--out", rootCrl.toString());
      assertThat(c2.exit()).as(c2.stderr()).isZero();
      ok(custos(env, "crl", "import", rootCrl.toString()));
      ok(custos(Map.of("CUSTOS_ADDR", base), "crl", "fetch", "root", "--format", "pem", "--out", rootCrlPem.toString()));
      Files.writeString(both, Files.readString(issuingCrl) + Files.readString(rootCrlPem));
      assertThat(openssl("verify", "-crl_check_all", "-CAfile", root, "-untrusted", untrusted, "-CRLfile",
          both.toString(), dir.resolve("good.pem").toString())).contains("certificate revoked");
    }
  }
}
