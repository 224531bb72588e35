package io.custos.ceremony;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.audit.AuditLog;
import io.custos.audit.MemoryAuditRecords;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.FipsCryptoModule;
import io.custos.seal.UnsealShare;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import io.custos.x509.Certificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Root key rollover across algorithms and subjects, checked by openssl in both directions. */
class CeremonyRolloverInteropIT {
  @TempDir Path dir;

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  private Path pem(String name, byte[] der) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, Certificates.pem("CERTIFICATE", der));
    return f;
  }

  private byte[] csr(String name) throws Exception {
    Path csr = dir.resolve(name + ".csr");
    String log = run("openssl", "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-keyout", dir.resolve(name + ".key").toString(), "-out", csr.toString(), "-subj", "/CN=" + name + "/O=Example");
    assertThat(Files.exists(csr)).as(log).isTrue();
    return Files.readAllBytes(csr);
  }

  @ParameterizedTest(name = "{0} root → {1} root, new subject ''{2}''")
  @CsvSource({"ecdsa-p384, rsa-4096, CN=Interop Root CA 2;O=Example;C=GB", "rsa-4096, ecdsa-p384, ''"})
  @DisplayName("SS-002 11.3.1 — rollover link certificates pass openssl verify -x509_strict in both directions")
  void opensslBothWays(String from, String to, String subject) throws Exception {
    try (AuditLog audit = AuditLog.open(new MemoryAuditRecords(), Optional.empty(), "rollover-it", "rollover-it",
        Clock.systemUTC(), AuditLog.Settings.defaults())) {
      Ceremonies c = new Ceremonies(new MemoryRecordStore(), audit, FipsCryptoModule.start(),
          AsymmetricProviders.select("auto"), Clock.systemUTC());
      List<String> shares;
      try (Ceremonies.Initialised done = c.initRoot("CN=Interop Root CA,O=Example,C=GB", from,
          Duration.ofDays(3650), 3, 2, "Wendy Witness")) {
        shares = done.shares().stream().map(UnsealShare::text).toList();
      }
      Path oldRoot = pem("old-root.pem", c.root().certificate());
      Path before = pem("before.pem", c.signCa(shares.subList(0, 2), "Wendy Witness", csr("before"),
          CaLevel.SUBORDINATE, Duration.ofDays(365), Optional.empty()).certificate());
      List<String> fresh;
      Path newRoot;
      Path oldWithNew;
      Path newWithOld;
      try (Ceremonies.RolledOver r = c.rollover(shares.subList(1, 3), "Wendy Witness", to,
          subject.isEmpty() ? Optional.empty() : Optional.of(subject.replace(';', ',')), CaLevel.ROOT.maxLifetime(),
          Optional.empty(), Optional.empty(), false)) {
        fresh = r.shares().stream().map(UnsealShare::text).toList();
        newRoot = pem("new-root.pem", r.newRoot());
        oldWithNew = pem("old-with-new.pem", r.oldWithNew());
        newWithOld = pem("new-with-old.pem", r.newWithOld());
      }
      Path after = pem("after.pem", c.signCa(fresh.subList(0, 2), "Wendy Witness", csr("after"),
          CaLevel.SUBORDINATE, Duration.ofDays(365), Optional.empty()).certificate());

      assertThat(run("openssl", "verify", "-x509_strict", "-CAfile", newRoot.toString(), "-untrusted",
          oldWithNew.toString(), before.toString())).contains(before + ": OK");
      assertThat(run("openssl", "verify", "-x509_strict", "-CAfile", oldRoot.toString(), "-untrusted",
          newWithOld.toString(), after.toString())).contains(after + ": OK");
      assertThat(run("openssl", "verify", "-x509_strict", "-CAfile", newRoot.toString(), before.toString()))
          .doesNotContain(": OK");
      assertThat(run("openssl", "verify", "-x509_strict", "-CAfile", oldRoot.toString(), after.toString()))
          .doesNotContain(": OK");
      assertThat(run("openssl", "x509", "-in", newWithOld.toString(), "-noout", "-text"))
          .contains("CA:TRUE").contains("Certificate Sign, CRL Sign");
    }
  }
}
