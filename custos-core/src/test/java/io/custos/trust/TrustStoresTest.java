package io.custos.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.access.AccessControl;
import io.custos.access.Caller;
import io.custos.access.Principal;
import io.custos.access.PrincipalKind;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.store.MemoryRecordStore;
import io.custos.store.StoredRecord;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trust stores with a throw-away PKI made by openssl: root, intermediate, leaves, a stranger CA. */
class TrustStoresTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  @TempDir static Path dir;
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private Instant now = Instant.now();
  private final Clock clock = io.custos.TestClocks.following(() -> now);
  private final TrustStores trust = new TrustStores(records, () -> barrier, MODULE, clock);

  @BeforeAll
  static void pki() throws Exception {
    ca("root", null);
    ca("issuing", "root");
    ca("stranger", null);
    leaf("machine", "issuing");
    leaf("direct", "root");
    leaf("outsider", "stranger");
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "selfleaf.key", "-out", "selfleaf.pem", "-days", "2", "-subj", "/CN=not a CA",
        "-addext", "basicConstraints=critical,CA:FALSE");
  }

  @AfterEach
  void close() {
    barrier.close();
  }

  static String pem(String name) throws Exception {
    return Files.readString(dir.resolve(name + ".pem"));
  }

  static X509Certificate cert(String name) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(pem(name).getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  @DisplayName("SS-002 11.4.5 — implicit deny: a chain is trusted only if it validates to an anchor of that store")
  void implicitDeny() throws Exception {
    List<X509Certificate> chain = List.of(cert("machine"), cert("issuing"));
    assertThat(trust.verify("clients", chain).trusted()).as("missing store").isFalse();
    trust.importAnchors("clients", pem("root"));
    assertThat(trust.verify("clients", chain).trusted()).isTrue();
    assertThat(trust.verify("clients", List.of(cert("machine"), cert("issuing"), cert("root"))).trusted()).isTrue();
    assertThat(trust.verify("clients", List.of(cert("direct"))).trusted()).isTrue();
    assertThat(trust.verify("clients", List.of(cert("machine"))).trusted()).as("intermediate missing").isFalse();
    assertThat(trust.verify("clients", List.of(cert("outsider"), cert("stranger"))).trusted()).isFalse();
    assertThat(trust.verify("other", chain).trusted()).as("another store").isFalse();
    assertThat(trust.verify("clients", List.of(cert("root"))).trusted()).as("an anchor is no end entity").isFalse();
    // Expired by the clock: refused.
    now = now.plus(Duration.ofDays(3));
    assertThat(trust.verify("clients", chain).trusted()).isFalse();
    now = Instant.now();
    // Removing the anchor empties the store: it trusts nothing.
    TrustStores.Store s = trust.remove("clients", fingerprint("root"));
    assertThat(s.anchors()).isEmpty();
    assertThat(trust.verify("clients", chain)).satisfies(v -> {
      assertThat(v.trusted()).isFalse();
      assertThat(v.reason()).contains("trusts nothing");
    });
  }

  @Test
  @DisplayName("import is strict: only valid CA certificates, bounded, each refusal names the certificate and reason")
  void strictImport() throws Exception {
    assertThatThrownBy(() -> trust.importAnchors("clients", pem("machine")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("certificate 1 (CN=machine)")
        .hasMessageContaining("not a CA certificate");
    assertThatThrownBy(() -> trust.importAnchors("clients", pem("selfleaf"))).hasMessageContaining("not a CA");
    assertThatThrownBy(() -> trust.importAnchors("clients", pem("root") + Files.readString(dir.resolve("root.key"))))
        .hasMessageContaining("PEM block 2 is 'PRIVATE KEY'");
    assertThatThrownBy(() -> trust.importAnchors("clients", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
        .hasMessageContaining("not a valid DER X.509 certificate");
    assertThatThrownBy(() -> trust.importAnchors("clients", "x".repeat(70_000))).hasMessageContaining("longer than");
    assertThatThrownBy(() -> trust.importAnchors("Bad Name", pem("root"))).hasMessageContaining("trust store name");
    assertThat(trust.store("clients")).as("nothing was added by failed imports").isEmpty();
    now = now.plus(Duration.ofDays(3));
    assertThatThrownBy(() -> trust.importAnchors("clients", pem("root"))).hasMessageContaining("expired");
    now = Instant.now();

    TrustStores.Imported first = trust.importAnchors("clients", pem("root") + pem("issuing"));
    assertThat(first.added()).hasSize(2);
    TrustStores.Imported again = trust.importAnchors("clients", pem("root"));
    assertThat(again.added()).isEmpty();
    assertThat(again.alreadyPresent()).isEqualTo(1);
    TrustStores.Store s = trust.require("clients");
    assertThat(s.anchors()).extracting(TrustStores.Anchor::subject).containsExactlyInAnyOrder("CN=Custos test root",
        "CN=Custos test issuing");
    assertThat(s.pem()).contains(pem("root").strip());
    assertThat(trust.names()).containsExactly("clients");
    assertThatThrownBy(() -> trust.remove("clients", "00".repeat(32))).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> trust.require("nope")).isInstanceOf(NotFoundException.class);
  }

  @Test
  @DisplayName("SS-002 11.4.6 — a store whose contents do not match their MAC is refused loudly, even re-sealed")
  void integrity() throws Exception {
    trust.importAnchors("clients", pem("root"));
    trust.importAnchors("partners", pem("stranger"));
    // An attacker who could write through the barrier adds the stranger CA to 'clients'.
    StoredRecord r = records.get(TrustStores.TYPE, "clients").orElseThrow();
    byte[] plain = barrier.open(TrustStores.TYPE, "clients", r.version(), r.payload());
    StoredRecord partners = records.get(TrustStores.TYPE, "partners").orElseThrow();
    byte[] other = barrier.open(TrustStores.TYPE, "partners", partners.version(), partners.payload());
    byte[] tampered = plain.clone();
    tampered[tampered.length - 1] ^= 0x01; // a bit of the anchor's signature
    records.put(TrustStores.TYPE, "clients", barrier.seal(TrustStores.TYPE, "clients", r.version() + 1, tampered),
        r.version());
    assertThatThrownBy(() -> trust.store("clients")).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("SS-002 11.4.6").hasMessageContaining("integrity");
    assertThatThrownBy(() -> trust.verify("clients", List.of(cert("direct")))).isInstanceOf(ControlViolationException.class);
    assertThatThrownBy(() -> trust.importAnchors("clients", pem("issuing"))).isInstanceOf(ControlViolationException.class);

    // Swapping in another store's (valid) contents, re-sealed under this name, is caught too.
    StoredRecord now2 = records.get(TrustStores.TYPE, "clients").orElseThrow();
    records.put(TrustStores.TYPE, "clients", barrier.seal(TrustStores.TYPE, "clients", now2.version() + 1, other),
        now2.version());
    assertThatThrownBy(() -> trust.verify("clients", List.of(cert("outsider")))).isInstanceOf(ControlViolationException.class);

    // The authenticator treats a refused store as trusting nothing.
    AccessControl access = new AccessControl(records, () -> barrier, MODULE, clock);
    access.createPrincipal(new Principal("robot", PrincipalKind.MACHINE, "Robot", "robot@example.com", Optional.empty(),
        List.of("auditor"), List.of(), List.of(spki("outsider")), false, now));
    ClientCertificates auth = new ClientCertificates(access, trust);
    assertThat(auth.certificateChain(List.of(cert("outsider"), cert("stranger")), "", "r")).isEmpty();
  }

  @Test
  @DisplayName("client certificates: the chain must reach the 'clients' store and the key must be bound")
  void clientCertificates() throws Exception {
    AccessControl access = new AccessControl(records, () -> barrier, MODULE, clock);
    access.createPrincipal(new Principal("robot", PrincipalKind.MACHINE, "Robot", "robot@example.com", Optional.empty(),
        List.of("auditor"), List.of(), List.of(spki("machine"), spki("outsider")), false, now));
    ClientCertificates auth = new ClientCertificates(access, trust);
    List<X509Certificate> chain = List.of(cert("machine"), cert("issuing"));
    assertThat(auth.certificateChain(chain, "", "r")).isEmpty();
    trust.importAnchors(TrustStores.CLIENTS, pem("root"));
    assertThat(auth.certificateChain(chain, "", "r")).map(Caller::principalId).hasValue("robot");
    assertThat(auth.certificateChain(List.of(cert("outsider"), cert("stranger")), "", "r")).as("untrusted CA").isEmpty();
    assertThat(auth.certificateChain(List.of(cert("direct")), "", "r")).as("unbound").isEmpty();
    assertThat(auth.certificate(cert("machine").getPublicKey().getEncoded(), "", "r")).as("no chain").isEmpty();
    access.revokeCertificate(spki("machine"));
    assertThat(auth.certificateChain(chain, "", "r")).isEmpty();
  }

  static String spki(String name) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert(name).getPublicKey().getEncoded()));
  }

  static String fingerprint(String name) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert(name).getEncoded()));
  }

  private static void ca(String name, String issuer) throws Exception {
    if (issuer == null) {
      openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=Custos test " + name,
          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
      return;
    }
    Files.writeString(dir.resolve(name + ".ext"),
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n");
    sign(name, issuer, "/CN=Custos test " + name);
  }

  private static void leaf(String name, String issuer) throws Exception {
    Files.writeString(dir.resolve(name + ".ext"), "basicConstraints=critical,CA:FALSE\n"
        + "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
    sign(name, issuer, "/CN=" + name);
  }

  private static void sign(String name, String issuer, String subject) throws Exception {
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
    openssl("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
        "-set_serial", "0x" + Long.toHexString(System.nanoTime()), "-days", "2", "-extfile", name + ".ext",
        "-out", name + ".pem");
  }

  static void openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + output);
    }
  }
}
