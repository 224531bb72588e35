package io.custos.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.custos.failure.ConflictException;
import io.custos.failure.ControlViolationException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.MemoryCertificateRecords;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import io.custos.x509.Profile;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Custom certificate profiles (SS-002 11.1.6, 11.1.8, 11.3.3, 11.1.9). */
class CustomProfilesTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private static final String POLICY = "1.3.6.1.4.1.99999.7.1";
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private final MemoryCertificateRecords certs = new MemoryCertificateRecords();
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, Clock.systemUTC());
  private KeyManager keys;
  private CertificateAuthority ca;
  private Caller officer;
  private Caller requester;

  private CertificateAuthority authority(List<Profile> extra) {
    return new CertificateAuthority(records, () -> barrier, keys, certs, access, SignatureVerifier.of(PROVIDER),
        MODULE.drbg(), Clock.systemUTC(), id -> access.principal(id).map(p -> new CertificateAuthority.Owner(p.id(),
            p.displayName(), p.email())), "http://127.0.0.1:8200", extra);
  }

  @BeforeEach
  void setUp() {
    keys = new KeyManager(records, () -> barrier, MODULE, PROVIDER, AlgorithmPolicy.defaults(), access, Clock.systemUTC());
    ca = authority(List.of(ProfileDocument.parse("config-mtls", partnerDoc())));
    access.writePolicy(new Policy("officer", 0, "", List.of(Grant.of("ca:issue", "ca/**"), Grant.of("ca:read", "ca/**"),
        Grant.of("ca:profile", "ca/profiles/**")), Set.of(), Policy.DEFAULT_STEP_UP));
    access.writePolicy(new Policy("reader", 0, "", List.of(Grant.of("ca:read", "ca/**")), Set.of(), Policy.DEFAULT_STEP_UP));
    access.createPrincipal(new Principal("alice", PrincipalKind.PERSON, "Alice Officer", "alice@example.com",
        Optional.empty(), List.of("crypto-officer"), List.of("officer"), List.of(), false, Instant.now()));
    access.createPrincipal(new Principal("bob", PrincipalKind.PERSON, "Bob Reader", "bob@example.com",
        Optional.empty(), List.of(), List.of("reader"), List.of(), false, Instant.now()));
    officer = new Caller("alice", "token", "", "r", Optional.of(Instant.now()));
    requester = new Caller("bob", "token", "", "r", Optional.of(Instant.now()));
    ca.createDevRoot(officer, "root", "ecdsa-p384", "CN=Test Root,O=Example Ltd,C=GB", Duration.ofDays(365 * 10));
    ca.create(officer, "issuing", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Test Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(officer, "root", "issuing", Duration.ofDays(365 * 3));
  }

  @AfterEach
  void tearDown() {
    keys.close();
    barrier.close();
  }

  private static Map<String, Object> partnerDoc() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("description", "Partner mutual TLS");
    d.put("key_algorithms", List.of("ecdsa-p256", "ecdsa-p384"));
    d.put("key_usage", List.of("digitalSignature"));
    d.put("extended_key_usage", List.of("clientAuth"));
    d.put("san_types", List.of("dns"));
    d.put("require_san", true);
    d.put("required_subject_fields", List.of("CN", "O"));
    d.put("max_lifetime", "90d");
    d.put("policy_oids", List.of(POLICY));
    d.put("server_keygen", true);
    return d;
  }

  @Test
  @DisplayName("SS-002 11.1.6, 11.1.8 — a custom profile issues certificates with its own policy OID, EKU, lifetime limit and subject rules")
  void customProfileIssues() throws Exception {
    CertificateAuthority.ProfileEntry put = ca.putProfile(officer, "partner-mtls", partnerDoc());
    assertThat(put.source()).isEqualTo("api");
    try (var pw = io.custos.crypto.SecretBytes.copyOf("sixteen chars or more".getBytes())) {
      CertificateAuthority.IssuedWithKey out = ca.issueWithGeneratedKey(officer, "issuing", "partner-mtls",
          new CertificateAuthority.KeyGenerationRequest("ecdsa-p384", "CN=api.partner.example,O=Partner Ltd",
              List.of("api.partner.example"), List.of()),
          CertificateAuthority.KeyDelivery.password(pw), "alice", Optional.of(Duration.ofDays(60)));
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(out.issued().certificate()));
      assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
      CertificatePolicies policies = CertificatePolicies.getInstance(
          ASN1OctetString.getInstance(cert.getExtensionValue("2.5.29.32")).getOctets());
      assertThat(List.of(policies.getPolicyInformation()).stream().map(PolicyInformation::getPolicyIdentifier)
          .map(Object::toString).toList()).containsExactly(POLICY);
      assertThat(certs.get(out.issued().serial()).orElseThrow().profile()).isEqualTo("partner-mtls");

      assertThatThrownBy(() -> ca.issueWithGeneratedKey(officer, "issuing", "partner-mtls",
          new CertificateAuthority.KeyGenerationRequest("ed25519", "CN=x.partner.example", List.of(), List.of()),
          CertificateAuthority.KeyDelivery.password(pw), "alice", Optional.of(Duration.ofDays(91))))
          .isInstanceOf(ControlViolationException.class)
          .hasMessageContaining("does not accept ed25519").hasMessageContaining("requires subject field O")
          .hasMessageContaining("requires at least one subject alternative name")
          .hasMessageContaining("91 days is longer than profile partner-mtls allows (90 days)");
    }
  }

  @Test
  @DisplayName("SS-002 11.1.6 — profiles are listed with their source; built-in and configured ones cannot be replaced or deleted; API ones can")
  void lifecycle() {
    ca.putProfile(officer, "partner-mtls", partnerDoc());
    Map<String, String> sources = new LinkedHashMap<>();
    ca.listProfiles(requester).forEach(e -> sources.put(e.profile().name(), e.source()));
    assertThat(sources).containsEntry("tls-server", "built-in").containsEntry("config-mtls", "config")
        .containsEntry("partner-mtls", "api").hasSize(6);
    assertThat(ca.showProfile(requester, "partner-mtls").profile().policyOids()).containsExactly(POLICY);
    assertThat(ca.profiles()).extracting(Profile::name).contains("partner-mtls", "config-mtls");

    assertThatThrownBy(() -> ca.putProfile(officer, "tls-server", partnerDoc())).isInstanceOf(ConflictException.class)
        .hasMessageContaining("built in");
    assertThatThrownBy(() -> ca.deleteProfile(officer, "ocsp-signing")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> ca.putProfile(officer, "config-mtls", partnerDoc())).isInstanceOf(ConflictException.class)
        .hasMessageContaining("configuration");
    assertThatThrownBy(() -> ca.putProfile(requester, "other", partnerDoc())).isInstanceOf(PermissionDeniedException.class);
    assertThat(ca.listProfiles(requester)).hasSize(6);

    Map<String, Object> shorter = partnerDoc();
    shorter.put("max_lifetime", "30d");
    ca.putProfile(officer, "partner-mtls", shorter);
    assertThat(ca.showProfile(requester, "partner-mtls").profile().maxLifetime()).isEqualTo(Duration.ofDays(30));
    ca.deleteProfile(officer, "partner-mtls");
    assertThatThrownBy(() -> ca.showProfile(requester, "partner-mtls")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> ca.deleteProfile(officer, "partner-mtls")).isInstanceOf(NotFoundException.class);
  }

  @Test
  @DisplayName("SS-002 11.1.6, 11.1.9, 11.3.3, 11.3.9 — a bad profile document is refused with every reason, each naming its control, and nothing is stored")
  void badDocumentsRefused() {
    Map<String, Object> bad = new LinkedHashMap<>();
    bad.put("key_algorithms", List.of("rsa", "dsa-1024", "ecdsa-p521"));
    bad.put("min_rsa_bits", 2048);
    bad.put("key_usage", List.of("digitalSignature", "keyCertSign", "frobnicate"));
    bad.put("extended_key_usage", List.of("serverAuth", "codeSigning", "teleport"));
    bad.put("san_types", List.of("dns", "x400"));
    bad.put("required_subject_fields", List.of("CN", "shoe-size"));
    bad.put("max_lifetime", "3y");
    bad.put("policy_oids", List.of("not-an-oid"));
    bad.put("server_keygen", "sometimes");
    bad.put("colour", "blue");
    assertThatThrownBy(() -> ca.putProfile(officer, "bad", bad)).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("unknown key 'colour'")
        .hasMessageContaining("SS-002 11.3.9: key algorithm 'dsa-1024' is not on the approved list")
        .hasMessageContaining("'ecdsa-p521' is not on the approved list")
        .hasMessageContaining("SS-002 11.3.9: min_rsa_bits 2048 is below the approved minimum of 3072")
        .hasMessageContaining("SS-002 11.3.3: key usage keyCertSign belongs to CA certificates")
        .hasMessageContaining("unknown key usage 'frobnicate'")
        .hasMessageContaining("unknown extended key usage 'teleport'")
        .hasMessageContaining("SS-002 11.3.3: extended_key_usage [serverAuth, codeSigning, teleport] mixes purposes")
        .hasMessageContaining("unknown subject alternative name type 'x400'")
        .hasMessageContaining("unknown subject field 'shoe-size'")
        .hasMessageContaining("SS-002 11.1.9: max_lifetime 3y is longer than the 2 years")
        .hasMessageContaining("SS-002 11.1.8: 'not-an-oid' is not an object identifier")
        .hasMessageContaining("server_keygen must be true or false");
    Map<String, Object> empty = new LinkedHashMap<>();
    empty.put("require_san", true);
    empty.put("policy_oids", List.of());
    assertThatThrownBy(() -> ca.putProfile(officer, "empty", empty)).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("key_algorithms is required").hasMessageContaining("key_usage is required")
        .hasMessageContaining("extended_key_usage is required").hasMessageContaining("max_lifetime is required")
        .hasMessageContaining("require_san is true but san_types allows no name type")
        .hasMessageContaining("SS-002 11.1.8: policy_oids is empty");
    assertThat(records.list(CertificateAuthority.PROFILE_TYPE, "", 10)).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.1.6 — a configured profile may not redefine a built-in one, and the CA name 'profiles' is reserved")
  void configuredCannotShadowBuiltIn() {
    Profile clash = ProfileDocument.parse("tls-server", partnerDoc());
    assertThatThrownBy(() -> authority(List.of(clash))).hasMessageContaining("built in");
    assertThatThrownBy(() -> ca.create(officer, "profiles", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=X"))
        .hasMessageContaining("reserved");
  }

  @Test
  @DisplayName("SS-002 11.1.7 — the CPS lists custom profiles with their policy OIDs and server-side key generation")
  void practiceStatementListsCustomProfiles() {
    ca.putProfile(officer, "partner-mtls", partnerDoc());
    String cps = PracticeStatement.render(ca.list(officer), ca.profiles(), PracticeStatement.Settings.defaults("Example Ltd", "http://127.0.0.1:8200", Instant.now()),
        PracticeStatement.Format.MARKDOWN);
    assertThat(cps).contains("partner-mtls").contains("config-mtls").contains(POLICY);
  }
}
