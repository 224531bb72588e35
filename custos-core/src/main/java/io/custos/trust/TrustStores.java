package io.custos.trust;

import io.custos.barrier.Barrier;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.MacAlgorithm;
import io.custos.crypto.Pem;
import io.custos.crypto.SecretBytes;
import io.custos.failure.ConflictException;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The front door of trust stores (SS-002 11.4.5, 11.4.6): named sets of allow-listed trust
 * anchors — X.509 CA certificates — used wherever Custos verifies something (client certificates
 * now, through the store named {@value #CLIENTS}; image signatures later).
 *
 * <p>Each store is one record under the barrier. Inside it, an HMAC-SHA-256 under a key kept in
 * the barrier covers the store's name and its canonical contents (anchors in fingerprint order);
 * it is checked every time the store is read, and a store whose MAC fails is refused with
 * {@link ControlViolationException} naming SS-002 11.4.6 — never used.
 *
 * <p>Implicit deny: {@link #verify} accepts a chain only if it validates (PKIX) to an anchor of
 * the named store; an empty or missing store trusts nothing. Revocation is not checked yet:
 * CRL and OCSP checking arrive with the revocation work.
 */
public final class TrustStores {
  public static final String TYPE = "trust.store";
  public static final String KEY_TYPE = "trust.key";
  /** The store that client certificates (mutual TLS) must chain to. */
  public static final String CLIENTS = "clients";
  public static final int MAX_ANCHORS = 256;
  public static final int MAX_CHAIN = 8;
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final byte FORMAT = 1;
  private static final byte[] DOMAIN = "custos-trust-store-v1".getBytes(StandardCharsets.US_ASCII);
  private static final String CONTROL = "SS-002 11.4.6";

  /** One trust anchor: a CA certificate and what people look at to recognise it. */
  public record Anchor(String subject, String issuer, String sha256, Instant notBefore, Instant notAfter, byte[] der) {
    public Anchor {
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(sha256, "sha256");
      der = der.clone();
    }

    @Override
    public byte[] der() {
      return der.clone();
    }

    public String pem() {
      return Pem.write("CERTIFICATE", der);
    }
  }

  /** A named store and its anchors, in fingerprint order. */
  public record Store(String name, List<Anchor> anchors) {
    public Store {
      anchors = List.copyOf(anchors);
    }

    public String pem() {
      StringBuilder b = new StringBuilder();
      anchors.forEach(a -> b.append(a.pem()));
      return b.toString();
    }
  }

  /** The outcome of {@link #verify}: trusted, or why not (for logs and audit, never for clients). */
  public record Verdict(boolean trusted, String reason) {
    static Verdict no(String reason) {
      return new Verdict(false, reason);
    }
  }

  private final RecordStore records;
  private final Supplier<Barrier> barrier;
  private final CryptoModule module;
  private final Clock clock;

  public TrustStores(RecordStore records, Supplier<Barrier> barrier, CryptoModule module, Clock clock) {
    this.records = Objects.requireNonNull(records, "records");
    this.barrier = Objects.requireNonNull(barrier, "barrier");
    this.module = Objects.requireNonNull(module, "module");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  // ---------------------------------------------------------------- reading

  /** The names of every store. */
  public List<String> names() {
    return records.list(TYPE, "", 10_000);
  }

  /**
   * A store, after its integrity MAC was checked; empty if there is none.
   *
   * @throws ControlViolationException if the stored store does not match its MAC
   */
  public Optional<Store> store(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    return records.get(TYPE, name).map(r -> decode(name, r));
  }

  public Store require(String name) {
    checkName(name);
    return store(name).orElseThrow(() -> new NotFoundException("no trust store '" + name + "'"));
  }

  // ---------------------------------------------------------------- changing

  /** What an import did: the anchors added (those already present are not repeated). */
  public record Imported(Store store, List<Anchor> added, int alreadyPresent) {
    public Imported {
      added = List.copyOf(added);
    }
  }

  /**
   * Adds the CA certificates in {@code pem} to store {@code name}, creating it if needed. Every
   * block must be a currently valid X.509 CA certificate (basicConstraints CA=true, and
   * keyCertSign if key usage is present); otherwise nothing is added and the reason names the
   * certificate.
   */
  public Imported importAnchors(String name, String pem) {
    checkName(name);
    List<Anchor> incoming = parseAnchors(pem);
    Optional<StoredRecord> r = records.get(TYPE, name);
    long expected = r.map(StoredRecord::version).orElse(0L);
    List<Anchor> anchors = new ArrayList<>(r.map(x -> decode(name, x).anchors()).orElse(List.of()));
    Set<String> present = new HashSet<>(anchors.stream().map(Anchor::sha256).toList());
    List<Anchor> added = new ArrayList<>();
    int already = 0;
    for (Anchor a : incoming) {
      if (present.add(a.sha256())) {
        anchors.add(a);
        added.add(a);
      } else {
        already++;
      }
    }
    if (anchors.size() > MAX_ANCHORS) {
      throw new InvalidInputException("a trust store holds at most " + MAX_ANCHORS + " anchors; '" + name
          + "' would hold " + anchors.size());
    }
    Store next = write(name, anchors, expected);
    return new Imported(next, added, already);
  }

  /**
   * Removes one anchor, by SHA-256 fingerprint of its certificate (hex); the store stays, possibly
   * empty (and then trusts nothing).
   */
  public Store remove(String name, String sha256) {
    checkName(name);
    String fp = sha256 == null ? "" : sha256.toLowerCase(java.util.Locale.ROOT).replace(":", "");
    if (!fp.matches("[0-9a-f]{64}")) {
      throw new InvalidInputException("an anchor is named by the SHA-256 fingerprint of its certificate: 64 hex digits");
    }
    StoredRecord r = records.get(TYPE, name).orElseThrow(() -> new NotFoundException("no trust store '" + name + "'"));
    List<Anchor> anchors = new ArrayList<>(decode(name, r).anchors());
    if (!anchors.removeIf(a -> a.sha256().equals(fp))) {
      throw new NotFoundException("trust store '" + name + "' has no anchor " + fp);
    }
    return write(name, anchors, r.version());
  }

  // ---------------------------------------------------------------- verifying

  /**
   * Whether {@code chain} (end-entity first, then any intermediates; the anchor itself may be
   * included or not) validates to an anchor of store {@code name}, now. Implicit deny: a missing
   * or empty store, a broken or expired chain, or a chain to any other CA is not trusted.
   * Revocation is not checked yet (CRLs and OCSP come with the revocation work).
   *
   * @throws ControlViolationException if the store fails its integrity check
   */
  public Verdict verify(String name, List<X509Certificate> chain) {
    if (chain == null || chain.isEmpty()) {
      return Verdict.no("no certificate presented");
    }
    if (chain.size() > MAX_CHAIN) {
      return Verdict.no("chain is longer than " + MAX_CHAIN + " certificates");
    }
    Optional<Store> store = store(name);
    if (store.isEmpty() || store.get().anchors().isEmpty()) {
      return Verdict.no("trust store '" + name + "' is missing or empty: it trusts nothing");
    }
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      Set<String> anchorPrints = new HashSet<>();
      Set<TrustAnchor> anchors = new HashSet<>();
      for (Anchor a : store.get().anchors()) {
        anchorPrints.add(a.sha256());
        anchors.add(new TrustAnchor((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(a.der)), null));
      }
      // The path handed to the validator stops below the anchor, if the client sent that too.
      List<X509Certificate> path = new ArrayList<>();
      for (X509Certificate c : chain) {
        if (anchorPrints.contains(fingerprint(c.getEncoded()))) {
          break;
        }
        path.add(c);
      }
      if (path.isEmpty()) {
        return Verdict.no("the presented certificate is itself a trust anchor, not an end entity");
      }
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(clock.instant()));
      CertPath certPath = cf.generateCertPath(path);
      CertPathValidator.getInstance("PKIX").validate(certPath, params);
      return new Verdict(true, "chains to an anchor of trust store '" + name + "'");
    } catch (CertPathValidatorException e) {
      return Verdict.no("chain does not validate to trust store '" + name + "': "
          + (e.getReason() == null ? "invalid" : e.getReason().toString().toLowerCase(java.util.Locale.ROOT)));
    } catch (GeneralSecurityException e) {
      return Verdict.no("chain cannot be checked: " + e.getClass().getSimpleName());
    }
  }

  // ---------------------------------------------------------------- parsing

  /**
   * The CA certificates in a PEM text, strictly: only {@code CERTIFICATE} blocks, each a valid,
   * unexpired CA certificate; at most {@link #MAX_ANCHORS} and {@link Pem#MAX_CHARS} characters.
   */
  public List<Anchor> parseAnchors(String pem) {
    List<Pem.Block> blocks = Pem.read(pem);
    if (blocks.size() > MAX_ANCHORS) {
      throw new InvalidInputException("at most " + MAX_ANCHORS + " certificates can be imported at once");
    }
    CertificateFactory cf;
    try {
      cf = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException(e);
    }
    Instant now = clock.instant();
    List<Anchor> out = new ArrayList<>();
    int n = 0;
    for (Pem.Block b : blocks) {
      n++;
      if (!b.label().equals("CERTIFICATE")) {
        throw new InvalidInputException("PEM block " + n + " is '" + b.label() + "', not a CERTIFICATE;"
            + " only CA certificates can be trust anchors");
      }
      X509Certificate c;
      try {
        c = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der()));
        if (!java.util.Arrays.equals(c.getEncoded(), b.der())) {
          throw new CertificateException("trailing or non-DER bytes");
        }
      } catch (CertificateException | ClassCastException e) {
        throw new InvalidInputException("certificate " + n + " is not a valid DER X.509 certificate");
      }
      String subject = c.getSubjectX500Principal().getName();
      String which = "certificate " + n + " (" + subject + ")";
      if (c.getBasicConstraints() < 0) {
        throw new InvalidInputException(which + " is not a CA certificate (basicConstraints CA=true is missing);"
            + " only CA certificates can be trust anchors");
      }
      boolean[] usage = c.getKeyUsage();
      if (usage != null && (usage.length < 6 || !usage[5])) {
        throw new InvalidInputException(which + " has a key usage without keyCertSign; it cannot sign certificates");
      }
      if (now.isAfter(c.getNotAfter().toInstant())) {
        throw new InvalidInputException(which + " expired at " + c.getNotAfter().toInstant());
      }
      if (now.isBefore(c.getNotBefore().toInstant())) {
        throw new InvalidInputException(which + " is not valid before " + c.getNotBefore().toInstant());
      }
      out.add(anchorOf(c, b.der()));
    }
    return out;
  }

  private static Anchor anchorOf(X509Certificate c, byte[] der) {
    return new Anchor(c.getSubjectX500Principal().getName(), c.getIssuerX500Principal().getName(), fingerprint(der),
        c.getNotBefore().toInstant(), c.getNotAfter().toInstant(), der);
  }

  /** SHA-256 of a certificate's DER, lower-case hex. */
  public static String fingerprint(byte[] der) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code name} is a valid store name ({@code [a-z0-9][a-z0-9._-]{0,63}}). */
  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  private static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidInputException("a trust store name must match [a-z0-9][a-z0-9._-]{0,63}");
    }
  }

  // ---------------------------------------------------------------- stored form

  /*
   * Stored (sealed) form:
   *   format (1) || mac (32) || count (u16) || count × (len (u32) || certificate DER)
   * MAC input:
   *   "custos-trust-store-v1" || len(name) (u16) || name || count (u16) || count × (len (u32) || DER),
   * anchors sorted by fingerprint.
   */

  private Store write(String name, List<Anchor> anchors, long expectedVersion) {
    List<Anchor> sorted = anchors.stream().sorted(Comparator.comparing(Anchor::sha256)).toList();
    byte[] contents = contents(sorted);
    byte[] mac = mac(name, contents);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(FORMAT);
    bytes.writeBytes(mac);
    bytes.writeBytes(contents);
    try {
      records.put(TYPE, name, barrier.get().seal(TYPE, name, expectedVersion + 1, bytes.toByteArray()), expectedVersion);
    } catch (ConflictException e) {
      throw new ConflictException("trust store '" + name + "' changed meanwhile; try again");
    }
    return new Store(name, sorted);
  }

  private Store decode(String name, StoredRecord r) {
    byte[] plain = barrier.get().open(TYPE, name, r.version(), r.payload());
    if (plain.length < 1 + 32 + 2 || plain[0] != FORMAT) {
      throw refused(name, "it is malformed");
    }
    byte[] mac = java.util.Arrays.copyOfRange(plain, 1, 33);
    byte[] contents = java.util.Arrays.copyOfRange(plain, 33, plain.length);
    if (!MessageDigest.isEqual(mac, mac(name, contents))) {
      throw refused(name, "its contents do not match their integrity MAC (altered, swapped or not written by Custos)");
    }
    List<Anchor> anchors = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(contents))) {
      int count = in.readUnsignedShort();
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (int i = 0; i < count; i++) {
        int len = in.readInt();
        if (len <= 0 || len > Pem.MAX_CHARS) {
          throw refused(name, "it is malformed");
        }
        byte[] der = in.readNBytes(len);
        X509Certificate c = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
        anchors.add(anchorOf(c, der));
      }
      if (in.available() != 0) {
        throw refused(name, "it has trailing bytes");
      }
    } catch (IOException | CertificateException e) {
      throw refused(name, "it is malformed");
    }
    return new Store(name, anchors);
  }

  private static ControlViolationException refused(String name, String why) {
    return new ControlViolationException(CONTROL, "trust store '" + name + "' failed its integrity check and is refused: "
        + why);
  }

  private static byte[] contents(List<Anchor> sorted) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeShort(sorted.size());
      for (Anchor a : sorted) {
        out.writeInt(a.der.length);
        out.write(a.der);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private byte[] mac(String name, byte[] contents) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    bytes.writeBytes(DOMAIN);
    bytes.write(n.length >>> 8);
    bytes.write(n.length);
    bytes.writeBytes(n);
    bytes.writeBytes(contents);
    try (SecretBytes key = macKey()) {
      return module.hmac(MacAlgorithm.HMAC_SHA256, key).tag(bytes.toByteArray());
    }
  }

  /** The integrity key: 256 random bits, made on first use and kept only in the barrier. */
  private SecretBytes macKey() {
    Barrier b = barrier.get();
    Optional<StoredRecord> r = records.get(KEY_TYPE, "hmac");
    if (r.isEmpty()) {
      try (SecretBytes fresh = module.drbg().newKey(32)) {
        records.put(KEY_TYPE, "hmac", fresh.use(k -> b.seal(KEY_TYPE, "hmac", 1, k)), 0);
      } catch (ConflictException raced) {
        // Another request made it first; use that one.
      }
      r = records.get(KEY_TYPE, "hmac");
    }
    StoredRecord stored = r.orElseThrow();
    return SecretBytes.adopt(b.open(KEY_TYPE, "hmac", stored.version(), stored.payload()));
  }
}
