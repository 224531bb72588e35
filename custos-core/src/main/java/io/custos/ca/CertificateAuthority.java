package io.custos.ca;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.access.Decision;
import io.custos.barrier.Barrier;
import io.custos.crypto.CustodianEnvelope;
import io.custos.crypto.Drbg;
import io.custos.crypto.EncryptedPrivateKeys;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.SecretBytes;
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
import io.custos.store.JoinedWrite;
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
  /** Custom profiles made through the API, under the barrier. */
  public static final String PROFILE_TYPE = "ca.profile";
  /** The state of a CA whose key was declared compromised: it signs nothing more. */
  public static final String COMPROMISED = "compromised";
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
  private final List<java.util.function.Consumer<CertificateRecords.CertificateRow>> issueListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  // Password-based key encryption in progress (see issueWithGeneratedKey).
  final java.util.concurrent.Semaphore passwordSlots = new java.util.concurrent.Semaphore(1);
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
  private final Set<String> configured = new java.util.HashSet<>();
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
    for (Profile p : extraProfiles) {
      if (profiles.containsKey(p.name())) {
        throw new InvalidInputException("profile " + p.name() + " is built in and cannot be redefined");
      }
      configured.add(p.name());
      profiles.put(p.name(), p);
    }
  }

  /** Where CRLs, OCSP and CA certificates are published, as written into certificates. */
  public String baseUrl() {
    return baseUrl;
  }

  /** Every profile: the built-in ones, those of the configuration, then those made through the API. */
  public List<Profile> profiles() {
    List<Profile> out = new ArrayList<>(profiles.values());
    for (String n : records.list(PROFILE_TYPE, "", 10_000)) {
      storedProfile(n).ifPresent(out::add);
    }
    return out;
  }

  // ---------------------------------------------------------------- profiles

  /**
   * A profile and where it comes from.
   *
   * @param source {@code built-in}, {@code config} (read-only, from {@code ca.profiles}) or
   *     {@code api} (made with {@link #putProfile})
   */
  public record ProfileEntry(Profile profile, String source) {}

  /** Every profile, with its source (SS-002 11.1.6, 11.1.8). */
  public List<ProfileEntry> listProfiles(Caller caller) {
    require(caller, "ca:read", "ca/profiles/*", Map.of());
    return profiles().stream().map(this::entry).toList();
  }

  public ProfileEntry showProfile(Caller caller, String name) {
    require(caller, "ca:read", "ca/profiles/" + name, Map.of());
    return entry(profile(name));
  }

  /**
   * Creates or replaces a custom profile from its document (see {@link ProfileDocument}); built-in
   * profiles and those of the configuration cannot be replaced.
   *
   * @return the stored profile, and whether it replaced one
   * @throws ControlViolationException listing every problem of the document
   */
  public ProfileEntry putProfile(Caller caller, String name, Map<String, ?> document) {
    checkProfileName(name);
    require(caller, "ca:profile", "ca/profiles/" + name, Map.of());
    readOnly(name, "replaced");
    Profile p = ProfileDocument.parse(name, document);
    long version = records.get(PROFILE_TYPE, name).map(StoredRecord::version).orElse(0L);
    records.put(PROFILE_TYPE, name, barrier.get().seal(PROFILE_TYPE, name, version + 1, ProfileDocument.encode(p)), version);
    return new ProfileEntry(p, "api");
  }

  /** Deletes a custom profile made through the API; certificates issued under it keep its name. */
  public void deleteProfile(Caller caller, String name) {
    checkProfileName(name);
    require(caller, "ca:profile", "ca/profiles/" + name, Map.of());
    readOnly(name, "deleted");
    StoredRecord r = records.get(PROFILE_TYPE, name).orElseThrow(() -> new NotFoundException("no profile named '"
        + name + "'"));
    records.delete(PROFILE_TYPE, name, r.version());
  }

  private void readOnly(String name, String what) {
    if (profiles.containsKey(name)) {
      throw new ConflictException("profile " + name + " is " + (configured.contains(name)
          ? "defined in the configuration (ca.profiles)" : "built in") + " and cannot be " + what);
    }
  }

  private ProfileEntry entry(Profile p) {
    String source = !profiles.containsKey(p.name()) ? "api" : configured.contains(p.name()) ? "config" : "built-in";
    return new ProfileEntry(p, source);
  }

  private Optional<Profile> storedProfile(String name) {
    return records.get(PROFILE_TYPE, name).map(r -> ProfileDocument.decode(barrier.get().open(PROFILE_TYPE, r.id(),
        r.version(), r.payload())));
  }

  private static void checkProfileName(String name) {
    if (name == null || !ProfileDocument.NAME.matcher(name).matches()) {
      throw new InvalidInputException("a profile name must match [a-z0-9][a-z0-9-]{0,47}");
    }
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
    Signed signed = signRequest(caller, caName, profileName, csrBytes, ownerId, validity);
    certificates.add(signed.row());
    return announce(signed);
  }

  /**
   * A certificate signed but not yet recorded: it exists for no one until {@link #inventoryRow}
   * is durable. The caller makes it durable together with the audit event that records the
   * issuance, in one commit ({@code AuditLog.record(draft, joined)}), then calls
   * {@link #recorded}; if that fails, the certificate was never issued.
   */
  public record Unrecorded(Issued issued, JoinedWrite inventoryRow, CertificateRecords.CertificateRow row) {}

  /**
   * As {@link #issue}, every check included, but the inventory row is left for the caller to
   * commit with its audit event (see {@link Unrecorded}).
   */
  public Unrecorded issueUnrecorded(Caller caller, String caName, String profileName, byte[] csrBytes, String ownerId,
      Optional<Duration> validity) {
    Signed signed = signRequest(caller, caName, profileName, csrBytes, ownerId, validity);
    return new Unrecorded(signed.issued(), certificates.joinedAdd(signed.row()), signed.row());
  }

  /** Announces a certificate whose inventory row is now durable (OCSP pre-signing, metrics); returns it. */
  public Issued recorded(Unrecorded unrecorded) {
    return announce(new Signed(unrecorded.issued(), unrecorded.row()));
  }

  /** A signed certificate and the inventory row that records it, not yet stored. */
  private record Signed(Issued issued, CertificateRecords.CertificateRow row) {}

  /** Parses and checks a request, then signs it: everything of an issuance but storing it. */
  private Signed signRequest(Caller caller, String caName, String profileName, byte[] csrBytes, String ownerId,
      Optional<Duration> validity) {
    Loaded ca = issuingCa(caName);
    Profile profile = profile(profileName);
    CertificationRequest csr = parser.parse(csrBytes);
    Prepared prepared = check(caller, ca, profile, csr, ownerId, validity);
    return sign(ca, profile, csr, prepared);
  }

  /** Tells the issue listeners of a certificate whose row is durable; returns it. */
  private Issued announce(Signed signed) {
    for (java.util.function.Consumer<CertificateRecords.CertificateRow> l : issueListeners) {
      try {
        l.accept(signed.row());
      } catch (RuntimeException e) {
        // The certificate is issued and recorded; a listener's failure does not undo or fail that.
        System.getLogger(CertificateAuthority.class.getName()).log(System.Logger.Level.WARNING,
            "issue listener failed for serial " + signed.issued().serial() + ": " + e.getMessage());
      }
    }
    return signed.issued();
  }

  /**
   * What a requester asks Custos to generate a key pair for (SS-002 11.1.2).
   *
   * @param algorithm an approved signing algorithm: {@code ecdsa-p256}, {@code ecdsa-p384},
   *     {@code ed25519}, {@code rsa-3072}, {@code rsa-4096}, {@code ml-dsa-44|65|87}
   * @param subject RFC 4514 subject, e.g. {@code CN=device-17,O=Example}
   */
  public record KeyGenerationRequest(String algorithm, String subject, List<String> dnsNames, List<String> ipAddresses) {
    public KeyGenerationRequest {
      dnsNames = List.copyOf(dnsNames);
      ipAddresses = List.copyOf(ipAddresses);
    }
  }

  /**
   * How a generated private key goes back to its requester, encrypted (SS-002 11.1.2): under a
   * password of theirs (PKCS#8 PBES2, see {@link EncryptedPrivateKeys}) or to a public key of
   * theirs (see {@link CustodianEnvelope#sealKey}). Exactly one; the password is not owned.
   */
  public record KeyDelivery(Optional<SecretBytes> password, Optional<CustodianEnvelope.Recipient> wrapFor) {
    public KeyDelivery {
      if (password.isPresent() == wrapFor.isPresent()) {
        throw new InvalidInputException("give exactly one of a key password (PKCS#8) or a public key to wrap the "
            + "generated key for");
      }
    }

    public static KeyDelivery password(SecretBytes password) {
      return new KeyDelivery(Optional.of(password), Optional.empty());
    }

    public static KeyDelivery wrapFor(CustodianEnvelope.Recipient recipient) {
      return new KeyDelivery(Optional.empty(), Optional.of(recipient));
    }

    /** {@code pkcs8-pbes2} or {@code envelope}, as audit events and answers name it. */
    public String method() {
      return password.isPresent() ? "pkcs8-pbes2" : "envelope";
    }
  }

  /**
   * A certificate for a key pair generated here, and the private key encrypted for the requester.
   *
   * @param privateKey PEM {@code ENCRYPTED PRIVATE KEY} or a {@code custos-share-enc-v1:} envelope
   * @param delivery {@link KeyDelivery#method()}
   */
  public record IssuedWithKey(Issued issued, String privateKey, String delivery, String algorithm) {
    @Override
    public String toString() {
      return "IssuedWithKey[" + issued.serial() + ", " + algorithm + ", " + delivery + "]";
    }
  }

  /**
   * Generates a key pair inside the crypto module and issues a certificate for it, when the
   * profile allows server-side key generation (SS-002 11.1.2; otherwise keys are made where they
   * are used and arrive as requests). The request passes exactly the checks a PKCS#10 request
   * passes; the private key exists only in a zeroising holder, is encrypted for the requester and
   * wiped, and is never stored or logged.
   *
   * @throws ControlViolationException naming SS-002 11.1.2 when the profile does not allow it, or
   *     listing every rule the request breaks
   */
  public IssuedWithKey issueWithGeneratedKey(Caller caller, String caName, String profileName, KeyGenerationRequest request,
      KeyDelivery delivery, String ownerId, Optional<Duration> validity) {
    Loaded ca = issuingCa(caName);
    Profile profile = profile(profileName);
    if (!profile.serverSideKeyGeneration()) {
      throw new ControlViolationException("SS-002 11.1.2", "profile " + profileName + " does not allow server-side key "
          + "generation: keys are generated on the end entity that uses them; send a certificate signing request");
    }
    delivery.password().ifPresent(EncryptedPrivateKeys::checkPassword);
    // Authorise the names before spending a key generation on them; check() decides it again with the key.
    require(caller, "ca:issue", "ca/" + caName + "/profiles/" + profileName, Map.of("dns", request.dnsNames(), "ip",
        request.ipAddresses(), "profile", List.of(profileName)));
    // A password costs ~1 s of CPU (600,000 PBKDF2 iterations): one at a time per node, so that
    // key generation requests can never take every core from the rest of the service.
    boolean slot = delivery.password().isPresent();
    if (slot && !passwordSlots.tryAcquire()) {
      throw new io.custos.failure.UnavailableException("another password-protected key is being generated; try again "
          + "in a second, or ask for the key wrapped for your public key (wrap_for), which costs no key derivation");
    }
    try (KeyPairMaterial pair = keys.generateForRequester(request.algorithm())) {
      CertificationRequest csr = parser.describe(request.subject(), request.dnsNames(), request.ipAddresses(),
          pair.publicKey());
      Prepared prepared = check(caller, ca, profile, csr, ownerId, validity);
      String encrypted;
      try (SecretBytes exported = EncryptedPrivateKeys.portable(pair.privateKey())) {
        encrypted = delivery.password().isPresent()
            ? EncryptedPrivateKeys.encrypt(exported, delivery.password().orElseThrow(), drbg)
            : CustodianEnvelope.sealKey(delivery.wrapFor().orElseThrow(), exported, drbg);
      }
      Signed signed = sign(ca, profile, csr, prepared);
      certificates.add(signed.row());
      Issued issued = announce(signed);
      return new IssuedWithKey(issued, encrypted, delivery.method(), request.algorithm());
    } finally {
      if (slot) {
        passwordSlots.release();
      }
    }
  }

  /** What the checks of a request settled: its owner and validity. */
  private record Prepared(Owner owner, Instant now, Instant notAfter, byte[] spkiHash) {}

  private Loaded issuingCa(String caName) {
    Loaded ca = loadActive(caName);
    if (ca.state().level() != CaLevel.SUBORDINATE) {
      throw new ControlViolationException("SS-002 11.3.1", "CA '" + caName + "' is a " + ca.state().level().id()
          + " CA; end-entity certificates come from subordinate (issuing) CAs");
    }
    return ca;
  }

  private Profile profile(String profileName) {
    Profile profile = profiles.get(profileName);
    if (profile == null && profileName != null && ProfileDocument.NAME.matcher(profileName).matches()) {
      profile = storedProfile(profileName).orElse(null);
    }
    if (profile == null) {
      throw new NotFoundException("no profile named '" + profileName + "'; one of "
          + profiles().stream().map(Profile::name).toList());
    }
    return profile;
  }

  private Prepared check(Caller caller, Loaded issuing, Profile profile, CertificationRequest csr, String ownerId,
      Optional<Duration> validity) {
    String caName = issuing.state().name();
    String profileName = profile.name();
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
    return new Prepared(owner, now, notAfter, spkiHash);
  }

  private Signed sign(Loaded issuing, Profile profile, CertificationRequest csr, Prepared p) {
    String caName = issuing.state().name();
    BigInteger serial = serial();
    byte[] cert = Certificates.issue(new Certificates.Template(serial, csr.subjectDer(),
        csr.key().spki(), p.now().minus(Duration.ofMinutes(5)), p.notAfter(), CaLevel.END_ENTITY, Optional.empty(),
        profile.keyUsage(), profile.extendedKeyUsage(), csr.dnsNames(), csr.ipAddresses(), csr.emails(), csr.uris(),
        profile.policyOids(), Optional.of(crlUrl(caName)), Optional.of(ocspUrl(caName)), Optional.of(certUrl(caName)),
        profile.ocspNoCheck()), issuing.issuer());
    String serialHex = serial.toString(16);
    List<String> sans = new ArrayList<>();
    csr.dnsNames().forEach(n -> sans.add("dns:" + n));
    csr.ipAddresses().forEach(n -> sans.add("ip:" + n));
    csr.emails().forEach(n -> sans.add("email:" + n));
    csr.uris().forEach(n -> sans.add("uri:" + n));
    Owner owner = p.owner();
    CertificateRecords.CertificateRow row = new CertificateRecords.CertificateRow(serialHex, caName, owner.id(),
        owner.name(), owner.contact(), profile.name(), csr.subject(), sans, p.spkiHash(), p.now().minus(Duration.ofMinutes(5)), p.notAfter(),
        clock.instant(), "good", Optional.empty(), Optional.empty(), cert);
    return new Signed(new Issued(serialHex, cert, issuing.chain(), p.notAfter(), sans), row);
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
      certificates.setStatus(s, "good", Optional.empty(), Optional.empty(), clock.instant());
      result = new Revocation(s, row.ca(), "good", why, now, true);
    } else if (current.equals("revoked")) {
      return new Revocation(s, row.ca(), "revoked", row.revocationReason().orElse("unspecified"),
          row.revokedAt().orElse(now), false);
    } else if (current.equals("hold") && why.equals("certificateHold")) {
      return new Revocation(s, row.ca(), "hold", why, row.revokedAt().orElse(now), false);
    } else {
      String status = why.equals("certificateHold") ? "hold" : "revoked";
      certificates.setStatus(s, status, Optional.of(now), Optional.of(why), clock.instant());
      result = new Revocation(s, row.ca(), status, why, now, true);
    }
    revocationListeners.forEach(l -> l.accept(result));
    return result;
  }

  /**
   * Hears of every certificate issued here, synchronously, once its inventory row is durable and
   * before the issuing call returns; a listener must be quick (hand slow work to an executor) and
   * its failure does not fail the issuance.
   */
  public void onIssue(java.util.function.Consumer<CertificateRecords.CertificateRow> listener) {
    issueListeners.add(listener);
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

  // ---------------------------------------------------------------- OCSP responder

  /** An active CA's state, for the OCSP responder; empty if there is no such CA. */
  Optional<CaState> lookup(String name) {
    return NAME.matcher(name).matches() ? find(name) : Optional.empty();
  }

  /**
   * Issues the delegated OCSP responder certificate of an issuing CA (RFC 6960 4.2.2.2) from the
   * {@code ocsp-signing} profile: EKU OCSPSigning, id-pkix-ocsp-nocheck, never past the CA's own
   * notAfter. A system operation of the responder, which audits it; the key is a managed,
   * never-exported key the responder created.
   */
  byte[] issueOcspResponder(String caName, byte[] spki, Duration validity) {
    Loaded ca = loadActive(caName);
    Profile profile = profiles.get("ocsp-signing");
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant caEnd = ca.notAfter();
    Instant notAfter = now.plus(validity.compareTo(profile.maxLifetime()) > 0 ? profile.maxLifetime() : validity);
    if (notAfter.isAfter(caEnd)) {
      notAfter = caEnd;
    }
    byte[] subject = Certificates.name("CN=OCSP responder of " + caName + ",O=Custos");
    return Certificates.issue(new Certificates.Template(serial(), subject, spki, now.minus(Duration.ofMinutes(5)),
        notAfter, CaLevel.END_ENTITY, Optional.empty(), profile.keyUsage(), profile.extendedKeyUsage(), List.of(),
        List.of(), List.of(), List.of(), profile.policyOids(), Optional.empty(), Optional.empty(),
        Optional.of(certUrl(caName)), profile.ocspNoCheck()), ca.issuer());
  }

  // ---------------------------------------------------------------- for the CRL publisher

  /** Every active CA, read without a caller: CRLs are signed by the system on a schedule. */
  List<CaState> activeCas() {
    List<CaState> out = new ArrayList<>();
    for (String n : records.list(CA_TYPE, "", 10_000)) {
      find(n).filter(c -> c.state().equals("active")).ifPresent(out::add);
    }
    return out;
  }

  /** The active CA named so. */
  CaState activeCa(String name) {
    return active(name);
  }

  /** The CA's signing function for its CRLs (SS-002 11.3.3: a CA key signs certificates and CRLs only). */
  Certificates.Issuer crlIssuer(String name) {
    return loadActive(name).issuer();
  }

  /** Where the CA's delta CRL is published (the Freshest CRL of its full CRL). */
  String deltaCrlUrl(String ca) {
    return crlUrl(ca) + "/delta";
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

  /**
   * A serial number of 20 octets (RFC 5280's most), positive: the second of issue (30 bits since
   * 2020 under a fixed 01 top, so every serial has the same length), then 128 bits of FIPS DRBG
   * output (CA/B BR 7.1 asks for at least 64). Time first keeps new serials at the right edge of
   * every index keyed by serial, so storing a certificate dirties a few index pages instead of a
   * random page per index — the disk writes, not the signature, bound issuance under load.
   */
  private BigInteger serial() {
    byte[] b = new byte[20];
    int second = (int) ((clock.instant().getEpochSecond() - SERIAL_EPOCH) & 0x3fffffff);
    b[0] = (byte) (0x40 | (second >>> 24));
    b[1] = (byte) (second >>> 16);
    b[2] = (byte) (second >>> 8);
    b[3] = (byte) second;
    serialBits(b, 4);
    return new BigInteger(1, b);
  }

  /** 2020-01-01T00:00:00Z: serials issued before 2054 keep their time prefix in order. */
  private static final long SERIAL_EPOCH = 1_577_836_800L;

  // Serial randomness drawn from the DRBG a block at a time: one generate call serves 64 serials,
  // instead of paying the DRBG's per-call state update (four HMACs) for every 16 bytes. Each byte
  // is handed out once and overwritten as it goes.
  private final byte[] serialPool = new byte[16 * 64];
  private int serialPoolNext = serialPool.length;

  private void serialBits(byte[] out, int from) {
    int n = out.length - from;
    synchronized (serialPool) {
      if (serialPoolNext + n > serialPool.length) {
        drbg.nextBytes(serialPool);
        serialPoolNext = 0;
      }
      System.arraycopy(serialPool, serialPoolNext, out, from, n);
      Arrays.fill(serialPool, serialPoolNext, serialPoolNext + n, (byte) 0);
      serialPoolNext += n;
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

  // ---------------------------------------------------------------- compromise (package-private)

  /** Every CA as stored, whatever its state, without an access check (the caller checked). */
  List<CaState> all() {
    List<CaState> out = new ArrayList<>();
    for (String n : records.list(CA_TYPE, "", 10_000)) {
      find(n).ifPresent(out::add);
    }
    return out;
  }

  /** Marks a CA as unable to sign anything (SS-002 11.6.1); false if it already was. */
  boolean markCompromised(String name) {
    StoredRecord r = records.get(CA_TYPE, name).orElseThrow(() -> new NotFoundException("no CA named '" + name + "'"));
    CaState ca = decode(r);
    if (ca.state().equals(COMPROMISED)) {
      return false;
    }
    write(new CaState(ca.name(), ca.level(), ca.keyName(), COMPROMISED, ca.subjectDer(), ca.certificate(), ca.chain(),
        ca.owner(), ca.createdAt(), ca.request()), r.version());
    return true;
  }

  /**
   * Puts a CA's certificate into its parent's inventory (where revocation, CRLs and OCSP find it),
   * unless it is there already; returns its serial.
   */
  String recordCaCertificate(String parentName, CaState child) {
    X509Certificate cert = x509(child.certificate().orElseThrow());
    String serial = cert.getSerialNumber().toString(16);
    if (certificates.get(serial).isEmpty()) {
      Owner owner = owners.apply(child.owner()).orElse(new Owner(child.owner(), child.owner(), "unknown"));
      certificates.add(new CertificateRecords.CertificateRow(serial, parentName, owner.id(), owner.name(), owner.contact(),
          "ca-" + child.level().id(), child.subject(), List.of(), Certificates.spkiHash(cert.getPublicKey().getEncoded()),
          cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), child.createdAt(), "good", Optional.empty(),
          Optional.empty(), child.certificate().orElseThrow()));
    }
    return serial;
  }

  /** The serial of a certificate (DER), as the inventory spells it. */
  static String serialOf(byte[] der) {
    return x509(der).getSerialNumber().toString(16);
  }

  /** An active CA that may sign: a CA whose key was declared compromised signs nothing more. */
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
    if (ca.state().equals(COMPROMISED)) {
      throw new ControlViolationException("SS-002 11.6.1", "CA '" + name + "' signs nothing: its key was declared "
          + "compromised; re-key it as a new CA (see `custos compromise plan --ca " + name + "`)");
    }
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
    if (name.equals("profiles")) {
      throw new InvalidInputException("'profiles' is reserved (/v1/ca/profiles); choose another CA name");
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
