package io.custos.ca;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.access.Decision;
import io.custos.barrier.Barrier;
import io.custos.crypto.Drbg;
import io.custos.crypto.KeyPairType;
import io.custos.crypto.SignatureVerifier;
import io.custos.failure.ConflictException;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.kms.KeyManager;
import io.custos.kms.ManagedKey;
import io.custos.store.CertificateRecords;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import io.custos.x509.CaLevel;
import io.custos.x509.CertificationRequest;
import io.custos.x509.Certificates;
import io.custos.x509.CsrParser;
import io.custos.x509.Profile;
import io.custos.x509.RequestChecks;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The front door of the certificate authority: online CAs whose keys live in the barrier, and
 * issuance from verified requests under profiles (SS-002 11.1.x, 11.3.1–11.3.3, 11.5.2).
 *
 * <p>Issuing checks, all collected before anything is signed: the request's proof of
 * possession; key soundness; wildcard-free, well-formed names; the profile's algorithms, name
 * types, subject fields and lifetime; the hierarchy's lifetime ladder and the issuer's own
 * expiry (a request beyond is refused, never truncated); the requester's grant of
 * {@code ca:issue} for every name; and that the key was never certified before (re-key,
 * no shared keys). A refusal lists every violated rule with its control.
 */
public final class CertificateAuthority {
  public static final String CA_TYPE = "ca.authority";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,47}");

  /** The owner of a certificate as the inventory shows it (SS-002 11.5.2). */
  public record Owner(String id, String name, String contact) {}

  /**
   * A certificate just issued, with the chain up to and including the root.
   *
   * @param sans its subject alternative names as the inventory records them ({@code dns:…}, …)
   */
  public record Issued(String serial, byte[] certificate, List<byte[]> chain, Instant notAfter, List<String> sans) {
    public Issued {
      certificate = certificate.clone();
      chain = chain.stream().map(byte[]::clone).toList();
      sans = List.copyOf(sans);
    }
  }

  /**
   * A revocation as recorded.
   *
   * @param status the certificate's status afterwards: {@code revoked}, {@code hold} or {@code good}
   *     (a hold released by {@code removeFromCRL})
   * @param changed false when the request changed nothing (a second revocation is idempotent)
   */
  public record Revocation(String serial, String ca, String status, String reason, Instant at, boolean changed) {}

  private final List<java.util.function.Consumer<Revocation>> revocationListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final RecordStore records;
  private final Supplier<Barrier> barrier;
  private final KeyManager keys;
  private final CertificateRecords certificates;
  private final AccessGate gate;
  private final SignatureVerifier verifier;
  private final CsrParser parser;
  private final Drbg drbg;
  private final Clock clock;
  private final Function<String, Optional<Owner>> owners;
  private final String baseUrl;
  private final Map<String, Profile> profiles = new LinkedHashMap<>();
  // Active CAs as issuance needs them, decoded once per stored version while unsealed.
  private final ConcurrentHashMap<String, Loaded> loaded = new ConcurrentHashMap<>();

  /**
   * An active CA decoded from its record at {@code version}: the state, the parsed certificate's
   * notAfter, the signer and the chain handed out with every certificate. Valid while the
   * barrier it was opened with is the barrier, and the CA key's metadata is the one it was
   * built from (a new key version, or a wipe on seal, makes it stale).
   */
  private record Loaded(CaState state, long version, Barrier barrier, ManagedKey key, Instant notAfter,
      Certificates.Issuer issuer, List<byte[]> chain) {}

  public CertificateAuthority(RecordStore records, Supplier<Barrier> barrier, KeyManager keys,
      CertificateRecords certificates, AccessGate gate, SignatureVerifier verifier, Drbg drbg, Clock clock,
      Function<String, Optional<Owner>> owners, String baseUrl, List<Profile> extraProfiles) {
    this.records = records;
    this.barrier = barrier;
    this.keys = keys;
    this.certificates = certificates;
    this.gate = gate;
    this.verifier = verifier;
    this.parser = new CsrParser(verifier);
    this.drbg = drbg;
    this.clock = clock;
    this.owners = owners;
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    Profile.builtIn().forEach(p -> profiles.put(p.name(), p));
    extraProfiles.forEach(p -> profiles.put(p.name(), p));
  }

  /** Where CRLs, OCSP and CA certificates are published, as written into certificates. */
  public String baseUrl() {
    return baseUrl;
  }

  public List<Profile> profiles() {
    return List.copyOf(profiles.values());
  }

  // ---------------------------------------------------------------- CAs

  /**
   * Creates an online CA whose key is generated in the barrier, and returns its request for the
   * parent (the root ceremony, or a policy CA) to sign. The CA is pending until activated.
   */
  public CaState create(Caller caller, String name, CaLevel level, String algorithm, String subject) {
    checkName(name);
    require(caller, "ca:create", "ca/" + name, Map.of());
    if (level == CaLevel.END_ENTITY) {
      throw new InvalidInputException("a CA is a root, policy or subordinate CA");
    }
    if (find(name).isPresent()) {
      throw new ConflictException("CA '" + name + "' already exists");
    }
    byte[] subjectDer = Certificates.name(subject);
    ManagedKey key = keys.createCaKey(keyName(name), algorithm, caller.principalId(), level.maxLifetime());
    KeyPairType type = key.algorithm().pairType().orElseThrow();
    byte[] csr = Certificates.request(subjectDer, key.newest().publicKey(), type, tbs -> keys.signAsCa(keyName(name), tbs));
    CaState ca = new CaState(name, level, keyName(name), "pending", subjectDer, Optional.empty(), List.of(),
        caller.principalId(), clock.instant(), Optional.of(csr));
    write(ca, 0);
    return ca;
  }

  /**
   * A self-signed root made online. Only for development servers and tests: a production root
   * lives offline and signs in ceremonies (SS-002 11.3.1).
   */
  public CaState createDevRoot(Caller caller, String name, String algorithm, String subject, Duration validity) {
    checkName(name);
    require(caller, "ca:create", "ca/" + name, Map.of());
    byte[] subjectDer = Certificates.name(subject);
    ManagedKey key = keys.createCaKey(keyName(name), algorithm, caller.principalId(), CaLevel.ROOT.maxLifetime());
    KeyPairType type = key.algorithm().pairType().orElseThrow();
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    checkLifetime(CaLevel.ROOT, validity);
    byte[] cert = Certificates.issue(new Certificates.Template(serial(), subjectDer, key.newest().publicKey(),
        now.minus(Duration.ofMinutes(5)), now.plus(validity), CaLevel.ROOT, Optional.empty(), Set.of("keyCertSign", "cRLSign"),
        List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
        false), new Certificates.Issuer(subjectDer, key.newest().publicKey(), type, tbs -> keys.signAsCa(keyName(name), tbs)));
    CaState ca = new CaState(name, CaLevel.ROOT, keyName(name), "active", subjectDer, Optional.of(cert), List.of(),
        caller.principalId(), clock.instant(), Optional.empty());
    write(ca, 0);
    return ca;
  }

  /**
   * Signs a pending CA's request with an online parent CA (a policy or root CA held online, as
   * in development) and activates it.
   */
  public CaState signSubordinate(Caller caller, String parentName, String childName, Duration validity) {
    require(caller, "ca:create", "ca/" + childName, Map.of());
    CaState parent = active(parentName);
    CaState child = get(childName);
    if (!child.state().equals("pending")) {
      throw new ConflictException("CA '" + childName + "' is " + child.state() + ", not pending");
    }
    if (!parent.level().mayIssue(child.level())) {
      throw new ControlViolationException("SS-002 11.1.9", "a " + parent.level().id() + " CA does not certify a "
          + child.level().id() + " CA");
    }
    checkLifetime(child.level(), validity);
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant notAfter = now.plus(validity);
    X509Certificate parentCert = x509(parent.certificate().orElseThrow());
    if (notAfter.isAfter(parentCert.getNotAfter().toInstant())) {
      throw new ControlViolationException("SS-002 11.1.9", "a " + validity.toDays() + "-day CA certificate would outlive "
          + "its issuer '" + parentName + "' (until " + parentCert.getNotAfter().toInstant() + ")");
    }
    ManagedKey childKey = keys.caKey(child.keyName());
    byte[] cert = Certificates.issue(new Certificates.Template(serial(), child.subjectDer(), childKey.newest().publicKey(),
        now.minus(Duration.ofMinutes(5)), notAfter, child.level(),
        child.level() == CaLevel.SUBORDINATE ? Optional.of(0) : Optional.empty(), Set.of("keyCertSign", "cRLSign"),
        List.of(), List.of(), List.of(), List.of(), List.of(), List.of(Profile.CUSTOS_POLICY),
        Optional.of(crlUrl(parentName)), Optional.empty(), Optional.of(certUrl(parentName)), false), issuer(parent));
    return activate(caller, childName, cert, chainOf(parent));
  }

  /**
   * Brings a pending CA online with the certificate its parent signed and the chain up to the
   * root: the certificate must carry the CA's own key, be a CA certificate within its level's
   * lifetime, and the chain must validate.
   */
  public CaState activate(Caller caller, String name, byte[] certificate, List<byte[]> chain) {
    require(caller, "ca:create", "ca/" + name, Map.of());
    StoredRecord r = records.get(CA_TYPE, name).orElseThrow(() -> new NotFoundException("no CA named '" + name + "'"));
    CaState ca = decode(r);
    if (!ca.state().equals("pending")) {
      throw new ConflictException("CA '" + name + "' is " + ca.state() + ", not pending");
    }
    X509Certificate cert = x509(certificate);
    ManagedKey key = keys.caKey(ca.keyName());
    List<String> problems = new ArrayList<>();
    if (!Arrays.equals(cert.getPublicKey().getEncoded(), key.newest().publicKey())) {
      problems.add("the certificate is not for this CA's key");
    }
    if (cert.getBasicConstraints() < 0) {
      problems.add("the certificate is not a CA certificate");
    }
    Duration life = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
    if (life.compareTo(ca.level().maxLifetime()) > 0) {
      problems.add("SS-002 11.1.9: a " + ca.level().id() + " CA lives at most " + ca.level().maxYears() + " years, this "
          + "certificate " + life.toDays() + " days");
    }
    if (chain.isEmpty()) {
      problems.add("the chain up to the root is missing");
    } else {
      try {
        validate(cert, chain);
      } catch (InvalidInputException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidInputException("cannot activate CA '" + name + "': " + String.join("; ", problems));
    }
    CaState active = new CaState(ca.name(), ca.level(), ca.keyName(), "active", ca.subjectDer(), Optional.of(certificate),
        chain, ca.owner(), ca.createdAt(), Optional.empty());
    write(active, r.version());
    return active;
  }

  public List<CaState> list(Caller caller) {
    require(caller, "ca:read", "ca/*", Map.of());
    List<CaState> out = new ArrayList<>();
    for (String n : records.list(CA_TYPE, "", 10_000)) {
      find(n).ifPresent(out::add);
    }
    return out;
  }

  public CaState show(Caller caller, String name) {
    require(caller, "ca:read", "ca/" + name, Map.of());
    return get(name);
  }

  /** The CA's certificate and every certificate above it, up to and including the root. */
  public List<byte[]> chain(String name) {
    return chainOf(active(name));
  }

  // ---------------------------------------------------------------- issuance

  /**
   * Issues a certificate for a PKCS#10 request under {@code profileName}.
   *
   * @param validity the lifetime asked for; the profile's maximum if empty
   * @throws ControlViolationException listing every rule the request breaks
   */
  public Issued issue(Caller caller, String caName, String profileName, byte[] csrBytes, String ownerId,
      Optional<Duration> validity) {
    Loaded issuing = loadActive(caName);
    CaState ca = issuing.state();
    if (ca.level() != CaLevel.SUBORDINATE) {
      throw new ControlViolationException("SS-002 11.3.1", "CA '" + caName + "' is a " + ca.level().id()
          + " CA; end-entity certificates come from subordinate (issuing) CAs");
    }
    Profile profile = profiles.get(profileName);
    if (profile == null) {
      throw new NotFoundException("no profile named '" + profileName + "'; one of " + profiles.keySet());
    }
    CertificationRequest csr = parser.parse(csrBytes);
    Map<String, List<String>> attributes = Map.of("dns", csr.dnsNames(), "ip", csr.ipAddresses(),
        "profile", List.of(profileName));
    require(caller, "ca:issue", "ca/" + caName + "/profiles/" + profileName, attributes);
    Owner owner = owners.apply(ownerId).orElseThrow(() -> new InvalidInputException(
        "owner '" + ownerId + "' is not a known principal; every certificate has one owner with a contact (SS-002 11.3.10)"));

    List<RequestChecks.Violation> violations = new ArrayList<>();
    violations.addAll(RequestChecks.key(csr.key(), verifier, profile.minRsaBits()));
    violations.addAll(RequestChecks.names(csr));
    if (!profile.keyAlgorithms().contains(csr.key().algorithm())) {
      violations.add(new RequestChecks.Violation("SS-002 11.1.6", "profile " + profileName + " does not accept "
          + csr.key().algorithm() + " keys (" + profile.keyAlgorithms() + ")"));
    }
    sanTypes(csr, profile, violations);
    for (String field : profile.requiredSubjectFields()) {
      if (!csr.subjectFields().containsKey(field)) {
        violations.add(new RequestChecks.Violation("SS-002 11.1.6", "profile " + profileName + " requires subject field "
            + field));
      }
    }
    Duration lifetime = validity.orElse(profile.maxLifetime());
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant notAfter = now.plus(lifetime);
    if (lifetime.compareTo(profile.maxLifetime()) > 0) {
      violations.add(new RequestChecks.Violation("SS-002 11.1.9", lifetime.toDays() + " days is longer than profile "
          + profileName + " allows (" + profile.maxLifetime().toDays() + " days)"));
    }
    if (lifetime.isNegative() || lifetime.compareTo(Duration.ofHours(1)) < 0) {
      violations.add(new RequestChecks.Violation("SS-002 11.1.9", "a certificate lives at least one hour"));
    }
    Instant issuerEnd = issuing.notAfter();
    if (notAfter.isAfter(issuerEnd)) {
      violations.add(new RequestChecks.Violation("SS-002 11.1.9", "the certificate would outlive its issuer '" + caName
          + "' (until " + issuerEnd + "); ask for at most " + Duration.between(now, issuerEnd).toDays() + " days"));
    }
    byte[] spkiHash = Certificates.spkiHash(csr.key().spki());
    certificates.certifiedKey(spkiHash).ifPresent(serial -> violations.add(new RequestChecks.Violation("SS-002 11.1.10",
        "this public key was already certified (serial " + serial + "); generate a new key pair for a new certificate")));
    if (!violations.isEmpty()) {
      throw new ControlViolationException(violations.getFirst().control(), violations.getFirst().message()
          + (violations.size() > 1 ? violations.subList(1, violations.size()).stream().map(v -> "; " + v)
              .reduce("", String::concat) : ""));
    }

    BigInteger serial = serial();
    byte[] cert = Certificates.issue(new Certificates.Template(serial, csr.subjectDer(),
        csr.key().spki(), now.minus(Duration.ofMinutes(5)), notAfter, CaLevel.END_ENTITY, Optional.empty(),
        profile.keyUsage(), profile.extendedKeyUsage(), csr.dnsNames(), csr.ipAddresses(), csr.emails(), csr.uris(),
        profile.policyOids(), Optional.of(crlUrl(caName)), Optional.of(ocspUrl(caName)), Optional.of(certUrl(caName)),
        profile.ocspNoCheck()), issuing.issuer());
    String serialHex = serial.toString(16);
    List<String> sans = new ArrayList<>();
    csr.dnsNames().forEach(n -> sans.add("dns:" + n));
    csr.ipAddresses().forEach(n -> sans.add("ip:" + n));
    csr.emails().forEach(n -> sans.add("email:" + n));
    csr.uris().forEach(n -> sans.add("uri:" + n));
    certificates.add(new CertificateRecords.CertificateRow(serialHex, caName, owner.id(), owner.name(), owner.contact(),
        profileName, csr.subject(), sans, spkiHash, now.minus(Duration.ofMinutes(5)), notAfter, clock.instant(), "good",
        Optional.empty(), Optional.empty(), cert));
    return new Issued(serialHex, cert, issuing.chain(), notAfter, sans);
  }

  // ---------------------------------------------------------------- revocation

  /**
   * Revokes a certificate at once (SS-002 11.6.1), or puts it on hold ({@code certificateHold}) or
   * releases a hold ({@code removeFromCRL}); reasons are RFC 5280's. A revoked certificate stays
   * revoked: asking again changes nothing and answers {@code changed=false}; a hold may become a
   * revocation. Listeners (CRL publisher, OCSP cache) hear of every change before this returns.
   */
  public Revocation revoke(Caller caller, String serial, String reason) {
    String s = normaliseSerial(serial);
    String why = io.custos.x509.Crls.reason(reason);
    CertificateRecords.CertificateRow row = certificates.get(s)
        .orElseThrow(() -> new NotFoundException("no certificate with serial " + s));
    require(caller, "ca:revoke", "ca/" + row.ca() + "/certs/" + s, Map.of());
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    String current = row.status();
    Revocation result;
    if (why.equals("removeFromCRL")) {
      if (!current.equals("hold")) {
        throw new ConflictException("certificate " + s + " is " + current + ", not on hold; only a hold is released");
      }
      certificates.setStatus(s, "good", Optional.empty(), Optional.empty());
      result = new Revocation(s, row.ca(), "good", why, now, true);
    } else if (current.equals("revoked")) {
      return new Revocation(s, row.ca(), "revoked", row.revocationReason().orElse("unspecified"),
          row.revokedAt().orElse(now), false);
    } else if (current.equals("hold") && why.equals("certificateHold")) {
      return new Revocation(s, row.ca(), "hold", why, row.revokedAt().orElse(now), false);
    } else {
      String status = why.equals("certificateHold") ? "hold" : "revoked";
      certificates.setStatus(s, status, Optional.of(now), Optional.of(why));
      result = new Revocation(s, row.ca(), status, why, now, true);
    }
    revocationListeners.forEach(l -> l.accept(result));
    return result;
  }

  /** Hears of every revocation, hold and release, synchronously, after it is stored. */
  public void onRevocation(java.util.function.Consumer<Revocation> listener) {
    revocationListeners.add(listener);
  }

  /** A serial as the inventory spells it: lower-case hex without leading zeros (colons allowed). */
  public static String normaliseSerial(String serial) {
    String s = serial == null ? "" : serial.strip().replace(":", "").toLowerCase(java.util.Locale.ROOT);
    if (!s.matches("[0-9a-f]{1,64}")) {
      throw new InvalidInputException("a serial number is hexadecimal, at most 32 octets");
    }
    return new BigInteger(s, 16).toString(16);
  }

  private static void sanTypes(CertificationRequest csr, Profile profile, List<RequestChecks.Violation> out) {
    Map<String, List<String>> byType = Map.of("dns", csr.dnsNames(), "ip", csr.ipAddresses(), "email", csr.emails(),
        "uri", csr.uris());
    int total = 0;
    for (Map.Entry<String, List<String>> e : byType.entrySet()) {
      total += e.getValue().size();
      if (!e.getValue().isEmpty() && !profile.sanTypes().contains(e.getKey())) {
        out.add(new RequestChecks.Violation("SS-002 11.1.6", "profile " + profile.name() + " does not accept "
            + e.getKey() + " names (" + e.getValue() + ")"));
      }
    }
    if (profile.requireSan() && total == 0) {
      out.add(new RequestChecks.Violation("SS-002 11.1.6", "profile " + profile.name()
          + " requires at least one subject alternative name"));
    }
  }

  // ---------------------------------------------------------------- helpers

  private Certificates.Issuer issuer(CaState ca) {
    return issuer(ca, keys.caKey(ca.keyName()));
  }

  private Certificates.Issuer issuer(CaState ca, ManagedKey key) {
    return new Certificates.Issuer(ca.subjectDer(), key.newest().publicKey(), key.algorithm().pairType().orElseThrow(),
        tbs -> keys.signAsCa(ca.keyName(), tbs));
  }

  private List<byte[]> chainOf(CaState ca) {
    List<byte[]> chain = new ArrayList<>();
    chain.add(ca.certificate().orElseThrow());
    chain.addAll(ca.chain());
    return chain;
  }

  private void validate(X509Certificate cert, List<byte[]> chain) {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      X509Certificate root = x509(chain.getLast());
      List<X509Certificate> path = new ArrayList<>();
      path.add(cert);
      for (int i = 0; i < chain.size() - 1; i++) {
        path.add(x509(chain.get(i)));
      }
      PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
      params.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(path), params);
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException("the chain does not validate up to its root: " + e.getMessage());
    }
  }

  private static void checkLifetime(CaLevel level, Duration validity) {
    if (validity.compareTo(level.maxLifetime()) > 0) {
      throw new ControlViolationException("SS-002 11.1.9", "a " + level.id() + " CA lives at most " + level.maxYears()
          + " years; " + validity.toDays() + " days asked for");
    }
  }

  private BigInteger serial() {
    byte[] b = new byte[16];
    serialBits(b);
    // 127 random bits under a fixed top bit: positive, always 16 octets (RFC 5280 4.1.2.2, CA/B BR 7.1).
    b[0] = (byte) ((b[0] & 0x3f) | 0x40);
    return new BigInteger(1, b);
  }

  // Serial randomness drawn from the DRBG a block at a time: one generate call serves 64 serials,
  // instead of paying the DRBG's per-call state update (four HMACs) for every 16 bytes. Each byte
  // is handed out once and overwritten as it goes.
  private final byte[] serialPool = new byte[16 * 64];
  private int serialPoolNext = serialPool.length;

  private void serialBits(byte[] out) {
    synchronized (serialPool) {
      if (serialPoolNext + out.length > serialPool.length) {
        drbg.nextBytes(serialPool);
        serialPoolNext = 0;
      }
      System.arraycopy(serialPool, serialPoolNext, out, 0, out.length);
      Arrays.fill(serialPool, serialPoolNext, serialPoolNext + out.length, (byte) 0);
      serialPoolNext += out.length;
    }
  }

  static X509Certificate x509(byte[] der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new InvalidInputException("not an X.509 certificate: " + e.getMessage());
    }
  }

  private void require(Caller caller, String capability, String resource, Map<String, List<String>> attributes) {
    if (caller.principalId().equals("anonymous")) {
      throw new PermissionDeniedException("SS-002 11.3.12", "certificate requests must be authenticated");
    }
    if (gate.check(caller, capability, resource, attributes) instanceof Decision.Deny d) {
      throw new PermissionDeniedException(d.control().orElse("SS-002 11.3.12"), d.reason());
    }
  }

  private CaState active(String name) {
    return loadActive(name).state();
  }

  /**
   * The active CA {@code name}, from memory when the cached copy is of the version stored now
   * (one indexed read of the version, no payload: a write by any writer, here or on another
   * node, is seen by the next request), under the same barrier and CA key; otherwise read,
   * opened, decoded and cached again.
   */
  private Loaded loadActive(String name) {
    checkName(name);
    Barrier b = barrier.get();
    Loaded l = loaded.get(name);
    if (l != null && l.barrier() == b && keys.caKey(l.state().keyName()) == l.key()
        && records.version(CA_TYPE, name) == l.version()) {
      return l;
    }
    StoredRecord r = records.get(CA_TYPE, name).orElseThrow(() -> new NotFoundException("no CA named '" + name + "'"));
    CaState ca = CaState.decode(b.open(CA_TYPE, r.id(), r.version(), r.payload()));
    if (!ca.state().equals("active")) {
      throw new ConflictException("CA '" + name + "' is " + ca.state() + "; activate it with its signed certificate first");
    }
    ManagedKey key = keys.caKey(ca.keyName());
    Loaded fresh = new Loaded(ca, r.version(), b, key, x509(ca.certificate().orElseThrow()).getNotAfter().toInstant(),
        issuer(ca, key), List.copyOf(chainOf(ca)));
    // A copy read before a newer one was cached never replaces it.
    loaded.compute(name, (n, old) -> old != null && old.barrier() == b && old.version() > fresh.version() ? old : fresh);
    return fresh;
  }

  /**
   * Forgets every CA held in memory; called when the node is sealed (a copy is never used under
   * another barrier anyway).
   */
  public void forget() {
    loaded.clear();
  }

  private CaState get(String name) {
    checkName(name);
    return find(name).orElseThrow(() -> new NotFoundException("no CA named '" + name + "'"));
  }

  private Optional<CaState> find(String name) {
    return records.get(CA_TYPE, name).map(this::decode);
  }

  private CaState decode(StoredRecord r) {
    return CaState.decode(barrier.get().open(CA_TYPE, r.id(), r.version(), r.payload()));
  }

  private void write(CaState ca, long expected) {
    StoredRecord r = records.put(CA_TYPE, ca.name(), barrier.get().seal(CA_TYPE, ca.name(), expected + 1, ca.encode()),
        expected);
    // Dropped at once; the version check would find it stale anyway.
    loaded.computeIfPresent(ca.name(), (n, old) -> old.version() < r.version() ? null : old);
  }

  private static String keyName(String ca) {
    return "ca." + ca;
  }

  private static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidInputException("CA name must match [a-z0-9][a-z0-9-]{0,47}");
    }
  }

  String crlUrl(String ca) {
    return baseUrl + "/v1/ca/" + ca + "/crl";
  }

  String ocspUrl(String ca) {
    return baseUrl + "/v1/ocsp/" + ca;
  }

  String certUrl(String ca) {
    return baseUrl + "/v1/ca/" + ca + "/cert";
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
