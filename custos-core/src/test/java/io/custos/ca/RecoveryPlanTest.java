package io.custos.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.access.AccessControl;
import io.custos.access.Caller;
import io.custos.access.Grant;
import io.custos.access.Policy;
import io.custos.access.Principal;
import io.custos.access.PrincipalKind;
import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.audit.MemoryAuditRecords;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.SignatureVerifier;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.kms.KeyPurpose;
import io.custos.kms.KeySpec;
import io.custos.store.MemoryCertificateRecords;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RecoveryPlanTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private static final ASN1ObjectIdentifier ECDSA_SHA256 = new ASN1ObjectIdentifier("1.2.840.10045.4.3.2");
  private static final List<String> TITLES = List.of("Who is notified", "Who performs recovery", "Re-key method",
      "Inventory of keys and their uses", "Monitoring the re-keying",
      "Information that may be compromised and signatures that may be invalid", "Distribution of new key material",
      "Installing the new key material");
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private final MemoryCertificateRecords certs = new MemoryCertificateRecords();
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, Clock.systemUTC());
  private AuditLog audit;
  private KeyManager keys;
  private CertificateAuthority ca;
  private Caller officer;
  private String leafSerial;
  private RecoveryPlan plans;

  @BeforeEach
  void setUp() throws Exception {
    audit = AuditLog.open(new MemoryAuditRecords(), Optional.empty(), "plan-test", "plan-test", Clock.systemUTC(),
        AuditLog.Settings.defaults());
    keys = new KeyManager(records, () -> barrier, MODULE, PROVIDER, AlgorithmPolicy.defaults(), access, Clock.systemUTC());
    ca = new CertificateAuthority(records, () -> barrier, keys, certs, access, SignatureVerifier.of(PROVIDER), MODULE.drbg(),
        Clock.systemUTC(), id -> access.principal(id).map(p -> new CertificateAuthority.Owner(p.id(), p.displayName(),
            p.email())), "http://127.0.0.1:8200", List.of());
    access.writePolicy(new Policy("officer-issue", 0, "", List.of(Grant.of("ca:issue", "ca/**")), Set.of(),
        Policy.DEFAULT_STEP_UP));
    access.createPrincipal(new Principal("alice", PrincipalKind.PERSON, "Alice Officer", "alice@example.com",
        Optional.of("+44 20 7946 0000"), List.of("crypto-officer"), List.of("officer-issue"), List.of(), false,
        Instant.now()));
    access.createPrincipal(new Principal("carol", PrincipalKind.PERSON, "Carol Custodian", "carol@example.com",
        Optional.empty(), List.of("custodian"), List.of(), List.of(), false, Instant.now()));
    access.createPrincipal(new Principal("audrey", PrincipalKind.PERSON, "Audrey Auditor", "audrey@example.com",
        Optional.empty(), List.of("auditor"), List.of(), List.of(), false, Instant.now()));
    access.createPrincipal(new Principal("web", PrincipalKind.MACHINE, "Web shop", "web-team@example.com",
        Optional.empty(), List.of("requester"), List.of(), List.of(), false, Instant.now()));
    officer = new Caller("alice", "token", "", "r", Optional.of(Instant.now()));
    ca.createDevRoot(officer, "root", "ecdsa-p384", "CN=Test Root,O=Example Ltd,C=GB", Duration.ofDays(365 * 10));
    ca.create(officer, "issuing", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(officer, "root", "issuing", Duration.ofDays(365 * 3));
    byte[] req = CertificateAuthorityTest.csr(CertificateAuthorityTest.ec(), "SHA256withECDSA", ECDSA_SHA256,
        "CN=shop.example.com", List.of("shop.example.com"));
    leafSerial = ca.issue(officer, "issuing", "tls-server", req, "web", Optional.of(Duration.ofDays(90))).serial();
    keys.create(officer, new KeySpec("release-signing", KeyPurpose.SIGN, "ecdsa-p256", "alice", Optional.empty(),
        Optional.empty(), false, Optional.empty(), Optional.empty(), false));
    keys.sign(officer, "release-signing", "release 1.0".getBytes(StandardCharsets.UTF_8));
    // What the key routes record for a signature (the route, not the core, writes audit events).
    audit.record(AuditDraft.ok("req-1", new AuditEvent.Principal("alice", "token"), "kms.sign",
        "kms/keys/release-signing", "127.0.0.1", Map.of("version", "1")));
    audit.record(AuditDraft.ok("req-2", new AuditEvent.Principal("alice", "token"), "kms.read",
        "kms/keys/release-signing", "127.0.0.1", Map.of()));
    plans = new RecoveryPlan(ca, keys, certs, access, audit, access,
        new RecoveryPlan.Settings(List.of("Security Operations Centre <soc@example.com>, +44 20 7946 0999"),
            Set.of("issuing")), Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    audit.close();
    keys.close();
    barrier.close();
  }

  private static RecoveryPlan.Part part(RecoveryPlan.Plan plan, String letter) {
    return plan.parts().stream().filter(p -> p.letter().equals(letter)).findFirst().orElseThrow();
  }

  private static String all(RecoveryPlan.Part p) {
    return String.join("\n", p.text()) + "\n" + String.join("\n", p.items()) + "\n" + p.rows();
  }

  @Test
  @DisplayName("SS-002 11.6.3 — the plan for a CA has all eight parts, (a) to (h), each filled from live data")
  void caPlanHasEightParts() {
    RecoveryPlan.Plan plan = plans.build(officer, Optional.empty(), Optional.of("issuing"));
    assertThat(plan.parts()).extracting(RecoveryPlan.Part::letter).containsExactly("a", "b", "c", "d", "e", "f", "g", "h");
    assertThat(plan.parts()).extracting(RecoveryPlan.Part::title).containsExactlyElementsOf(TITLES);
    assertThat(all(part(plan, "a"))).contains("Security Operations Centre <soc@example.com>", "Alice Officer (alice)",
        "web-team@example.com");
    assertThat(all(part(plan, "b"))).contains("Alice Officer (alice)", "+44 20 7946 0000", "Carol Custodian (carol)",
        "custodian").doesNotContain("Audrey");
    assertThat(all(part(plan, "c"))).contains("custos ca create issuing-2 --level subordinate --algorithm ecdsa-p256",
        "custos ca activate issuing-2");
    assertThat(all(part(plan, "d"))).contains("release-signing", "signs objects", "ca.issuing",
        "signs certificates and CRLs of CA issuing (subordinate, active)");
    assertThat(all(part(plan, "e"))).contains("custos_operations_total", "custos audit search --action compromise.*",
        "custos cert list --ca issuing");
    assertThat(all(part(plan, "f"))).contains("custos audit search --action cert.issued --resource ca/issuing/*",
        "certificate " + leafSerial, "CN=shop.example.com");
    assertThat(all(part(plan, "g"))).contains("custos ca chain", "custos trust import");
    assertThat(all(part(plan, "h"))).contains("custos compromise declare --key ca.issuing", "ceremony revoke-ca");
    assertThat(plan.summary()).anySatisfy(s -> assertThat(s).contains("Availability first (SS-002 11.6.2"));
  }

  @Test
  @DisplayName("SS-002 11.6.3 (f) — for a signing key the plan lists the signatures made with it, from the audit log")
  void keyPlanListsSignatures() {
    RecoveryPlan.Plan plan = plans.build(officer, Optional.of("release-signing"), Optional.empty());
    RecoveryPlan.Part f = part(plan, "f");
    assertThat(f.rows()).hasSize(1).first().satisfies(r -> assertThat(r).contains("kms.sign", "alice", "version 1"));
    assertThat(all(f)).contains("custos audit search --resource kms/keys/release-signing --action kms.sign",
        "custos audit search --resource kms/keys/release-signing --action kms.unwrap");
    assertThat(all(part(plan, "c"))).contains("custos key create release-signing-2 --purpose sign --algorithm ecdsa-p256");
    assertThat(plan.summary()).anySatisfy(s -> assertThat(s).contains("revoke at once: custos compromise declare --key "
        + "release-signing"));
  }

  @Test
  @DisplayName("SS-002 11.6.3 — Markdown, HTML (escaped) and JSON renderings carry the same eight parts")
  void renderings() {
    RecoveryPlan.Plan plan = plans.build(officer, Optional.empty(), Optional.of("issuing"));
    String md = RecoveryPlan.render(plan, RecoveryPlan.Format.of("md"));
    for (String l : List.of("a", "b", "c", "d", "e", "f", "g", "h")) {
      assertThat(md).contains("## \\(" + l + "\\) ");
    }
    String html = RecoveryPlan.render(plan, RecoveryPlan.Format.of("html"));
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<title>Key compromise recovery plan — CA issuing")
        .contains("<h2>(h) Installing the new key material</h2>").contains("&lt;soc@example.com&gt;")
        .doesNotContain("<soc@example.com>");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> parts = (List<Map<String, Object>>) plan.toMap().get("parts");
    assertThat(parts).hasSize(8);
    assertThat(parts.get(3)).containsKey("table");
    assertThatThrownBy(() -> RecoveryPlan.Format.of("pdf")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("md, html or json");
  }

  @Test
  @DisplayName("readable by custodians, crypto officers and auditors; unknown CAs and keys are named")
  void access() {
    for (String who : List.of("carol", "audrey", "alice")) {
      assertThat(plans.build(new Caller(who, "token", "", "r", Optional.of(Instant.now())), Optional.empty(),
          Optional.empty()).parts()).hasSize(8);
    }
    assertThatThrownBy(() -> plans.build(new Caller("web", "token", "", "r"), Optional.empty(), Optional.empty()))
        .isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> plans.build(officer, Optional.empty(), Optional.of("nope")))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("nope");
    assertThatThrownBy(() -> plans.build(officer, Optional.of("release-signing"), Optional.of("issuing")))
        .isInstanceOf(InvalidInputException.class);
  }
}
