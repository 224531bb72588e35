package io.custos.ceremony;

import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.audit.CheckpointKeys;
import io.custos.audit.CheckpointSigner;
import io.custos.crypto.Aead;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.KeyPairType;
import io.custos.crypto.NonceBudget;
import io.custos.crypto.SecretBytes;
import io.custos.crypto.SignatureVerifier;
import io.custos.failure.ControlViolationException;
import io.custos.failure.CustosException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.seal.KeyCheck;
import io.custos.seal.ShareSplitter;
import io.custos.seal.UnsealProgress;
import io.custos.seal.UnsealShare;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import io.custos.x509.CaLevel;
import io.custos.x509.Certificates;
import io.custos.x509.CertificationRequest;
import io.custos.x509.Crls;
import io.custos.x509.CsrParser;
import io.custos.x509.Profile;
import io.custos.x509.RequestChecks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
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
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Offline root CA ceremonies (SS-002 11.3.1: the root CA is offline and used only for an
 * authorised function, audited and witnessed by the Crypto Custodian).
 *
 * <p>The root lives in its own data directory, never served. {@link #initRoot} generates the
 * root key in the FIPS module, self-signs the root certificate, encrypts the private key under a
 * fresh 256-bit ceremony key (AES-256-GCM, bound to the root certificate) and splits the ceremony
 * key among the custodians (Shamir, M of N, with a key check value). Every later ceremony —
 * {@link #signCa}, {@link #crl}, {@link #revokeCa}, {@link #rollover}, {@link #crlOfPrevious} —
 * needs M custodian shares and a named witness, performs exactly one function, is written to the
 * data directory's audit log (witness and number of shares, never a share or a key) and wipes
 * every copy of the key before it returns. Every quorum ceremony of the current root also signs a
 * checkpoint over that log with the log's own key (kept under the ceremony key), so the log can
 * be verified and imported online ({@link io.custos.audit.OfflineLogImport}).
 */
public final class Ceremonies {
  static final String TYPE = "ceremony";
  static final String ROOT_ID = "root";
  static final String ISSUED_TYPE = "ceremony.issued";
  static final String REVOKED_TYPE = "ceremony.revoked";
  static final String AUDIT_KEY_ID = "audit-key";
  static final String PREVIOUS_PREFIX = "previous-root-";
  static final String LINK_TYPE = "ceremony.link";
  private static final AuditEvent.Principal CUSTODIANS = new AuditEvent.Principal("custodians", "shares");
  private static final Map<String, KeyPairType> ALGORITHMS = Map.of(
      "ecdsa-p384", KeyPairType.EC_P384, "rsa-4096", KeyPairType.RSA_4096, "ml-dsa-87", KeyPairType.ML_DSA_87);

  private final RecordStore records;
  private final AuditLog audit;
  private final CryptoModule crypto;
  private final AsymmetricProvider provider;
  private final SignatureVerifier verifier;
  private final Clock clock;
  /** Every secret and key handle of the last ceremony, for tests that check the wipe. */
  private volatile List<AutoCloseable> lastSecrets = List.of();

  public Ceremonies(RecordStore records, AuditLog audit, CryptoModule crypto, AsymmetricProvider provider, Clock clock) {
    this.records = Objects.requireNonNull(records, "records");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.crypto = Objects.requireNonNull(crypto, "crypto");
    this.provider = Objects.requireNonNull(provider, "provider");
    this.verifier = SignatureVerifier.of(provider);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The algorithms a root may use, by their CLI names. */
  public static Set<String> algorithms() {
    return ALGORITHMS.keySet();
  }

  /** What {@link #initRoot} made: the custodians' shares (the caller hands out and closes them) and the root. */
  public record Initialised(List<UnsealShare> shares, byte[] rootCertificate) implements AutoCloseable {
    public Initialised {
      shares = List.copyOf(shares);
      rootCertificate = rootCertificate.clone();
    }

    @Override
    public byte[] rootCertificate() {
      return rootCertificate.clone();
    }

    @Override
    public void close() {
      shares.forEach(UnsealShare::close);
    }
  }

  /** A CA certificate signed by the root, and its chain (the certificate, then the root). */
  public record SignedCa(byte[] certificate, List<byte[]> chain) {
    public SignedCa {
      certificate = certificate.clone();
      chain = chain.stream().map(byte[]::clone).toList();
    }

    @Override
    public byte[] certificate() {
      return certificate.clone();
    }
  }

  /** The root's public state, for status and checks. */
  public record RootInfo(byte[] certificate, String algorithm, int custodians, int threshold, String setId,
      long crlNumber) {}

  /** Whether this store holds an offline root. */
  public boolean hasRoot() {
    return records.get(TYPE, ROOT_ID).isPresent();
  }

  public RootInfo root() {
    Root r = load().root;
    return new RootInfo(r.certificate.clone(), r.algorithm, r.custodians, r.threshold,
        HexFormat.of().toHexDigits(r.setId), r.crlNumber);
  }

  // ------------------------------------------------------------------------------------ init-root

  /**
   * Generates the root and splits its ceremony key. Exactly once per data directory.
   *
   * @param validity at most 20 years (SS-002 11.1.9)
   */
  public Initialised initRoot(String subject, String algorithm, Duration validity, int custodians, int threshold,
      String witness) {
    String action = "ceremony.init_root";
    Map<String, String> params = new LinkedHashMap<>();
    params.put("algorithm", String.valueOf(algorithm));
    params.put("custodians", Integer.toString(custodians));
    params.put("threshold", Integer.toString(threshold));
    Secrets secrets = new Secrets();
    try {
      String w = witness(witness);
      params.put("witness", w);
      KeyPairType type = ALGORITHMS.get(algorithm == null ? "" : algorithm.toLowerCase(Locale.ROOT));
      if (type == null) {
        throw new InvalidInputException("the root algorithm must be one of " + ALGORITHMS.keySet().stream().sorted().toList());
      }
      if (threshold < 2 || threshold > custodians || custodians > ShareSplitter.MAX_SHARES) {
        throw new InvalidInputException("custodians N and threshold M need 2 <= M <= N <= " + ShareSplitter.MAX_SHARES
            + " (SS-002 11.3.1: no single person uses the root), got M=" + threshold + " N=" + custodians);
      }
      checkLifetime(CaLevel.ROOT, validity);
      if (hasRoot()) {
        throw new InvalidInputException("this data directory already holds an offline root; one root per data directory");
      }
      byte[] subjectDer = Certificates.name(subject);
      KeyPairMaterial pair = crypto.generateKeyPair(type);
      secrets.add(pair);
      AsymmetricProvider.PrivateKeyHandle key = provider.privateKey(type, pair.privateKey());
      secrets.add(key);
      Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
      byte[] cert = Certificates.issue(new Certificates.Template(serial(), subjectDer, pair.publicKey(), now,
          now.plus(validity), CaLevel.ROOT, Optional.empty(), Set.of("keyCertSign", "cRLSign"), List.of(), List.of(),
          List.of(), List.of(), List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(), false),
          new Certificates.Issuer(subjectDer, pair.publicKey(), type, key::sign));
      SecretBytes ceremonyKey = crypto.drbg().newKey(32);
      secrets.add(ceremonyKey);
      byte[] wrapped = pair.privateKey().use(pkcs8 ->
          crypto.aes256Gcm(ceremonyKey, NonceBudget.fresh()).encrypt(pkcs8, aad(cert)));
      byte[] check = KeyCheck.of(ceremonyKey);
      List<UnsealShare> shares = ShareSplitter.split(ceremonyKey, custodians, threshold, false,
          crypto.drbg().asSecureRandom());
      Root root = new Root(algorithm.toLowerCase(Locale.ROOT), type, cert, wrapped, check, custodians, threshold,
          shares.getFirst().setId(), 0);
      try {
        StoredRecord stored = records.put(TYPE, ROOT_ID, root.encode(), 0);
        params.put("serial", serialOf(cert).toString(16));
        params.put("set_id", shares.getFirst().setIdHex());
        try {
          audit.record(AuditDraft.ok(requestId(), CUSTODIANS, action, "ceremony/root", "offline", params));
          sealLog(ceremonyKey, secrets);
        } catch (RuntimeException e) {
          records.delete(TYPE, ROOT_ID, stored.version()); // fail closed: no unaudited root
          throw e;
        }
      } catch (RuntimeException e) {
        shares.forEach(UnsealShare::close);
        throw e;
      }
      return new Initialised(shares, cert);
    } catch (CustosException e) {
      refused(action, params, e);
      throw e;
    } finally {
      secrets.close();
    }
  }

  // -------------------------------------------------------------------------------------- sign-ca

  /**
   * Signs a policy or subordinate CA's request with the root.
   *
   * @param level {@link CaLevel#POLICY} (at most 15 years) or {@link CaLevel#SUBORDINATE} (at most 5, pathLen 0)
   * @param baseUrl where the root's CRL ({@code /root.crl}) and certificate ({@code /root.crt}) are published, if anywhere
   */
  public SignedCa signCa(List<String> shares, String witness, byte[] csr, CaLevel level, Duration validity,
      Optional<String> baseUrl) {
    return signCa(shares, witness, csr, level, validity, baseUrl, Optional.empty());
  }

  /**
   * As {@link #signCa(List, String, byte[], CaLevel, Duration, Optional)}, with the CRL
   * distribution point given outright: the online server's {@code BASE_URL/v1/ca/ROOT/crl}, where
   * the root's CRL is served after `custos crl import` (SS-002 11.6.4).
   */
  public SignedCa signCa(List<String> shares, String witness, byte[] csr, CaLevel level, Duration validity,
      Optional<String> baseUrl, Optional<String> crlUrl) {
    crlUrl.ifPresent(u -> {
      if (!u.matches("https?://[^\\s]+")) {
        throw new InvalidInputException("the CRL URL must be an http(s) URL, not '" + u + "'");
      }
    });
    String action = "ceremony.sign_ca";
    Map<String, String> params = new LinkedHashMap<>();
    params.put("shares", Integer.toString(shares.size()));
    params.put("level", level.id());
    params.put("validity_days", Long.toString(validity.toDays()));
    Secrets secrets = new Secrets();
    try {
      params.put("witness", witness(witness));
      if (!CaLevel.ROOT.mayIssue(level)) {
        throw new ControlViolationException("SS-002 11.1.9", "the root certifies policy or subordinate CAs, not "
            + level.id());
      }
      checkLifetime(level, validity);
      CertificationRequest request = new CsrParser(verifier).parse(csr);
      params.put("subject", request.subject());
      List<RequestChecks.Violation> weak = RequestChecks.key(request.key(), verifier, 3072);
      if (!weak.isEmpty()) {
        throw new ControlViolationException(weak.getFirst().control(), "the CA's key is refused: "
            + String.join("; ", weak.stream().map(Object::toString).toList()));
      }
      Loaded loaded = load();
      Root root = loaded.root;
      X509Certificate rootCert = x509(root.certificate);
      if (Arrays.equals(request.key().spki(), rootCert.getPublicKey().getEncoded())) {
        throw new InvalidInputException("the request carries the root's own key");
      }
      Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
      Instant notAfter = now.plus(validity);
      Instant rootEnd = rootCert.getNotAfter().toInstant();
      if (notAfter.isAfter(rootEnd)) {
        throw new ControlViolationException("SS-002 11.1.9", "a " + validity.toDays() + "-day " + level.id()
            + " CA certificate would outlive the root (until " + rootEnd + "); refused, not truncated");
      }
      Unlocked unlocked = unlock(root, shares, secrets);
      Certificates.Issuer issuer = unlocked.issuer();
      BigInteger serial = serial();
      Optional<String> base = baseUrl.map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
      byte[] cert = Certificates.issue(new Certificates.Template(serial, request.subjectDer(), request.key().spki(),
          now.minus(Duration.ofMinutes(5)), notAfter, level,
          level == CaLevel.SUBORDINATE ? Optional.of(0) : Optional.empty(), Set.of("keyCertSign", "cRLSign"),
          List.of(), List.of(), List.of(), List.of(), List.of(), List.of(Profile.CUSTOS_POLICY),
          crlUrl.or(() -> base.map(u -> u + "/root.crl")), Optional.empty(), base.map(u -> u + "/root.crt"), false),
          issuer);
      records.put(ISSUED_TYPE, serial.toString(16), cert, 0);
      params.put("serial", serial.toString(16));
      audit.record(AuditDraft.ok(requestId(), CUSTODIANS, action, "ceremony/root", "offline", params));
      sealLog(unlocked.ceremonyKey(), secrets);
      return new SignedCa(cert, List.of(cert, root.certificate));
    } catch (CustosException e) {
      refused(action, params, e);
      throw e;
    } finally {
      secrets.close();
    }
  }

  // ------------------------------------------------------------------------------------------ crl

  /** Signs the root's CRL: every CA certificate revoked by {@link #revokeCa}, valid until {@code nextUpdate}. */
  public byte[] crl(List<String> shares, String witness, Duration nextUpdate) {
    String action = "ceremony.crl";
    Map<String, String> params = new LinkedHashMap<>();
    params.put("shares", Integer.toString(shares.size()));
    Secrets secrets = new Secrets();
    try {
      params.put("witness", witness(witness));
      if (nextUpdate.isNegative() || nextUpdate.isZero() || nextUpdate.compareTo(Duration.ofDays(366)) > 0) {
        throw new InvalidInputException("the next update must be within a year");
      }
      Loaded loaded = load();
      Root root = loaded.root;
      Unlocked unlocked = unlock(root, shares, secrets);
      Certificates.Issuer issuer = unlocked.issuer();
      List<Crls.Revoked> revoked = revokedBy(root);
      long number = root.crlNumber + 1;
      Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
      byte[] crl = Crls.sign(issuer, now, now.plus(nextUpdate), BigInteger.valueOf(number), revoked);
      records.put(TYPE, ROOT_ID, root.withCrlNumber(number).encode(), loaded.version);
      params.put("crl_number", Long.toString(number));
      params.put("revoked", Integer.toString(revoked.size()));
      params.put("next_update_days", Long.toString(nextUpdate.toDays()));
      audit.record(AuditDraft.ok(requestId(), CUSTODIANS, action, "ceremony/root", "offline", params));
      sealLog(unlocked.ceremonyKey(), secrets);
      return crl;
    } catch (CustosException e) {
      refused(action, params, e);
      throw e;
    } finally {
      secrets.close();
    }
  }

  /**
   * Records a CA certificate the root signed as revoked, for the next {@link #crl}. Needs no key,
   * but the same quorum and witness: the shares are checked against the key check value.
   */
  public void revokeCa(List<String> shares, String witness, BigInteger serial, String reason) {
    String action = "ceremony.revoke_ca";
    Map<String, String> params = new LinkedHashMap<>();
    params.put("shares", Integer.toString(shares.size()));
    params.put("serial", serial.toString(16));
    Secrets secrets = new Secrets();
    try {
      params.put("witness", witness(witness));
      String why = Crls.reason(reason);
      params.put("reason", why);
      if (why.equals("removeFromCRL") || why.equals("certificateHold")) {
        // A CA certificate is revoked for good: a hold, and releasing one, have no place on the root's CRL.
        throw new InvalidInputException("a CA certificate is revoked, not put on hold or released ('" + why + "'); one of "
            + Crls.REASONS.keySet().stream().filter(r -> !r.equals("removeFromCRL") && !r.equals("certificateHold"))
                .sorted().toList());
      }
      Root root = load().root;
      if (records.get(ISSUED_TYPE, serial.toString(16)).isEmpty()) {
        throw new NotFoundException("the root signed no CA certificate with serial " + serial.toString(16));
      }
      SecretBytes ceremonyKey = ceremonyKey(root, shares, secrets);
      secrets.add(ceremonyKey);
      String payload = clock.instant().truncatedTo(ChronoUnit.SECONDS).toEpochMilli() + " " + why;
      records.put(REVOKED_TYPE, serial.toString(16), payload.getBytes(StandardCharsets.US_ASCII), 0);
      audit.record(AuditDraft.ok(requestId(), CUSTODIANS, action, "ceremony/root", "offline", params));
      sealLog(ceremonyKey, secrets);
    } catch (CustosException e) {
      refused(action, params, e);
      throw e;
    } finally {
      secrets.close();
    }
  }


  // ------------------------------------------------------------------------------------- rollover

  /**
   * What {@link #rollover} made: the new root, the two link certificates of RFC 4210 §4.4, and
   * the custodians' shares of the new ceremony key (the caller hands out and closes them).
   *
   * @param oldWithNew the old root's public key certified by the new key (relying parties that
   *     trust only the new root reach CAs the old root certified)
   * @param newWithOld the new root's public key certified by the old key, never past the old root's
   *     notAfter (relying parties that still trust only the old root reach CAs the new root certifies)
   */
  public record RolledOver(List<UnsealShare> shares, byte[] newRoot, byte[] oldWithNew, byte[] newWithOld,
      boolean oldKeyDestroyed) implements AutoCloseable {
    public RolledOver {
      shares = List.copyOf(shares);
      newRoot = newRoot.clone();
      oldWithNew = oldWithNew.clone();
      newWithOld = newWithOld.clone();
    }

    @Override
    public byte[] newRoot() {
      return newRoot.clone();
    }

    @Override
    public byte[] oldWithNew() {
      return oldWithNew.clone();
    }

    @Override
    public byte[] newWithOld() {
      return newWithOld.clone();
    }

    @Override
    public void close() {
      shares.forEach(UnsealShare::close);
    }
  }

  /** A root this data directory held before a rollover: its certificate and whether its key still exists. */
  public record PreviousRoot(byte[] certificate, String serial, boolean keyDestroyed, int threshold) {}

  /**
   * Root CA key update (RFC 4210 §4.4): with M shares of the current root and a witness, generates
   * a new root key in the FIPS module, self-signs the new root, issues the OldWithNew and
   * NewWithOld link certificates, and splits a fresh ceremony key among the custodians. The new
   * root becomes the current one; the old root is kept as a previous root so that it can sign the
   * final CRLs of the hierarchy it certified ({@link #crlOfPrevious}), unless {@code retireOld}
   * destroys its wrapped key now (SS-002 11.4.3: keys are deleted once nothing depends on them;
   * 11.4.1: a CA key is never escrowed, so destroyed is destroyed). The offline log's checkpoint
   * key carries over to the new ceremony key, so imports of the log continue.
   *
   * @param subject the new root's subject; empty keeps the current subject
   * @param custodians N of the new split, empty keeps the current N
   * @param threshold M of the new split, empty keeps the current M
   */
  public RolledOver rollover(List<String> shares, String witness, String algorithm, Optional<String> subject,
      Duration validity, Optional<Integer> custodians, Optional<Integer> threshold, boolean retireOld) {
    String action = "ceremony.rollover";
    Map<String, String> params = new LinkedHashMap<>();
    params.put("shares", Integer.toString(shares.size()));
    params.put("algorithm", String.valueOf(algorithm));
    params.put("validity_days", Long.toString(validity.toDays()));
    params.put("retire_old", Boolean.toString(retireOld));
    Secrets secrets = new Secrets();
    try {
      params.put("witness", witness(witness));
      KeyPairType type = ALGORITHMS.get(algorithm == null ? "" : algorithm.toLowerCase(Locale.ROOT));
      if (type == null) {
        throw new InvalidInputException("the root algorithm must be one of " + ALGORITHMS.keySet().stream().sorted().toList());
      }
      checkLifetime(CaLevel.ROOT, validity);
      Loaded loaded = load();
      Root old = loaded.root;
      int n = custodians.orElse(old.custodians);
      int m = threshold.orElse(old.threshold);
      params.put("custodians", Integer.toString(n));
      params.put("threshold", Integer.toString(m));
      if (m < 2 || m > n || n > ShareSplitter.MAX_SHARES) {
        throw new InvalidInputException("custodians N and threshold M need 2 <= M <= N <= " + ShareSplitter.MAX_SHARES
            + " (SS-002 11.3.1: no single person uses the root), got M=" + m + " N=" + n);
      }
      X509Certificate oldCert = x509(old.certificate);
      byte[] subjectDer = subject.isPresent() ? Certificates.name(subject.get())
          : oldCert.getSubjectX500Principal().getEncoded();
      Unlocked unlocked = unlock(old, shares, secrets);
      Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
      Instant oldEnd = oldCert.getNotAfter().toInstant();
      if (!oldEnd.isAfter(now)) {
        throw new ControlViolationException("SS-002 11.1.9", "the current root expired at " + oldEnd
            + "; a link certificate cannot be signed by an expired root");
      }
      KeyPairMaterial pair = crypto.generateKeyPair(type);
      secrets.add(pair);
      AsymmetricProvider.PrivateKeyHandle key = provider.privateKey(type, pair.privateKey());
      secrets.add(key);
      Certificates.Issuer newIssuer = new Certificates.Issuer(subjectDer, pair.publicKey(), type, key::sign);
      Instant newEnd = now.plus(validity);
      byte[] newRoot = Certificates.issue(caTemplate(serial(), subjectDer, pair.publicKey(), now, newEnd), newIssuer);
      Instant linkStart = now.minus(Duration.ofMinutes(5));
      byte[] oldWithNew = Certificates.issue(caTemplate(serial(), oldCert.getSubjectX500Principal().getEncoded(),
          oldCert.getPublicKey().getEncoded(), linkStart, oldEnd), newIssuer);
      byte[] newWithOld = Certificates.issue(caTemplate(serial(), subjectDer, pair.publicKey(), linkStart,
          newEnd.isBefore(oldEnd) ? newEnd : oldEnd), unlocked.issuer());

      SecretBytes newCeremonyKey = crypto.drbg().newKey(32);
      secrets.add(newCeremonyKey);
      byte[] wrapped = pair.privateKey().use(pkcs8 ->
          crypto.aes256Gcm(newCeremonyKey, NonceBudget.fresh()).encrypt(pkcs8, aad(newRoot)));
      List<UnsealShare> newShares = ShareSplitter.split(newCeremonyKey, n, m, false, crypto.drbg().asSecureRandom());
      try {
        Root fresh = new Root(algorithm.toLowerCase(Locale.ROOT), type, newRoot, wrapped, KeyCheck.of(newCeremonyKey),
            n, m, newShares.getFirst().setId(), 0);
        String oldSerial = oldCert.getSerialNumber().toString(16);
        Root kept = retireOld ? old.withoutKey() : old;
        Optional<StoredRecord> auditKey = records.get(TYPE, AUDIT_KEY_ID);
        String newSerial = serialOf(newRoot).toString(16);
        List<Runnable> undo = new ArrayList<>();
        try {
          StoredRecord prev = records.put(TYPE, PREVIOUS_PREFIX + oldSerial, kept.encode(), 0);
          undo.add(() -> records.delete(TYPE, PREVIOUS_PREFIX + oldSerial, prev.version()));
          StoredRecord current = records.put(TYPE, ROOT_ID, fresh.encode(), loaded.version);
          undo.add(() -> records.put(TYPE, ROOT_ID, old.encode(), current.version()));
          for (byte[] link : List.of(oldWithNew, newWithOld)) {
            String id = serialOf(link).toString(16);
            StoredRecord l = records.put(LINK_TYPE, id, link, 0);
            undo.add(() -> records.delete(LINK_TYPE, id, l.version()));
          }
          if (auditKey.isPresent()) {
            // The offline log's checkpoint key moves to the new ceremony key, so imports continue.
            AuditKey ak = AuditKey.decode(auditKey.get().payload());
            SecretBytes pkcs8 = ak.unwrap(crypto, unlocked.ceremonyKey());
            secrets.add(pkcs8);
            StoredRecord k = records.put(TYPE, AUDIT_KEY_ID,
                AuditKey.wrap(crypto, newCeremonyKey, ak.publicKey, pkcs8).encode(), auditKey.get().version());
            undo.add(() -> records.put(TYPE, AUDIT_KEY_ID, auditKey.get().payload(), k.version()));
          }
          params.put("old_serial", oldSerial);
          params.put("new_serial", newSerial);
          params.put("old_with_new", serialOf(oldWithNew).toString(16));
          params.put("new_with_old", serialOf(newWithOld).toString(16));
          params.put("set_id", newShares.getFirst().setIdHex());
          params.put("old_key", retireOld ? "destroyed" : "kept for final CRLs");
          audit.record(AuditDraft.ok(requestId(), CUSTODIANS, action, "ceremony/root", "offline", params));
        } catch (RuntimeException e) {
          for (Runnable u : undo.reversed()) { // fail closed: no unaudited rollover, the old root stays current
            try {
              u.run();
            } catch (RuntimeException ignored) {
              // undo the rest
            }
          }
          throw e;
        }
        try {
          sealLog(newCeremonyKey, secrets);
        } catch (RuntimeException e) {
          // The rollover is done and audited; losing the new shares now would lose the root. The
          // next ceremony's checkpoint covers this event.
          System.getLogger(Ceremonies.class.getName()).log(System.Logger.Level.WARNING,
              "the offline log could not be sealed after the rollover; the next ceremony will: " + e.getMessage());
        }
      } catch (RuntimeException e) {
        newShares.forEach(UnsealShare::close);
        throw e;
      }
      return new RolledOver(newShares, newRoot, oldWithNew, newWithOld, retireOld);
    } catch (CustosException e) {
      refused(action, params, e);
      throw e;
    } finally {
      secrets.close();
    }
  }

  /** Roots this directory held before, oldest first. */
  public List<PreviousRoot> previousRoots() {
    List<PreviousRoot> out = new ArrayList<>();
    for (String id : records.list(TYPE, PREVIOUS_PREFIX, 1000)) {
      if (!id.startsWith(PREVIOUS_PREFIX)) {
        continue;
      }
      records.get(TYPE, id).ifPresent(r -> {
        Root root = Root.decode(r.payload());
        out.add(new PreviousRoot(root.certificate.clone(), id.substring(PREVIOUS_PREFIX.length()),
            root.wrappedKey.length == 0, root.threshold));
      });
    }
    return out;
  }

  /**
   * Signs a final CRL of a previous root (kept by {@link #rollover} without {@code retireOld}),
   * with M shares of <em>that</em> root's split: every CA certificate marked revoked is listed.
   */
  public byte[] crlOfPrevious(String previousSerial, List<String> shares, String witness, Duration nextUpdate) {
    String action = "ceremony.crl";
    Map<String, String> params = new LinkedHashMap<>();
    params.put("shares", Integer.toString(shares.size()));
    params.put("root", "previous " + previousSerial);
    Secrets secrets = new Secrets();
    try {
      params.put("witness", witness(witness));
      if (nextUpdate.isNegative() || nextUpdate.isZero() || nextUpdate.compareTo(Duration.ofDays(366)) > 0) {
        throw new InvalidInputException("the next update must be within a year");
      }
      String id = PREVIOUS_PREFIX + normaliseHex(previousSerial);
      StoredRecord stored = records.get(TYPE, id).orElseThrow(() -> new NotFoundException(
          "this data directory held no previous root with serial " + previousSerial));
      Root root = Root.decode(stored.payload());
      if (root.wrappedKey.length == 0) {
        throw new InvalidInputException("the key of previous root " + previousSerial
            + " was destroyed at rollover (--retire-old); it signs nothing any more");
      }
      Unlocked unlocked = unlock(root, shares, secrets);
      List<Crls.Revoked> revoked = revokedBy(root);
      long number = root.crlNumber + 1;
      Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
      byte[] crl = Crls.sign(unlocked.issuer(), now, now.plus(nextUpdate), BigInteger.valueOf(number), revoked);
      records.put(TYPE, id, root.withCrlNumber(number).encode(), stored.version());
      params.put("crl_number", Long.toString(number));
      params.put("revoked", Integer.toString(revoked.size()));
      audit.record(AuditDraft.ok(requestId(), CUSTODIANS, action, "ceremony/root", "offline", params));
      return crl;
    } catch (CustosException e) {
      refused(action, params, e);
      throw e;
    } finally {
      secrets.close();
    }
  }

  /** The revoked CA certificates that {@code root}'s key signed: after a rollover each root lists only its own. */
  private List<Crls.Revoked> revokedBy(Root root) {
    java.security.PublicKey key = x509(root.certificate).getPublicKey();
    List<Crls.Revoked> revoked = new ArrayList<>();
    for (String id : records.list(REVOKED_TYPE, "", 10_000)) {
      Optional<StoredRecord> issued = records.get(ISSUED_TYPE, id);
      if (issued.isEmpty() || !signedBy(issued.get().payload(), key)) {
        continue;
      }
      records.get(REVOKED_TYPE, id).ifPresent(r -> revoked.add(decodeRevoked(id, r.payload())));
    }
    return revoked;
  }

  private static boolean signedBy(byte[] cert, java.security.PublicKey key) {
    try {
      x509(cert).verify(key);
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static String normaliseHex(String serial) {
    try {
      return new BigInteger(serial.replace(":", "").strip(), 16).toString(16);
    } catch (NumberFormatException | NullPointerException e) {
      throw new InvalidInputException("a serial is hexadecimal, got '" + serial + "'");
    }
  }

  private static Certificates.Template caTemplate(BigInteger serial, byte[] subjectDer, byte[] spki, Instant from,
      Instant to) {
    return new Certificates.Template(serial, subjectDer, spki, from, to, CaLevel.ROOT, Optional.empty(),
        Set.of("keyCertSign", "cRLSign"), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
        Optional.empty(), Optional.empty(), Optional.empty(), false);
  }

  // ---------------------------------------------------------------------------- offline audit log

  /**
   * The offline log's checkpoint public key (raw Ed25519), if a ceremony has made one. Open the
   * data directory's audit log with it so stored checkpoints are checked; import pins it.
   */
  public static Optional<byte[]> auditPublicKey(RecordStore records) {
    return records.get(TYPE, AUDIT_KEY_ID).map(r -> AuditKey.decode(r.payload()).publicKey.clone());
  }

  /** The offline log's checkpoint key as a verifier key ({@code name+id+base64}), the form the import pins. */
  public String auditVerifierKey() {
    return CheckpointKeys.verifierKey(audit.keyName(), auditPublicKey(records).orElseThrow(() -> new NotFoundException(
        "the offline log has no checkpoint key yet; it is made at the first ceremony")));
  }

  /**
   * Signs a checkpoint over the offline log, including this ceremony's event. The checkpoint key
   * (Ed25519, generated in the FIPS module at the first ceremony) is wrapped under the ceremony
   * key, so the log is only ever sealed with M custodians present; refusals recorded between
   * ceremonies are covered by the next one.
   */
  private void sealLog(SecretBytes ceremonyKey, Secrets secrets) {
    Optional<StoredRecord> stored = records.get(TYPE, AUDIT_KEY_ID);
    AuditKey ak;
    SecretBytes pkcs8;
    if (stored.isPresent()) {
      ak = AuditKey.decode(stored.get().payload());
      pkcs8 = ak.unwrap(crypto, ceremonyKey);
      secrets.add(pkcs8);
    } else {
      KeyPairMaterial pair = crypto.generateKeyPair(KeyPairType.ED25519);
      secrets.add(pair);
      pkcs8 = pair.privateKey();
      ak = AuditKey.wrap(crypto, ceremonyKey, CheckpointKeys.rawFromSpki(pair.publicKey()), pkcs8);
      records.put(TYPE, AUDIT_KEY_ID, ak.encode(), 0);
    }
    AsymmetricProvider.PrivateKeyHandle key = provider.privateKey(KeyPairType.ED25519, pkcs8);
    secrets.add(key);
    byte[] raw = ak.publicKey.clone();
    String name = audit.keyName();
    audit.attachSigner(new CheckpointSigner() {
      @Override
      public String keyName() {
        return name;
      }

      @Override
      public byte[] publicKey() {
        return raw.clone();
      }

      @Override
      public byte[] sign(byte[] message) {
        return key.sign(message);
      }
    });
    try {
      audit.checkpointNow();
    } finally {
      audit.detachSigner();
    }
  }

  /** The offline log's checkpoint key: public half in the clear, private half under the ceremony key. */
  private record AuditKey(byte[] publicKey, byte[] wrapped) {
    static AuditKey wrap(CryptoModule crypto, SecretBytes ceremonyKey, byte[] raw, SecretBytes pkcs8) {
      byte[] w = pkcs8.use(p -> crypto.aes256Gcm(ceremonyKey, NonceBudget.fresh()).encrypt(p, aadOf(raw)));
      return new AuditKey(raw.clone(), w);
    }

    SecretBytes unwrap(CryptoModule crypto, SecretBytes ceremonyKey) {
      return SecretBytes.adopt(crypto.aes256Gcm(ceremonyKey, NonceBudget.fresh()).decrypt(wrapped, aadOf(publicKey)));
    }

    private static byte[] aadOf(byte[] raw) {
      return ("custos.ceremony.audit-key.v1|" + HexFormat.of().formatHex(raw)).getBytes(StandardCharsets.US_ASCII);
    }

    byte[] encode() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(1);
        Root.blob(out, publicKey);
        Root.blob(out, wrapped);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    static AuditKey decode(byte[] b) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
        if (in.readUnsignedByte() != 1) {
          throw new InvalidInputException("the stored audit key has an unknown format");
        }
        return new AuditKey(Root.blob(in), Root.blob(in));
      } catch (IOException e) {
        throw new InvalidInputException("the stored audit key is damaged");
      }
    }
  }

  /** Secrets handled by the last ceremony (all wiped by the time it returned). For tests. */
  List<AutoCloseable> lastSecrets() {
    return lastSecrets;
  }

  // ------------------------------------------------------------------------------------ internals

  /** The unlocked root: its signer, and the ceremony key that unwrapped it (both wiped with the secrets). */
  private record Unlocked(Certificates.Issuer issuer, SecretBytes ceremonyKey) {}

  /** Reconstructs the ceremony key, unwraps the root key and loads it for signing. */
  private Unlocked unlock(Root root, List<String> shares, Secrets secrets) {
    SecretBytes ceremonyKey = ceremonyKey(root, shares, secrets);
    secrets.add(ceremonyKey);
    Aead aead = crypto.aes256Gcm(ceremonyKey, NonceBudget.fresh());
    SecretBytes pkcs8 = SecretBytes.adopt(aead.decrypt(root.wrappedKey, aad(root.certificate)));
    secrets.add(pkcs8);
    AsymmetricProvider.PrivateKeyHandle key = provider.privateKey(root.type, pkcs8);
    secrets.add(key);
    X509Certificate cert = x509(root.certificate);
    return new Unlocked(new Certificates.Issuer(cert.getSubjectX500Principal().getEncoded(),
        cert.getPublicKey().getEncoded(), root.type, key::sign), ceremonyKey);
  }

  private static SecretBytes ceremonyKey(Root root, List<String> shares, Secrets secrets) {
    if (shares.size() < root.threshold) {
      throw new ControlViolationException("SS-002 11.3.1", "this ceremony needs " + root.threshold
          + " custodian shares, " + shares.size() + " given");
    }
    UnsealProgress progress = new UnsealProgress(root.keyCheck);
    try {
      for (String text : shares) {
        UnsealShare share = UnsealShare.parse(text);
        secrets.add(share);
        if (share.setId() != root.setId) {
          throw new InvalidInputException("a share is not from this root's split (set " + share.setIdHex() + ")");
        }
        try {
          if (progress.submit(share) instanceof UnsealProgress.Unsealed u) {
            secrets.add(u.rootKey());
            return u.rootKey();
          }
        } catch (InvalidInputException e) {
          throw new InvalidInputException(e.getMessage().replace("root key", "ceremony key")
              .replace(" progress has been reset, submit " + root.threshold + " shares again", " refused")
              .replace("; progress unchanged", "; refused"));
        }
      }
      throw new IllegalStateException("threshold reached without a result");
    } finally {
      progress.reset();
    }
  }

  private void refused(String action, Map<String, String> params, CustosException e) {
    Optional<String> control = e instanceof ControlViolationException c ? c.control() : Optional.empty();
    Map<String, String> p = new LinkedHashMap<>(params);
    p.put("reason", e.getMessage().length() > 500 ? e.getMessage().substring(0, 500) : e.getMessage());
    try {
      audit.record(AuditDraft.denied(requestId(), CUSTODIANS, action, "ceremony/root", control, "offline", p));
    } catch (RuntimeException ignored) {
      // The refusal stands either way.
    }
  }

  private static String witness(String witness) {
    if (witness == null || witness.isBlank()) {
      throw new ControlViolationException("SS-002 11.3.1", "every root ceremony is witnessed: name the witness");
    }
    String w = witness.strip();
    if (w.length() > 200 || w.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidInputException("the witness is a name of at most 200 printable characters");
    }
    return w;
  }

  private static void checkLifetime(CaLevel level, Duration validity) {
    if (validity.isNegative() || validity.isZero()) {
      throw new InvalidInputException("the validity must be positive");
    }
    if (validity.compareTo(level.maxLifetime()) > 0) {
      throw new ControlViolationException("SS-002 11.1.9", "a " + level.id() + " CA lives at most " + level.maxYears()
          + " years; " + validity.toDays() + " days asked for (refused, never truncated)");
    }
  }

  private BigInteger serial() {
    byte[] b = new byte[16];
    crypto.drbg().nextBytes(b);
    b[0] = (byte) ((b[0] & 0x3f) | 0x40);
    return new BigInteger(1, b);
  }

  private static BigInteger serialOf(byte[] cert) {
    return x509(cert).getSerialNumber();
  }

  /** The wrapped key is bound to the root certificate: swapping either detaches it. */
  private static byte[] aad(byte[] cert) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(cert);
      return ("custos.ceremony.root-key.v1|" + HexFormat.of().formatHex(h)).getBytes(StandardCharsets.US_ASCII);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String requestId() {
    return "ceremony-" + UUID.randomUUID();
  }

  static X509Certificate x509(byte[] der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new InvalidInputException("not an X.509 certificate: " + e.getMessage());
    }
  }

  private static Crls.Revoked decodeRevoked(String id, byte[] payload) {
    String[] parts = new String(payload, StandardCharsets.US_ASCII).split(" ", 2);
    return new Crls.Revoked(new BigInteger(id, 16), Instant.ofEpochMilli(Long.parseLong(parts[0])), parts[1]);
  }

  private record Loaded(Root root, long version) {}

  private Loaded load() {
    StoredRecord r = records.get(TYPE, ROOT_ID).orElseThrow(() -> new NotFoundException(
        "this data directory holds no offline root; run `custos --data-dir DIR ceremony init-root` first"));
    return new Loaded(Root.decode(r.payload()), r.version());
  }

  /** The stored root: public certificate, wrapped private key and the split's public facts. */
  private record Root(String algorithm, KeyPairType type, byte[] certificate, byte[] wrappedKey, byte[] keyCheck,
      int custodians, int threshold, long setId, long crlNumber) {
    Root withCrlNumber(long n) {
      return new Root(algorithm, type, certificate, wrappedKey, keyCheck, custodians, threshold, setId, n);
    }

    /** The root with its wrapped private key destroyed: the certificate and split facts stay for the record. */
    Root withoutKey() {
      return new Root(algorithm, type, certificate, new byte[0], keyCheck, custodians, threshold, setId, crlNumber);
    }

    byte[] encode() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(1);
        out.writeUTF(algorithm);
        out.writeUTF(type.name());
        blob(out, certificate);
        blob(out, wrappedKey);
        blob(out, keyCheck);
        out.writeInt(custodians);
        out.writeInt(threshold);
        out.writeLong(setId);
        out.writeLong(crlNumber);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    static Root decode(byte[] b) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
        if (in.readUnsignedByte() != 1) {
          throw new InvalidInputException("the stored root has an unknown format");
        }
        return new Root(in.readUTF(), KeyPairType.valueOf(in.readUTF()), blob(in), blob(in), blob(in), in.readInt(),
            in.readInt(), in.readLong(), in.readLong());
      } catch (IOException e) {
        throw new InvalidInputException("the stored root is damaged");
      }
    }

    private static void blob(DataOutputStream out, byte[] b) throws IOException {
      out.writeInt(b.length);
      out.write(b);
    }

    private static byte[] blob(DataInputStream in) throws IOException {
      int n = in.readInt();
      if (n < 0 || n > 1 << 20) {
        throw new IOException("bad length");
      }
      return in.readNBytes(n);
    }
  }

  /** Everything secret a ceremony touches, closed (wiped) together when it ends. */
  private final class Secrets implements AutoCloseable {
    private final List<AutoCloseable> all = new ArrayList<>();

    void add(AutoCloseable c) {
      all.add(c);
    }

    @Override
    public void close() {
      for (AutoCloseable c : all.reversed()) {
        try {
          c.close();
        } catch (Exception ignored) {
          // keep wiping the rest
        }
      }
      lastSecrets = List.copyOf(all);
    }
  }
}
