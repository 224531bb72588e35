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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The offline root's certificates and CRLs, checked by openssl. */
class CeremonyInteropIT {
  @TempDir Path dir;

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  @ParameterizedTest(name = "{0} root")
  @ValueSource(strings = {"ecdsa-p384", "rsa-4096"})
  @DisplayName("init-root, an openssl P-256 subordinate CSR signed in a 2-of-3 ceremony, and the root CRL all verify with openssl")
  void opensslVerifies(String algorithm) throws Exception {
    try (AuditLog audit = AuditLog.open(new MemoryAuditRecords(), Optional.empty(), "ceremony-it", "ceremony-it",
        Clock.systemUTC(), AuditLog.Settings.defaults())) {
      Ceremonies c = new Ceremonies(new MemoryRecordStore(), audit, FipsCryptoModule.start(),
          AsymmetricProviders.select("auto"), Clock.systemUTC());
      List<String> shares;
      Path root = dir.resolve("root.pem");
      try (Ceremonies.Initialised done = c.initRoot("CN=Interop Root CA,O=Example,C=GB", algorithm,
          CaLevel.ROOT.maxLifetime(), 3, 2, "Wendy Witness")) {
        shares = done.shares().stream().map(UnsealShare::text).toList();
        Files.writeString(root, Certificates.pem("CERTIFICATE", done.rootCertificate()));
      }
      Path csr = dir.resolve("issuing.csr");
      String log = run("openssl", "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-keyout", dir.resolve("issuing.key").toString(), "-out", csr.toString(),
          "-subj", "/CN=Interop Issuing CA/O=Example/C=GB");
      assertThat(Files.exists(csr)).as(log).isTrue();

      Ceremonies.SignedCa signed = c.signCa(List.of(shares.get(0), shares.get(2)), "Wendy Witness",
          Files.readAllBytes(csr), CaLevel.SUBORDINATE, Duration.ofDays(5 * 365), Optional.of("http://pki.example.com"));
      Path issuing = dir.resolve("issuing.pem");
      Files.writeString(issuing, Certificates.pem("CERTIFICATE", signed.certificate()));
      assertThat(run("openssl", "verify", "-x509_strict", "-CAfile", root.toString(), issuing.toString()))
          .contains(issuing + ": OK");

      Path crl = dir.resolve("crl.pem");
      Files.writeString(crl, Certificates.pem("X509 CRL", c.crl(List.of(shares.get(1), shares.get(2)), "Wendy Witness",
          Duration.ofDays(30))));
      assertThat(run("openssl", "crl", "-in", crl.toString(), "-CAfile", root.toString(), "-noout"))
          .contains("verify OK");
      assertThat(run("openssl", "crl", "-in", crl.toString(), "-noout", "-text")).contains("CRL Number")
          .contains("Authority Key Identifier");
      // The chain with the CRL checked: not revoked yet.
      assertThat(run("openssl", "verify", "-x509_strict", "-crl_check", "-CAfile", root.toString(), "-CRLfile",
          crl.toString(), issuing.toString())).contains(": OK");

      c.revokeCa(List.of(shares.get(0), shares.get(1)), "Wendy Witness",
          Ceremonies.x509(signed.certificate()).getSerialNumber(), "keyCompromise");
      Files.writeString(crl, Certificates.pem("X509 CRL", c.crl(List.of(shares.get(1), shares.get(2)), "Wendy Witness",
          Duration.ofDays(30))));
      assertThat(run("openssl", "verify", "-x509_strict", "-crl_check", "-CAfile", root.toString(), "-CRLfile",
          crl.toString(), issuing.toString())).contains("certificate revoked");
    }
  }
}
