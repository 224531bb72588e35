package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline root ceremonies through the real CLI, checked by openssl. */
class CeremonyProcessIT {
  @TempDir Path dir;

  private static String openssl(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }

  @Test
  @DisplayName("ceremony init-root, sign-ca (2 of 3 on stdin), crl and audit-export; the root directory is never served")
  void ceremonyFlow() throws Exception {
    Path data = dir.resolve("root");
    Path root = dir.resolve("root.pem");
    CustosProcess init = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "ceremony", "init-root",
        "--subject", "CN=Process Root CA,O=Example,C=GB", "--algorithm", "ecdsa-p384", "--validity", "20y",
        "--custodians", "3", "--threshold", "2", "--witness", "Wendy Witness", "--cert-out", root.toString());
    assertThat(init.exit()).as(init.stderr()).isZero();
    List<String> shares = init.out.stream().filter(l -> l.startsWith("Share ")).map(l -> l.substring(l.indexOf(": ") + 2))
        .toList();
    assertThat(shares).hasSize(3).allMatch(s -> s.startsWith("custos-share-v1:"));

    Path csr = dir.resolve("issuing.csr");
    openssl("req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout",
        dir.resolve("issuing.key").toString(), "-out", csr.toString(), "-subj", "/CN=Process Issuing CA/O=Example");
    Path issuing = dir.resolve("issuing.pem");
    Path chain = dir.resolve("chain.pem");
    String two = shares.get(0) + "\n" + shares.get(2) + "\n";
    CustosProcess sign = CustosProcess.runWithInput(Map.of(), two, "--data-dir", data.toString(), "ceremony", "sign-ca",
        "--csr", csr.toString(), "--level", "subordinate", "--validity", "5y", "--witness", "Wendy Witness",
        "--out", issuing.toString(), "--chain-out", chain.toString());
    assertThat(sign.exit()).as(sign.stderr()).isZero();
    assertThat(openssl("verify", "-x509_strict", "-CAfile", root.toString(), issuing.toString())).contains(": OK");
    assertThat(Files.readString(chain)).contains("BEGIN CERTIFICATE");

    CustosProcess over = CustosProcess.runWithInput(Map.of(), two, "--data-dir", data.toString(), "ceremony", "sign-ca",
        "--csr", csr.toString(), "--level", "subordinate", "--validity", "6y", "--witness", "Wendy Witness",
        "--out", dir.resolve("x.pem").toString());
    assertThat(over.exit()).isEqualTo(1);
    assertThat(over.stderr()).contains("11.1.9");

    CustosProcess one = CustosProcess.runWithInput(Map.of(), shares.get(1) + "\n", "--data-dir", data.toString(),
        "ceremony", "crl", "--witness", "Wendy Witness", "--out", dir.resolve("x.crl").toString());
    assertThat(one.exit()).isEqualTo(1);

    Path crl = dir.resolve("root.crl");
    CustosProcess c = CustosProcess.runWithInput(Map.of(), two, "--data-dir", data.toString(), "ceremony", "crl",
        "--next-update", "30d", "--witness", "Wendy Witness", "--out", crl.toString());
    assertThat(c.exit()).as(c.stderr()).isZero();
    assertThat(openssl("crl", "-in", crl.toString(), "-CAfile", root.toString(), "-noout")).contains("verify OK");

    CustosProcess export = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "ceremony", "audit-export");
    assertThat(export.exit()).as(export.stderr()).isZero();
    String log = String.join("\n", export.out);
    assertThat(log).contains("\"ceremony.init_root\"", "\"ceremony.sign_ca\"", "\"ceremony.crl\"", "Wendy Witness");
    for (String s : shares) {
      assertThat(log).doesNotContain(s);
    }
    CustosProcess same = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "audit", "export");
    assertThat(String.join("\n", same.out)).isEqualTo(log);

    CustosProcess served = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "server", "--dev");
    assertThat(served.exit()).isNotZero();
    assertThat(served.stderr()).contains("never served");
  }
}
