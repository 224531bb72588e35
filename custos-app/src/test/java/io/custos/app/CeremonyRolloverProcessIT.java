package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Root key rollover through the real CLI, checked by openssl in both directions, and the offline
 * ceremony log imported into a running server whose audit log reaches central logging.
 */
class CeremonyRolloverProcessIT {
  @TempDir Path dir;

  private static String openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }

  private static List<String> shares(CustosProcess p) {
    return p.out.stream().filter(l -> l.startsWith("Share ")).map(l -> l.substring(l.indexOf(": ") + 2)).toList();
  }

  private Path csr(String name) throws Exception {
    Path csr = dir.resolve(name + ".csr");
    openssl("req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout",
        dir.resolve(name + ".key").toString(), "-out", csr.toString(), "-subj", "/CN=" + name + "/O=Example");
    return csr;
  }

  @Test
  @DisplayName("SS-002 11.3.1 — ceremony rollover: link certificates verify with openssl -x509_strict both ways;"
      + " the ceremony log is imported once and reaches central logging (11.7.1)")
  void rolloverThenImport() throws Exception {
    Path data = dir.resolve("root");
    Path oldRoot = dir.resolve("root-1.pem");
    CustosProcess init = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "ceremony", "init-root",
        "--subject", "CN=Rollover Root CA,O=Example,C=GB", "--custodians", "3", "--threshold", "2",
        "--witness", "Wendy Witness", "--cert-out", oldRoot.toString());
    assertThat(init.exit()).as(init.stderr()).isZero();
    assertThat(init.stdout()).contains("Offline audit log checkpoint key");
    List<String> old = shares(init);
    String oldTwo = old.get(0) + "\n" + old.get(1) + "\n";

    Path caBefore = dir.resolve("ca-before.pem");
    CustosProcess sign = CustosProcess.runWithInput(Map.of(), oldTwo, "--data-dir", data.toString(), "ceremony",
        "sign-ca", "--csr", csr("before").toString(), "--level", "subordinate", "--validity", "1y",
        "--witness", "Wendy Witness", "--out", caBefore.toString());
    assertThat(sign.exit()).as(sign.stderr()).isZero();

    // One share is not a quorum: refused naming the control, nothing changes.
    Path newRoot = dir.resolve("root-2.pem");
    Path oldWithNew = dir.resolve("old-with-new.pem");
    Path newWithOld = dir.resolve("new-with-old.pem");
    String[] rollover = {"--data-dir", data.toString(), "ceremony", "rollover", "--validity", "20y",
        "--witness", "Wendy Witness", "--cert-out", newRoot.toString(), "--old-with-new-out", oldWithNew.toString(),
        "--new-with-old-out", newWithOld.toString()};
    CustosProcess one = CustosProcess.runWithInput(Map.of(), old.get(2) + "\n", rollover);
    assertThat(one.exit()).isEqualTo(1);
    assertThat(one.stderr()).contains("SS-002 11.3.1");
    assertThat(Files.exists(newRoot)).isFalse();

    CustosProcess rolled = CustosProcess.runWithInput(Map.of(), old.get(2) + "\n" + old.get(0) + "\n", rollover);
    assertThat(rolled.exit()).as(rolled.stderr()).isZero();
    assertThat(rolled.stdout()).contains("old root key is kept");
    List<String> fresh = shares(rolled);
    assertThat(fresh).hasSize(3).noneMatch(old::contains);

    Path caAfter = dir.resolve("ca-after.pem");
    CustosProcess signNew = CustosProcess.runWithInput(Map.of(), fresh.get(1) + "\n" + fresh.get(2) + "\n",
        "--data-dir", data.toString(), "ceremony", "sign-ca", "--csr", csr("after").toString(), "--level",
        "subordinate", "--validity", "1y", "--witness", "Wendy Witness", "--out", caAfter.toString());
    assertThat(signNew.exit()).as(signNew.stderr()).isZero();
    CustosProcess stale = CustosProcess.runWithInput(Map.of(), oldTwo, "--data-dir", data.toString(), "ceremony",
        "sign-ca", "--csr", csr("stale").toString(), "--level", "subordinate", "--validity", "1y",
        "--witness", "Wendy Witness", "--out", dir.resolve("x.pem").toString());
    assertThat(stale.exit()).isEqualTo(1);
    assertThat(stale.stderr()).contains("not from this root's split");

    // Trusting only the new root: the old root's CA verifies through OldWithNew, and not without it.
    assertThat(openssl("verify", "-x509_strict", "-CAfile", newRoot.toString(), "-untrusted", oldWithNew.toString(),
        caBefore.toString())).contains(caBefore + ": OK");
    assertThat(openssl("verify", "-x509_strict", "-CAfile", newRoot.toString(), caBefore.toString()))
        .doesNotContain(caBefore + ": OK");
    // Trusting only the old root: the new root's CA verifies through NewWithOld.
    assertThat(openssl("verify", "-x509_strict", "-CAfile", oldRoot.toString(), "-untrusted", newWithOld.toString(),
        caAfter.toString())).contains(caAfter + ": OK");
    assertThat(openssl("verify", "-x509_strict", "-CAfile", oldRoot.toString(), caAfter.toString()))
        .doesNotContain(caAfter + ": OK");
    // The link certificates themselves, each against the root that signed it.
    assertThat(openssl("verify", "-x509_strict", "-partial_chain", "-CAfile", newRoot.toString(),
        oldWithNew.toString())).contains(": OK");
    assertThat(openssl("verify", "-x509_strict", "-partial_chain", "-CAfile", oldRoot.toString(),
        newWithOld.toString())).contains(": OK");

    // The old root, kept, signs its final CRL with the old shares.
    String serial = openssl("x509", "-in", oldRoot.toString(), "-noout", "-serial").strip().replace("serial=", "");
    Path finalCrl = dir.resolve("root-1.crl");
    CustosProcess crl = CustosProcess.runWithInput(Map.of(), oldTwo, "--data-dir", data.toString(), "ceremony", "crl",
        "--previous", serial, "--witness", "Wendy Witness", "--out", finalCrl.toString());
    assertThat(crl.exit()).as(crl.stderr()).isZero();
    assertThat(openssl("crl", "-in", finalCrl.toString(), "-CAfile", oldRoot.toString(), "-noout")).contains("verify OK");

    Path export = dir.resolve("offline.jsonl");
    Path key = dir.resolve("offline.key");
    CustosProcess exported = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "ceremony", "audit-export",
        "--key-out", key.toString());
    assertThat(exported.exit()).as(exported.stderr()).isZero();
    Files.writeString(export, String.join("\n", exported.out) + "\n");
    assertThat(Files.readString(export)).contains("\"ceremony.rollover\"").contains("{\"checkpoint\":");

    Path central = dir.resolve("central/audit.jsonl");
    try (CustosProcess server = CustosProcess.start(Map.of("CUSTOS_AUDIT_FILE", central.toString()), "--data-dir",
        dir.resolve("online").toString(), "server", "--dev", "--dev-root-token", "T", "--listen", "127.0.0.1:0")) {
      String line = server.await(server.out, l -> l.trim().startsWith("Address:"), CustosProcess.START_TIMEOUT);
      Map<String, String> env = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim(), "CUSTOS_TOKEN", "T");

      Path tampered = dir.resolve("tampered.jsonl");
      Files.writeString(tampered, Files.readString(export).replaceFirst("Wendy Witness", "Wendy Witnesz"));
      CustosProcess bad = CustosProcess.run(env, "audit", "import", tampered.toString(), "--key", key.toString());
      assertThat(bad.exit()).isNotZero();
      assertThat(bad.stderr()).contains("SS-002 11.7.1").contains("nothing imported");

      CustosProcess imported = CustosProcess.run(env, "audit", "import", export.toString(), "--key", key.toString());
      assertThat(imported.exit()).as(imported.stderr()).isZero();
      assertThat(imported.stdout()).contains("pinned").containsPattern("Imported [1-9][0-9]* new events");
      CustosProcess again = CustosProcess.run(env, "audit", "import", export.toString());
      assertThat(again.exit()).as(again.stderr()).isZero();
      assertThat(again.stdout()).contains("Imported 0 new events");

      Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
      while (!(Files.exists(central) && Files.readString(central).contains("\"offline.ceremony.rollover\""))
          && Instant.now().isBefore(deadline)) {
        Thread.sleep(200);
      }
      String centrally = Files.readString(central);
      assertThat(centrally).contains("\"offline.ceremony.init_root\"", "\"offline.ceremony.sign_ca\"",
          "\"offline.ceremony.rollover\"", "Wendy Witness");
      for (String s : old) {
        assertThat(centrally).doesNotContain(s);
      }
    }
  }
}
