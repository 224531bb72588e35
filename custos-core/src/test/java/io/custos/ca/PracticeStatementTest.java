package io.custos.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.access.AccessControl;
import io.custos.access.Caller;
import io.custos.access.Grant;
import io.custos.access.Policy;
import io.custos.access.Principal;
import io.custos.access.PrincipalKind;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.SignatureVerifier;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.MemoryCertificateRecords;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import io.custos.x509.Certificates;
import io.custos.x509.Profile;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PracticeStatementTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, Clock.systemUTC());
  private KeyManager keys;
  private CertificateAuthority ca;
  private Caller officer;
  private final Instant now = Instant.parse("2026-11-29T12:00:00Z");

  @BeforeEach
  void setUp() {
    keys = new KeyManager(records, () -> barrier, MODULE, PROVIDER, AlgorithmPolicy.defaults(), access, Clock.systemUTC());
    Profile partner = new Profile("partner-vpn", "Partner VPN gateways", Set.of("ecdsa-p384"), 3072,
        Set.of("digitalSignature"), List.of("serverAuth", "clientAuth"), Set.of("dns"), true, List.of("CN", "O"),
        Duration.ofDays(123), List.of("1.2.826.0.1.999.1"), true, false);
    ca = new CertificateAuthority(records, () -> barrier, keys, new MemoryCertificateRecords(), access,
        SignatureVerifier.of(PROVIDER), MODULE.drbg(), Clock.systemUTC(), id -> Optional.empty(), "http://127.0.0.1:8200",
        List.of(partner));
    access.writePolicy(new Policy("officer", 0, "", List.of(Grant.of("ca:*", "ca/**")), Set.of(), Policy.DEFAULT_STEP_UP));
    access.createPrincipal(new Principal("alice", PrincipalKind.PERSON, "Alice Officer", "alice@example.com",
        Optional.empty(), List.of("crypto-officer"), List.of("officer"), List.of(), false, Instant.now()));
    officer = new Caller("alice", "token", "", "r", Optional.of(Instant.now()));
    ca.createDevRoot(officer, "root", "ecdsa-p384", "CN=Example Root,O=Example Ltd,C=GB", Duration.ofDays(3650));
    ca.create(officer, "issuing-1", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Example Issuing 1,O=Example Ltd,C=GB");
    ca.signSubordinate(officer, "root", "issuing-1", Duration.ofDays(365 * 3));
  }

  @AfterEach
  void tearDown() {
    keys.close();
    barrier.close();
  }

  private PracticeStatement.Settings settings() {
    return PracticeStatement.Settings.defaults("Example Ltd", "https://pki.example.com", now);
  }

  @Test
  @DisplayName("SS-002 11.1.7 — the CPS states the configured CRL, OCSP and warning schedule, not the defaults")
  void configuredSchedule() {
    PracticeStatement.Schedule schedule = new PracticeStatement.Schedule(Duration.ofHours(12), Duration.ofHours(3),
        Optional.of(Duration.ofHours(2)), List.of(Duration.ofDays(14), Duration.ofDays(2)));
    String md = PracticeStatement.render(ca.list(officer), ca.profiles(),
        PracticeStatement.Settings.of("Example Ltd", "https://pki.example.com", schedule, now),
        PracticeStatement.Format.MARKDOWN);
    assertThat(md).contains("12 hours").contains("every 3 hours").contains("14 days, 2 days")
        .doesNotContain("every 6 hours").doesNotContain("as served by the OCSP responder");
  }

  @Test
  @DisplayName("SS-002 11.1.7 — every RFC 3647 section, filled from the live hierarchy and profiles")
  void sectionsAndLiveValues() {
    String md = PracticeStatement.render(ca.list(officer), ca.profiles(), settings(), PracticeStatement.Format.MARKDOWN);
    for (String s : List.of("## 1 Introduction", "## 2 Publication and repository responsibilities",
        "## 3 Identification and authentication", "## 4 Certificate life-cycle operational requirements",
        "## 5 Facility, management and operational controls", "## 6 Technical security controls",
        "## 7 Certificate, CRL and OCSP profiles", "## 8 Compliance audit and other assessments",
        "## 9 Other business and legal matters")) {
      assertThat(md).contains(s);
    }
    assertThat(md).contains("issuing-1").contains("CN=Example Issuing 1,O=Example Ltd,C=GB")
        .contains("ecdsa-p256").contains("subordinate").contains("1095 days")
        .contains("partner-vpn").contains("123 days").contains("1.2.826.0.1.999.1")
        .contains("| 365 days |") // a built-in profile's lifetime
        .contains("online root \\(development only\\)")
        .contains("24 hours").contains("every 6 hours").contains("30 days, 7 days, 24 hours")
        .contains("AES-256-GCM").contains("3 of 5 custodians");
    // The same inputs, the same document.
    assertThat(PracticeStatement.render(ca.list(officer), ca.profiles(), settings(), PracticeStatement.Format.MARKDOWN))
        .isEqualTo(md);
  }

  @Test
  @DisplayName("HTML escapes what configuration holds: a subject with < and & cannot inject markup")
  void htmlEscapes() {
    List<CaState> cas = new ArrayList<>(ca.list(officer));
    cas.add(new CaState("evil", CaLevel.SUBORDINATE, "ca.evil", "pending",
        Certificates.name("CN=Evil \\<script\\>alert(1)\\</script\\> & Co"), Optional.empty(), List.of(), "alice",
        now, Optional.empty()));
    String html = PracticeStatement.render(cas, ca.profiles(), settings(), PracticeStatement.Format.HTML);
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<h2>9 Other business and legal matters</h2>")
        .contains("<td>issuing-1</td>").contains("&lt;script").contains("&amp; Co")
        .doesNotContain("<script").contains("<td>123 days</td>");
    String md = PracticeStatement.render(cas, ca.profiles(), settings(), PracticeStatement.Format.MARKDOWN);
    assertThat(md).contains("Evil \\\\\\<script\\\\\\>");
  }
}
