package io.custos.kms;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.access.Decision;
import io.custos.barrier.Barrier;
import io.custos.crypto.Aead;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.KeyPairType;
import io.custos.crypto.NonceBudget;
import io.custos.crypto.SecretBytes;
import io.custos.failure.ConflictException;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The front door of the key-management service. Every request is validated in the order
 * SS-002 11.3.12 asks — authenticated caller, authorised (the key's one owner, or a grant),
 * key state, purpose, cryptoperiod — before any key material is touched.
 *
 * <p>Keys live in two kinds of barrier-sealed record: {@code kms.key/<name>} holds the
 * metadata ({@link ManagedKey}), {@code kms.material/<name>/<version>} the secret of one
 * version, written once and deleted when the key is destroyed. While unsealed, material that
 * has been used stays in memory in zeroising holders; {@link #wipe()} (called on seal) and
 * {@link #close()} overwrite all of it (SS-002 11.3.7).
 *
 * <p>Output is text of the form {@code custos:v1:<key>:<version>:<base64url>} (see
 * {@link Ciphertext}); the body for each algorithm is documented on the method that makes it.
 */
public final class KeyManager implements AutoCloseable {
  public static final String KEY_TYPE = "kms.key";
  public static final String MATERIAL_TYPE = "kms.material";
  public static final String TOMBSTONE_TYPE = "kms.tombstone";
  public static final String IMPORT_KEY_TYPE = "kms.import-key";
  /** Largest plaintext, message or blob one request may carry; more data uses data keys. */
  public static final int MAX_PAYLOAD = 1 << 20;
  /** AES-GCM encryptions reserved per metadata write, so nonce counts survive restarts. */
  static final long NONCE_RESERVATION = 1 << 20;

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
  private static final byte[] AAD_DOMAIN = "custos-kms-v1".getBytes(StandardCharsets.US_ASCII);

  /** A managed key's metadata as cached, with the store version it was read at. */
  private record Cached(ManagedKey key, long recordVersion) {}

  /** A fresh data key: the plaintext (only if asked for) and its ciphertext under the key. */
  public record DataKey(Optional<SecretBytes> plaintext, String ciphertext) implements AutoCloseable {
    @Override
    public void close() {
      plaintext.ifPresent(SecretBytes::close);
    }
  }

  /** Key material coming out of {@link #unwrap}: what it declares itself to be, and the bytes. */
  public record Unwrapped(String algorithm, SecretBytes material) implements AutoCloseable {
    @Override
    public void close() {
      material.close();
    }
  }

  /** What {@link #maintain} did to one key, for the audit log. */
  public record MaintenanceAction(String key, String action, Map<String, String> details) {}

  private final RecordStore records;
  private final Supplier<Barrier> barrier;
  private final CryptoModule module;
  private final AsymmetricProvider provider;
  private final AlgorithmPolicy policy;
  private final AccessGate gate;
  private final Clock clock;
  private final ConcurrentHashMap<String, Cached> keys = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, VersionMaterial> material = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AsymmetricProvider.PublicKeyHandle> publicKeys = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

  public KeyManager(RecordStore records, Supplier<Barrier> barrier, CryptoModule module, AsymmetricProvider provider,
      AlgorithmPolicy policy, AccessGate gate, Clock clock) {
    this.records = Objects.requireNonNull(records, "records");
    this.barrier = Objects.requireNonNull(barrier, "barrier");
    this.module = Objects.requireNonNull(module, "module");
    this.provider = Objects.requireNonNull(provider, "provider");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.gate = Objects.requireNonNull(gate, "gate");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Creates a key: checks the request, generates its first version inside the validated
   * module and stores it under the barrier.
   */
  public ManagedKey create(Caller caller, KeySpec spec) {
    Checked c = check(caller, spec, "kms:create");
    synchronized (lock(spec.name())) {
      if (records.get(KEY_TYPE, spec.name()).isPresent()) {
        throw new ConflictException("key '" + spec.name() + "' already exists (names are never reused)");
      }
      byte[] publicKey = storeNewMaterial(spec.name(), 1, c.algorithm());
      ManagedKey key = c.key(spec, "generated", publicKey);
      writeNew(key);
      return key;
    }
  }

  /** A creation or import request, checked. */
  private record Checked(KeyAlgorithm algorithm, Cryptoperiod period, KeyState state, Instant activation, Instant now) {
    ManagedKey key(KeySpec spec, String origin, byte[] publicKey) {
      return new ManagedKey(spec.name(), UUID.randomUUID().toString(), spec.owner(), spec.purpose(), algorithm, state,
          origin, now, now, period, spec.rotateEvery(), spec.escrowRequired(), spec.retainUntil(), spec.ca(), origin,
          List.of(new ManagedKey.Version(1, activation, publicKey, 0)), Optional.empty());
    }
  }

  /** Names the HTTP API uses for its own paths under /v1/keys/; no key takes them. */
  private static final Set<String> RESERVED_NAMES = Set.of("import", "import-key", "restore");

  private Checked check(Caller caller, KeySpec spec, String capability) {
    authenticated(caller);
    checkName(spec.name());
    if (RESERVED_NAMES.contains(spec.name())) {
      throw new InvalidInputException("'" + spec.name() + "' is reserved (it names an API path); choose another key name");
    }
    require(caller, capability, spec.name());
    if (spec.owner() == null || !PRINCIPAL.matcher(spec.owner()).matches()) {
      throw new InvalidInputException("owner must be one principal id ([A-Za-z0-9][A-Za-z0-9._@-]{0,127}); "
          + "keys are never shared (SS-002 11.3.10)");
    }
    KeyAlgorithm algorithm = policy.resolve(spec.algorithm());
    if (!algorithm.serves(spec.purpose())) {
      throw new ControlViolationException("SS-002 11.3.3", "algorithm '" + algorithm.id() + "' cannot be used for "
          + spec.purpose() + "; it serves " + algorithm.purposes() + " and a key has exactly one purpose");
    }
    Cryptoperiod period = spec.period().orElse(Cryptoperiod.defaultFor(spec.purpose())).checkFor(spec.purpose());
    Instant now = clock.instant();
    spec.rotateEvery().ifPresent(r -> {
      if (r.compareTo(Duration.ofHours(1)) < 0 || r.compareTo(period.originatorUsage()) > 0) {
        throw new InvalidInputException("rotate-every must be from 1h to the originator-usage period ("
            + Cryptoperiod.format(period.originatorUsage()) + "), got " + Cryptoperiod.format(r));
      }
    });
    if (spec.retainUntil().isPresent() && !spec.retainUntil().get().isAfter(now)) {
      throw new InvalidInputException("retain-until must be in the future");
    }
    if (spec.ca() && spec.escrowRequired()) {
      throw new ControlViolationException("SS-002 11.4.1", "CA keys must never be escrowed");
    }
    Instant activation = spec.activateAt().orElse(now);
    KeyState state = activation.isAfter(now) ? KeyState.PRE_ACTIVATION : KeyState.ACTIVE;
    return new Checked(algorithm, period, state, state == KeyState.ACTIVE ? now : activation, now);
  }

  // ---------------------------------------------------------------- import (BYOK)

  /**
   * The instance's import public key (RSA-3072, X.509 SPKI DER), made on first use. Keys to
   * import are wrapped to it as in PKCS #11 CKM_RSA_AES_KEY_WRAP: RSA-OAEP (SHA-256) of a
   * one-time AES-256 key, followed by AES-KWP (RFC 5649) of the key material under it.
   */
  public byte[] importPublicKey(Caller caller) {
    authenticated(caller);
    require(caller, "kms:import", "*");
    synchronized (locks.computeIfAbsent(" import", n -> new Object())) {
      Optional<StoredRecord> r = records.get(IMPORT_KEY_TYPE, "rsa-3072");
      if (r.isPresent()) {
        return importKeyParts(r.get())[1];
      }
      try (KeyPairMaterial pair = module.generateKeyPair(KeyPairType.RSA_3072)) {
        byte[] pub = pair.publicKey();
        byte[] body = pair.privateKey().use(p -> ByteBuffer.allocate(4 + p.length + pub.length)
            .putInt(p.length).put(p).put(pub).array());
        try {
          records.put(IMPORT_KEY_TYPE, "rsa-3072", barrier.get().seal(IMPORT_KEY_TYPE, "rsa-3072", 1, body), 0);
        } finally {
          Arrays.fill(body, (byte) 0);
        }
        return pub;
      }
    }
  }

  private byte[][] importKeyParts(StoredRecord r) {
    byte[] body = barrier.get().open(IMPORT_KEY_TYPE, "rsa-3072", r.version(), r.payload());
    try {
      int len = ByteBuffer.wrap(body).getInt();
      return new byte[][] {Arrays.copyOfRange(body, 4, 4 + len), Arrays.copyOfRange(body, 4 + len, body.length)};
    } finally {
      Arrays.fill(body, (byte) 0);
    }
  }

  /**
   * Imports a symmetric key (bring your own key): {@code wrapped} is either base64 of the
   * CKM_RSA_AES_KEY_WRAP form under {@link #importPublicKey}, or the text a managed wrap key
   * made ({@code custos:v1:<wrap key>:…}), e.g. on another Custos instance holding the same
   * wrap key. The material must fit the declared algorithm. The key is marked {@code imported}.
   */
  public ManagedKey importKey(Caller caller, KeySpec spec, String wrapped) {
    Checked c = check(caller, spec, "kms:import");
    if (c.algorithm().asymmetric()) {
      throw new InvalidInputException("importing " + c.algorithm().id() + " keys is not supported; import symmetric "
          + "keys (aes-256-gcm, aes-256-kwp, hmac-sha256, hmac-sha384)");
    }
    if (wrapped == null || wrapped.isBlank()) {
      throw new InvalidInputException("wrapped key material is missing");
    }
    try (SecretBytes material = wrapped.trim().startsWith(Ciphertext.PREFIX)
        ? unwrapForImport(caller, wrapped.trim(), c.algorithm())
        : unwrapImportBlob(wrapped.trim())) {
      if (material.length() != c.algorithm().symmetricKeyBytes()) {
        throw new InvalidInputException("a " + c.algorithm().id() + " key is " + c.algorithm().symmetricKeyBytes()
            + " bytes; the imported material is " + material.length());
      }
      synchronized (lock(spec.name())) {
        if (records.get(KEY_TYPE, spec.name()).isPresent()) {
          throw new ConflictException("key '" + spec.name() + "' already exists (names are never reused)");
        }
        writeMaterial(spec.name(), 1, material);
        ManagedKey key = c.key(spec, "imported", new byte[0]);
        writeNew(key);
        return key;
      }
    }
  }

  private SecretBytes unwrapForImport(Caller caller, String wrapped, KeyAlgorithm expected) {
    Ciphertext w = Ciphertext.parse(wrapped, "wrapped key");
    try (Unwrapped u = unwrap(caller, w.keyName(), wrapped, false)) {
      if (!u.algorithm().equals(expected.id())) {
        throw new InvalidInputException("the wrapped key declares itself " + u.algorithm() + ", not " + expected.id());
      }
      return SecretBytes.copyOf(u.material().use(byte[]::clone));
    }
  }

  private SecretBytes unwrapImportBlob(String base64) {
    byte[] blob;
    try {
      blob = java.util.Base64.getDecoder().decode(base64.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("wrapped key material is neither custos:v1:… text nor valid base64");
    }
    StoredRecord r = records.get(IMPORT_KEY_TYPE, "rsa-3072").orElseThrow(() ->
        new InvalidInputException("this instance has no import key yet; fetch it first (key import-key)"));
    if (blob.length <= 384 + 8) {
      throw new InvalidInputException("wrapped key material is too short for RSA-3072 OAEP + AES-KWP");
    }
    byte[][] parts = importKeyParts(r);
    try (SecretBytes pkcs8 = SecretBytes.adopt(parts[0]);
        AsymmetricProvider.PrivateKeyHandle importKey = provider.privateKey(KeyPairType.RSA_3072, pkcs8);
        SecretBytes ephemeral = importKey.decrypt(Arrays.copyOf(blob, 384))) {
      if (ephemeral.length() != 32) {
        throw new InvalidInputException("the wrapped one-time key is not AES-256");
      }
      return module.aesKwp(ephemeral).unwrap(Arrays.copyOfRange(blob, 384, blob.length));
    }
  }

  /** A key's metadata. */
  public ManagedKey get(Caller caller, String name) {
    authenticated(caller);
    ManagedKey key = load(name);
    requireOwnerOr(caller, "kms:read", key);
    return key;
  }

  /**
   * The owner of a key named by resource ({@code keys/NAME}), for separation-of-duties rules;
   * empty for anything else or a key that does not exist. Reads metadata only.
   */
  public Optional<String> ownerOf(String resource) {
    if (resource == null || !resource.startsWith("keys/") || !NAME.matcher(resource.substring(5)).matches()) {
      return Optional.empty();
    }
    return find(resource.substring(5)).map(ManagedKey::owner);
  }

  /** The key inventory (SS-002 11.5.1): every key (with kms:list) or the caller's own, secrets only by location. */
  public List<InventoryEntry> inventory(Caller caller) {
    authenticated(caller);
    // Without kms:list a caller sees the keys it owns.
    boolean all = gate.check(caller, "kms:list", "keys/*") instanceof Decision.Allow;
    List<InventoryEntry> out = new ArrayList<>();
    for (String n : records.list(KEY_TYPE, "", 10_000)) {
      ManagedKey k = load(n);
      if (all || k.owner().equals(caller.principalId())) {
        out.add(entry(k));
      }
    }
    return out;
  }

  private InventoryEntry entry(ManagedKey k) {
    String performer = k.algorithm().pairType()
        .map(t -> io.custos.crypto.AsymmetricProviders.performer(provider, t)).orElse(module.name());
    String location = k.state().destroyed() ? "destroyed"
        : "barrier:" + MATERIAL_TYPE + "/" + k.name() + "/" + k.newest().number();
    return new InventoryEntry(k.name(), k.id(), k.owner(), k.purpose().id(), k.algorithm().id(), k.algorithm().sizeBits(),
        k.algorithm().securityStrength(), k.state().id(), k.versions().size(), k.createdAt(),
        k.versions().getFirst().activatedAt(), k.originatorUsageEnd(), k.recipientUsageEnd(), k.retainUntil(),
        k.rotateEvery().map(Cryptoperiod::format), k.escrowStatus(), k.lastBackup().map(ManagedKey.Backup::at), k.ca(), k.origin(),
        "barrier AES-256-GCM (" + module.name() + ")", performer, location);
  }

  /** Adds a version; new protection uses it, older versions keep processing until their periods end. */
  public ManagedKey rotate(Caller caller, String name) {
    authenticated(caller);
    ManagedKey key = load(name);
    requireOwnerOr(caller, "kms:rotate", key);
    return rotateNow(key.name());
  }

  private ManagedKey rotateNow(String name) {
    synchronized (lock(name)) {
      ManagedKey key = load(name);
      if (key.state() != KeyState.ACTIVE) {
        throw new ConflictException("key '" + name + "' is " + key.state().id() + "; only active keys rotate");
      }
      int next = key.newest().number() + 1;
      byte[] publicKey = storeNewMaterial(name, next, key.algorithm());
      List<ManagedKey.Version> versions = new ArrayList<>(key.versions());
      versions.add(new ManagedKey.Version(next, clock.instant(), publicKey, 0));
      return update(name, k -> k.withVersions(versions));
    }
  }

  /**
   * Moves a key to another NIST SP 800-57 state. Only the transitions of SP 800-57 Figure 3 are
   * possible. Destroying overwrites and deletes every version's material; the metadata stays in
   * the inventory.
   */
  public ManagedKey transition(Caller caller, String name, KeyState target, String reason) {
    authenticated(caller);
    ManagedKey key = load(name);
    String capability = switch (target) {
      case DESTROYED, DESTROYED_COMPROMISED -> "kms:destroy";
      case COMPROMISED -> "kms:compromise";
      default -> "kms:manage";
    };
    requireOwnerOr(caller, capability, key);
    return moveTo(name, target, reason == null || reason.isBlank() ? "by " + caller.principalId() : reason);
  }

  private ManagedKey moveTo(String name, KeyState target, String reason) {
    synchronized (lock(name)) {
      ManagedKey key = load(name);
      if (!key.state().canMoveTo(target)) {
        throw new ConflictException("key '" + name + "' is " + key.state().id() + "; NIST SP 800-57 allows "
            + (key.state().next().isEmpty() ? "no further state" : "only " + ids(key.state().next())) + " from there");
      }
      Instant now = clock.instant();
      ManagedKey next = update(name, k -> {
        ManagedKey moved = k.withState(target, reason, now);
        if (k.state() == KeyState.PRE_ACTIVATION && target == KeyState.ACTIVE) {
          List<ManagedKey.Version> vs = new ArrayList<>(k.versions());
          vs.set(0, vs.getFirst().activatedAt(now));
          moved = moved.withVersions(vs);
        }
        return moved;
      });
      if (target.destroyed()) {
        destroyMaterial(next);
      }
      return next;
    }
  }

  private void destroyMaterial(ManagedKey key) {
    for (ManagedKey.Version v : key.versions()) {
      VersionMaterial m = material.remove(materialId(key.name(), v.number()));
      if (m != null) {
        m.close();
      }
      records.get(MATERIAL_TYPE, materialId(key.name(), v.number()))
          .ifPresent(r -> records.delete(MATERIAL_TYPE, materialId(key.name(), v.number()), r.version()));
    }
  }

  // ---------------------------------------------------------------- encrypt purpose

  /**
   * Encrypts up to {@link #MAX_PAYLOAD} bytes under the newest version. Bodies:
   * <ul>
   *   <li>AES-256-GCM: nonce (12) || ciphertext || tag (16);
   *   <li>RSA-OAEP: len (u16) || OAEP(one-time AES-256 key) || AES-256-GCM body;
   *   <li>ML-KEM: len (u16) || encapsulation || AES-256-GCM body under the shared secret.
   * </ul>
   * The GCM associated data binds the key name, version and the caller's {@code aad}.
   */
  public String encrypt(Caller caller, String name, byte[] plaintext, byte[] aad) {
    checkPayload(plaintext, "plaintext");
    ManagedKey key = admit(caller, name, KeyOperation.ENCRYPT, false);
    ManagedKey.Version v = key.newest();
    return new Ciphertext(name, v.number(), encryptBody(key, v, plaintext, aad)).text();
  }

  private byte[] encryptBody(ManagedKey key, ManagedKey.Version v, byte[] plaintext, byte[] aad) {
    byte[] boundAad = boundAad(key.name(), v.number(), aad);
    return switch (key.algorithm()) {
      case AES_256_GCM -> {
        VersionMaterial m = materialFor(key, v);
        reserveNonces(key, v, m);
        yield m.aead(module).encrypt(plaintext, boundAad);
      }
      case RSA_3072, RSA_4096 -> {
        AsymmetricProvider.PublicKeyHandle pub = publicKeyFor(key, v);
        try (SecretBytes dek = module.drbg().newKey(32)) {
          byte[] wrapped = pub.encrypt(dek.use(byte[]::clone));
          yield prefixed(wrapped, module.aes256Gcm(dek, NonceBudget.fresh()).encrypt(plaintext, boundAad));
        }
      }
      case ML_KEM_768, ML_KEM_1024 -> {
        try (AsymmetricProvider.Encapsulation enc = publicKeyFor(key, v).encapsulate()) {
          yield prefixed(enc.encapsulation(),
              module.aes256Gcm(enc.sharedSecret(), NonceBudget.fresh()).encrypt(plaintext, boundAad));
        }
      }
      default -> throw new IllegalStateException(key.algorithm().id() + " does not encrypt");
    };
  }

  /**
   * Decrypts what {@link #encrypt} made with the same {@code aad}; all or nothing.
   *
   * @param allowCompromised process under a compromised key (the caller audits this flag)
   */
  public SecretBytes decrypt(Caller caller, String name, String ciphertext, byte[] aad, boolean allowCompromised) {
    Ciphertext c = parseFor(name, ciphertext, "ciphertext");
    ManagedKey key = admit(caller, name, KeyOperation.DECRYPT, allowCompromised);
    ManagedKey.Version v = processVersion(key, c.version(), KeyOperation.DECRYPT);
    return SecretBytes.adopt(decryptBody(key, v, c.body(), aad));
  }

  private byte[] decryptBody(ManagedKey key, ManagedKey.Version v, byte[] body, byte[] aad) {
    byte[] boundAad = boundAad(key.name(), v.number(), aad);
    return switch (key.algorithm()) {
      case AES_256_GCM -> materialFor(key, v).aead(module).decrypt(body, boundAad);
      case RSA_3072, RSA_4096 -> {
        byte[][] parts = split(body);
        try (SecretBytes dek = materialFor(key, v).privateKey(provider).decrypt(parts[0])) {
          if (dek.length() != 32) {
            throw new InvalidInputException("ciphertext does not authenticate");
          }
          yield module.aes256Gcm(dek, NonceBudget.fresh()).decrypt(parts[1], boundAad);
        }
      }
      case ML_KEM_768, ML_KEM_1024 -> {
        byte[][] parts = split(body);
        try (SecretBytes shared = materialFor(key, v).privateKey(provider).decapsulate(parts[0])) {
          yield module.aes256Gcm(shared, NonceBudget.fresh()).decrypt(parts[1], boundAad);
        }
      }
      default -> throw new IllegalStateException(key.algorithm().id() + " does not decrypt");
    };
  }

  /** Moves a ciphertext to the newest version without handing out the plaintext. */
  public String rewrap(Caller caller, String name, String ciphertext, byte[] aad) {
    Ciphertext c = parseFor(name, ciphertext, "ciphertext");
    ManagedKey key = admit(caller, name, KeyOperation.REWRAP, false);
    ManagedKey.Version old = processVersion(key, c.version(), KeyOperation.DECRYPT);
    if (old.number() == key.newest().number()) {
      return c.text();
    }
    byte[] plain = decryptBody(key, old, c.body(), aad);
    try {
      return new Ciphertext(name, key.newest().number(), encryptBody(key, key.newest(), plain, aad)).text();
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * A fresh 256-bit data key from the DRBG for envelope encryption, encrypted under the key
   * (an encrypt key) or wrapped (a wrap key); its plaintext only if {@code withPlaintext}.
   */
  public DataKey dataKey(Caller caller, String name, byte[] aad, boolean withPlaintext) {
    ManagedKey probe = loadForAdmission(caller, name);
    KeyOperation op = probe != null && probe.purpose() == KeyPurpose.WRAP ? KeyOperation.WRAP : KeyOperation.DATAKEY;
    ManagedKey key = admit(caller, name, op, false);
    SecretBytes dek = module.drbg().newKey(32);
    try {
      String ct = op == KeyOperation.WRAP
          ? wrapMaterial(key, KeyAlgorithm.AES_256_GCM.id(), dek)
          : dek.use(d -> new Ciphertext(name, key.newest().number(), encryptBody(key, key.newest(), d, aad)).text());
      if (withPlaintext) {
        return new DataKey(Optional.of(dek), ct);
      }
      dek.close();
      return new DataKey(Optional.empty(), ct);
    } catch (RuntimeException e) {
      dek.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------- CA keys

  /**
   * Creates a certificate authority's signing key (the certificate authority has authorised the
   * request): purpose SIGN, attribute {@code ca} — never backed up, escrowed, exported or used
   * for anything but certificates and CRLs (SS-002 11.4.1, 11.3.3). Its periods are the CA
   * certificate's lifetime, which SS-002 11.1.9 bounds by the CA's level.
   */
  public ManagedKey createCaKey(String name, String algorithm, String owner, Duration lifetime) {
    checkName(name);
    if (owner == null || !PRINCIPAL.matcher(owner).matches()) {
      throw new InvalidInputException("a CA key needs one owner principal");
    }
    KeyAlgorithm alg = policy.resolve(algorithm);
    if (!alg.serves(KeyPurpose.SIGN)) {
      throw new ControlViolationException("SS-002 11.3.3", "algorithm '" + alg.id() + "' cannot sign certificates");
    }
    Instant now = clock.instant();
    synchronized (lock(name)) {
      if (records.get(KEY_TYPE, name).isPresent()) {
        throw new ConflictException("key '" + name + "' already exists (names are never reused)");
      }
      byte[] publicKey = storeNewMaterial(name, 1, alg);
      ManagedKey key = new ManagedKey(name, UUID.randomUUID().toString(), owner, KeyPurpose.SIGN, alg, KeyState.ACTIVE,
          "CA key generated", now, now, new Cryptoperiod(lifetime, lifetime), Optional.empty(), false, Optional.empty(),
          true, "generated", List.of(new ManagedKey.Version(1, now, publicKey, 0)), Optional.empty());
      writeNew(key);
      return key;
    }
  }

  /**
   * Generates a signing key pair for a certificate requester inside the crypto module from its
   * approved DRBG (SS-002 11.1.1), on the certificate authority's behalf (it has authorised the
   * request and the profile allows server-side generation, SS-002 11.1.2). Nothing is stored:
   * the caller encrypts the private half for the requester and closes the material, which wipes it.
   *
   * @param algorithm an approved signing algorithm id: {@code ecdsa-p256}, {@code rsa-3072}, …
   */
  public KeyPairMaterial generateForRequester(String algorithm) {
    KeyAlgorithm alg = policy.resolve(algorithm);
    if (!alg.serves(KeyPurpose.SIGN) || alg.pairType().isEmpty()) {
      throw new InvalidInputException("algorithm '" + alg.id() + "' does not make a certificate (signing) key pair");
    }
    return module.generateKeyPair(alg.pairType().orElseThrow());
  }

  /**
   * Signs a certificate or CRL body with a CA key: the key must be a CA key, active and inside
   * its originator-usage period. The certificate authority front door authorises the caller.
   */
  public byte[] signAsCa(String name, byte[] toBeSigned) {
    ManagedKey key = load(name);
    if (!key.ca()) {
      throw new ControlViolationException("SS-002 11.3.3", "key '" + name + "' is not a CA key");
    }
    if (key.state() != KeyState.ACTIVE) {
      throw new ControlViolationException("SS-002 11.3.12", "CA key '" + name + "' is " + key.state().id());
    }
    if (!clock.instant().isBefore(key.originatorUsageEnd())) {
      throw new ControlViolationException("SS-002 11.2.5", "CA key '" + name + "' passed the end of its "
          + "originator-usage period on " + key.originatorUsageEnd());
    }
    return materialFor(key, key.newest()).privateKey(provider).sign(toBeSigned);
  }

  /** A CA key's metadata, for its certificate authority. */
  /**
   * A key's metadata (never material) without an access check, for reports whose callers were
   * authorised for the report itself (the key compromise recovery plan, SS-002 11.6.3).
   */
  public ManagedKey metadata(String name) {
    return load(name);
  }

  /** The whole key inventory without an access check, for the same reports as {@link #metadata}. */
  public List<InventoryEntry> inventory() {
    List<InventoryEntry> out = new ArrayList<>();
    for (String n : records.list(KEY_TYPE, "", 10_000)) {
      out.add(entry(load(n)));
    }
    return out;
  }

  public ManagedKey caKey(String name) {
    ManagedKey key = load(name);
    if (!key.ca()) {
      throw new InvalidInputException("key '" + name + "' is not a CA key");
    }
    return key;
  }

  // ---------------------------------------------------------------- sign purpose

  /** Signs up to {@link #MAX_PAYLOAD} bytes with the newest version; the body is the signature. */
  public String sign(Caller caller, String name, byte[] message) {
    checkPayload(message, "message");
    ManagedKey key = admit(caller, name, KeyOperation.SIGN, false);
    if (key.ca()) {
      throw new ControlViolationException("SS-002 11.3.3", "key '" + name + "' is a CA key; it signs only certificates "
          + "and CRLs, through its certificate authority");
    }
    ManagedKey.Version v = key.newest();
    return new Ciphertext(name, v.number(), materialFor(key, v).privateKey(provider).sign(message)).text();
  }

  /** True if {@code signature} is this key's signature over {@code message}. */
  public boolean verify(Caller caller, String name, byte[] message, String signature, boolean allowCompromised) {
    checkPayload(message, "message");
    Ciphertext s = parseFor(name, signature, "signature");
    ManagedKey key = admit(caller, name, KeyOperation.VERIFY, allowCompromised);
    ManagedKey.Version v = processVersion(key, s.version(), KeyOperation.VERIFY);
    return publicKeyFor(key, v).verify(message, s.body());
  }

  /** The public key of a version (the newest if {@code version} is 0), as X.509 SPKI DER. */
  public PublicKey publicKey(Caller caller, String name, int version) {
    authenticated(caller);
    ManagedKey key = load(name);
    requireOwnerOr(caller, "kms:read", key);
    if (!key.algorithm().asymmetric()) {
      throw new InvalidInputException("key '" + name + "' is symmetric (" + key.algorithm().id()
          + "); it has no public half, and its secret is never exported");
    }
    ManagedKey.Version v = version == 0 ? key.newest() : key.version(version)
        .orElseThrow(() -> new NotFoundException("key '" + name + "' has no version " + version));
    return new PublicKey(name, v.number(), key.algorithm().pairType().orElseThrow(), v.publicKey());
  }

  /** A public key of a managed key version. */
  public record PublicKey(String keyName, int version, KeyPairType type, byte[] spki) {
    public PublicKey {
      spki = spki.clone();
    }

    @Override
    public byte[] spki() {
      return spki.clone();
    }
  }

  // ---------------------------------------------------------------- mac purpose

  public String mac(Caller caller, String name, byte[] message) {
    checkPayload(message, "message");
    ManagedKey key = admit(caller, name, KeyOperation.MAC, false);
    ManagedKey.Version v = key.newest();
    return new Ciphertext(name, v.number(), materialFor(key, v).mac(module).tag(message)).text();
  }

  public boolean verifyMac(Caller caller, String name, byte[] message, String tag, boolean allowCompromised) {
    checkPayload(message, "message");
    Ciphertext t = parseFor(name, tag, "MAC");
    ManagedKey key = admit(caller, name, KeyOperation.VERIFY_MAC, allowCompromised);
    ManagedKey.Version v = processVersion(key, t.version(), KeyOperation.VERIFY_MAC);
    return materialFor(key, v).mac(module).verify(message, t.body());
  }

  // ---------------------------------------------------------------- wrap purpose

  /**
   * Wraps another managed key's newest version (SS-002 11.2.4: wrap keys wrap only keys). The
   * wrapping key must be at least as strong as the wrapped one (SS-002 11.4.4), and secret
   * material leaves only wrapped. Body: AES-KWP (RFC 5649) of len (u8) || algorithm || material.
   */
  public String wrapKey(Caller caller, String name, String target) {
    ManagedKey wrapping = admit(caller, name, KeyOperation.WRAP, false);
    ManagedKey inner = load(target);
    requireOwnerOr(caller, "kms:export", inner);
    if (inner.ca()) {
      throw new ControlViolationException("SS-002 11.4.1", "key '" + target + "' belongs to a CA; CA keys are never exported");
    }
    if (inner.state().destroyed()) {
      throw new ConflictException("key '" + target + "' is destroyed");
    }
    checkStrength(wrapping, inner.algorithm());
    return materialFor(inner, inner.newest()).withSecret(s -> wrapMaterial(wrapping, inner.algorithm().id(), s));
  }

  /**
   * Wraps key material handed in, declared as {@code algorithm}: its length and form must match,
   * so arbitrary data cannot pass as a key (SS-002 11.2.4).
   */
  public String wrapBlob(Caller caller, String name, String algorithm, SecretBytes keyMaterial) {
    ManagedKey wrapping = admit(caller, name, KeyOperation.WRAP, false);
    KeyAlgorithm declared = KeyAlgorithm.byId(algorithm == null ? "" : algorithm).orElseThrow(() ->
        new ControlViolationException("SS-002 11.2.4", "wrap keys wrap only keys: declare the key algorithm of the blob "
            + "(one of " + ids(Arrays.asList(KeyAlgorithm.values())) + "), got '" + algorithm + "'"));
    checkKeyMaterial(declared, keyMaterial);
    checkStrength(wrapping, declared);
    return wrapMaterial(wrapping, declared.id(), keyMaterial);
  }

  public Unwrapped unwrap(Caller caller, String name, String wrapped, boolean allowCompromised) {
    Ciphertext w = parseFor(name, wrapped, "wrapped key");
    ManagedKey key = admit(caller, name, KeyOperation.UNWRAP, allowCompromised);
    ManagedKey.Version v = processVersion(key, w.version(), KeyOperation.UNWRAP);
    SecretBytes inner = materialFor(key, v).wrap(module).unwrap(w.body());
    try {
      return inner.use(b -> {
        int len = b[0] & 0xff;
        if (len < 1 || 1 + len >= b.length) {
          throw new InvalidInputException("wrapped key is malformed");
        }
        String alg = new String(b, 1, len, StandardCharsets.US_ASCII);
        return new Unwrapped(alg, SecretBytes.copyOf(Arrays.copyOfRange(b, 1 + len, b.length)));
      });
    } finally {
      inner.close();
    }
  }

  private String wrapMaterial(ManagedKey wrapping, String algorithm, SecretBytes keyMaterial) {
    byte[] alg = algorithm.getBytes(StandardCharsets.US_ASCII);
    byte[] framed = keyMaterial.use(m -> {
      byte[] f = new byte[1 + alg.length + m.length];
      f[0] = (byte) alg.length;
      System.arraycopy(alg, 0, f, 1, alg.length);
      System.arraycopy(m, 0, f, 1 + alg.length, m.length);
      return f;
    });
    try (SecretBytes plain = SecretBytes.adopt(framed)) {
      ManagedKey.Version v = wrapping.newest();
      return new Ciphertext(wrapping.name(), v.number(), materialFor(wrapping, v).wrap(module).wrap(plain)).text();
    }
  }

  private static void checkStrength(ManagedKey wrapping, KeyAlgorithm wrapped) {
    if (wrapping.algorithm().securityStrength() < wrapped.securityStrength()) {
      throw new ControlViolationException("SS-002 11.4.4", "key '" + wrapping.name() + "' ("
          + wrapping.algorithm().securityStrength() + "-bit) is weaker than the " + wrapped.id() + " key it would wrap ("
          + wrapped.securityStrength() + "-bit)");
    }
  }

  private void checkKeyMaterial(KeyAlgorithm declared, SecretBytes keyMaterial) {
    if (!declared.asymmetric()) {
      if (keyMaterial.length() != declared.symmetricKeyBytes()) {
        throw new ControlViolationException("SS-002 11.2.4", "a " + declared.id() + " key is "
            + declared.symmetricKeyBytes() + " bytes, the blob is " + keyMaterial.length() + ": wrap keys wrap only keys");
      }
      return;
    }
    try (AsymmetricProvider.PrivateKeyHandle h = provider.privateKey(declared.pairType().orElseThrow(), keyMaterial)) {
      // Loading it proves it is a PKCS#8 private key of the declared type.
    } catch (InvalidInputException e) {
      throw new ControlViolationException("SS-002 11.2.4", "the blob is not a PKCS#8 " + declared.id()
          + " private key: wrap keys wrap only keys");
    }
  }

  // ---------------------------------------------------------------- backup and restore

  /**
   * A backup of every live version of {@code name}, wrapped under the wrap key
   * {@code wrapWith} (SS-002 11.4.1, 11.4.2): {@code custos-backup-v1:<wrap key>:<version>:<b64url>}
   * with an AES-KWP body over the key's metadata and material. CA keys are refused.
   */
  public String backup(Caller caller, String name, String wrapWith) {
    authenticated(caller);
    ManagedKey key = load(name);
    requireOwnerOr(caller, "kms:backup", key);
    if (key.ca()) {
      throw new ControlViolationException("SS-002 11.4.1", "key '" + name + "' belongs to a CA; CA keys are never "
          + "backed up or escrowed");
    }
    if (key.state().destroyed()) {
      throw new ConflictException("key '" + name + "' is destroyed; there is nothing to back up");
    }
    ManagedKey wrapping = admit(caller, wrapWith, KeyOperation.WRAP, false);
    if (wrapping.name().equals(name)) {
      throw new InvalidInputException("a key cannot back itself up");
    }
    checkStrength(wrapping, key.algorithm());
    byte[] body = BackupCodec.encode(key, v -> materialFor(key, v));
    try (SecretBytes plain = SecretBytes.adopt(body)) {
      ManagedKey.Version wv = wrapping.newest();
      byte[] wrapped = materialFor(wrapping, wv).wrap(module).wrap(plain);
      String text = BackupCodec.PREFIX + new Ciphertext(wrapping.name(), wv.number(), wrapped).text()
          .substring(Ciphertext.PREFIX.length());
      Instant now = clock.instant();
      synchronized (lock(name)) {
        update(name, k -> k.withBackup(new ManagedKey.Backup(key.newest().number(), now,
            wrapping.name() + ":" + wv.number())));
      }
      return text;
    }
  }

  /**
   * Restores a backup into this instance, under its own name or {@code newName}. Backups of keys
   * whose retention has ended are void (SS-002 11.4.3).
   */
  public ManagedKey restore(Caller caller, String backup, Optional<String> newName) {
    authenticated(caller);
    if (backup == null || !backup.trim().startsWith(BackupCodec.PREFIX)) {
      throw new InvalidInputException("backup is not of the form " + BackupCodec.PREFIX + "<wrap key>:<version>:<base64url>");
    }
    Ciphertext w = Ciphertext.parse(Ciphertext.PREFIX + backup.trim().substring(BackupCodec.PREFIX.length()), "backup");
    ManagedKey wrapping = admit(caller, w.keyName(), KeyOperation.UNWRAP, false);
    ManagedKey.Version wv = processVersion(wrapping, w.version(), KeyOperation.UNWRAP);
    try (SecretBytes plain = materialFor(wrapping, wv).wrap(module).unwrap(w.body());
        BackupCodec.Restored restored = plain.use(BackupCodec::decode)) {
      ManagedKey key = newName.isPresent() ? restored.key().renamed(newName.get()) : restored.key();
      checkName(key.name());
      require(caller, "kms:restore", key.name());
      Instant now = clock.instant();
      if (records.get(TOMBSTONE_TYPE, key.id()).isPresent()
          || key.retainUntil().map(r -> !r.isAfter(now)).orElse(false)) {
        throw new ControlViolationException("SS-002 11.4.3", "key '" + key.name() + "' (id " + key.id()
            + ") reached the end of its retention and was destroyed; its backups are void");
      }
      if (key.ca()) {
        throw new ControlViolationException("SS-002 11.4.1", "CA keys are never restored from backup");
      }
      synchronized (lock(key.name())) {
        if (records.get(KEY_TYPE, key.name()).isPresent()) {
          throw new ConflictException("key '" + key.name() + "' already exists; restore under another name with --as");
        }
        for (Map.Entry<Integer, SecretBytes> e : restored.material().entrySet()) {
          writeMaterial(key.name(), e.getKey(), e.getValue());
        }
        writeNew(key);
      }
      return key;
    }
  }

  // ---------------------------------------------------------------- scheduled work

  /**
   * Activates keys whose activation date has come, rotates keys that are due, and destroys keys
   * whose retention has ended (SS-002 11.4.3). Returns what it did, for the audit log.
   */
  public List<MaintenanceAction> maintain() {
    Instant now = clock.instant();
    List<MaintenanceAction> done = new ArrayList<>();
    for (String name : records.list(KEY_TYPE, "", 10_000)) {
      ManagedKey key = load(name);
      try {
        if (key.retainUntil().isPresent() && !key.retainUntil().get().isAfter(now) && !key.state().destroyed()) {
          destroyForRetention(key);
          done.add(new MaintenanceAction(name, "kms.key.destroy", Map.of("reason", "retention ended",
              "control", "SS-002 11.4.3", "retain_until", key.retainUntil().get().toString())));
          continue;
        }
        if (key.state() == KeyState.PRE_ACTIVATION && !key.versions().getFirst().activatedAt().isAfter(now)) {
          moveTo(name, KeyState.ACTIVE, "activation date reached");
          done.add(new MaintenanceAction(name, "kms.key.activate", Map.of("reason", "activation date reached")));
          continue;
        }
        if (key.state() == KeyState.ACTIVE && key.rotateEvery().isPresent()
            && !key.newest().activatedAt().plus(key.rotateEvery().get()).isAfter(now)) {
          ManagedKey rotated = rotateNow(name);
          done.add(new MaintenanceAction(name, "kms.key.rotate", Map.of("reason", "rotate-every "
              + Cryptoperiod.format(key.rotateEvery().get()), "version", String.valueOf(rotated.newest().number()))));
        }
      } catch (RuntimeException e) {
        done.add(new MaintenanceAction(name, "kms.key.maintenance_failed", Map.of("error", String.valueOf(e.getMessage()))));
      }
    }
    return done;
  }

  private void destroyForRetention(ManagedKey key) {
    synchronized (lock(key.name())) {
      records.put(TOMBSTONE_TYPE, key.id(), barrier.get().seal(TOMBSTONE_TYPE, key.id(), 1,
          ("retention ended " + key.retainUntil().orElseThrow()).getBytes(StandardCharsets.UTF_8)), 0);
      KeyState s = load(key.name()).state();
      if (s == KeyState.PRE_ACTIVATION) {
        moveTo(key.name(), KeyState.DESTROYED, "retention ended");
      } else if (s == KeyState.COMPROMISED) {
        moveTo(key.name(), KeyState.DESTROYED_COMPROMISED, "retention ended");
      } else {
        if (s != KeyState.DEACTIVATED) {
          moveTo(key.name(), KeyState.DEACTIVATED, "retention ended");
        }
        moveTo(key.name(), KeyState.DESTROYED, "retention ended");
      }
    }
  }

  // ---------------------------------------------------------------- admission (SS-002 11.3.12)

  /**
   * The checks before any use, in order: authenticated, authorised, state, purpose, period.
   */
  private ManagedKey admit(Caller caller, String name, KeyOperation op, boolean allowCompromised) {
    authenticated(caller);
    ManagedKey key = loadForAdmission(caller, name);
    if (key == null) {
      throw denied(caller, op.capability(), name, null);
    }
    if (!key.owner().equals(caller.principalId())) {
      Decision d = gate.check(caller, op.capability(), "keys/" + name);
      if (d instanceof Decision.Deny) {
        throw denied(caller, op.capability(), name, key);
      }
    }
    KeyState s = key.state();
    if (s.destroyed()) {
      throw new ControlViolationException("SS-002 11.3.12", "key '" + name + "' is " + s.id() + "; its material is gone");
    }
    if (op.protects() && s != KeyState.ACTIVE) {
      throw new ControlViolationException("SS-002 11.3.12", "key '" + name + "' is " + s.id()
          + "; only an active key may " + op.id() + " (NIST SP 800-57 5.3)");
    }
    if (!op.protects()) {
      if (s == KeyState.PRE_ACTIVATION) {
        throw new ControlViolationException("SS-002 11.3.12", "key '" + name + "' is pre-activation; it has protected nothing yet");
      }
      if (s == KeyState.COMPROMISED && !allowCompromised) {
        throw new ControlViolationException("SS-002 11.3.12", "key '" + name + "' is compromised; processing with it "
            + "needs the explicit allow-compromised flag, which is audited");
      }
    }
    if (op.purpose() != key.purpose()) {
      throw new ControlViolationException("SS-002 11.3.3", "key '" + name + "' is for " + key.purpose() + ", not "
          + op.purpose());
    }
    if (op.protects()) {
      Instant end = key.originatorUsageEnd();
      if (!clock.instant().isBefore(end)) {
        throw new ControlViolationException("SS-002 11.2.5", "key '" + name + "' version " + key.newest().number()
            + " passed the end of its originator-usage period on " + end + "; rotate it to protect new data");
      }
    }
    return key;
  }

  /** The key for admission, or null where it does not exist (reported as a denial, not as absence). */
  private ManagedKey loadForAdmission(Caller caller, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidInputException("key name must match [a-z0-9][a-z0-9._-]{0,63}");
    }
    Optional<ManagedKey> key = find(name);
    if (key.isEmpty()) {
      Decision d = gate.check(caller, "kms:read", "keys/" + name);
      if (d instanceof Decision.Allow) {
        throw new NotFoundException("no key named '" + name + "'");
      }
      return null;
    }
    return key.get();
  }

  private ManagedKey.Version processVersion(ManagedKey key, int number, KeyOperation op) {
    ManagedKey.Version v = key.version(number).orElseThrow(() ->
        new NotFoundException("key '" + key.name() + "' has no version " + number));
    Instant end = v.recipientUsageEnd(key.period());
    if (!clock.instant().isBefore(end)) {
      throw new ControlViolationException("SS-002 11.2.5", "key '" + key.name() + "' version " + number
          + " passed the end of its recipient-usage period on " + end + "; it may no longer " + op.id());
    }
    return v;
  }

  private static void authenticated(Caller caller) {
    Objects.requireNonNull(caller, "caller");
    if ("anonymous".equals(caller.principalId()) || "none".equals(caller.authMethod())) {
      throw new PermissionDeniedException("SS-002 11.3.12", "key requests must be authenticated");
    }
  }

  private void require(Caller caller, String capability, String name) {
    if (gate.check(caller, capability, "keys/" + name) instanceof Decision.Deny d) {
      throw new PermissionDeniedException(d.control().orElse("SS-002 11.3.12"), "'" + caller.principalId()
          + "' has no grant of " + capability + " on keys/" + name + " (" + d.reason() + ")");
    }
  }

  private void requireOwnerOr(Caller caller, String capability, ManagedKey key) {
    if (!key.owner().equals(caller.principalId())
        && gate.check(caller, capability, "keys/" + key.name()) instanceof Decision.Deny) {
      throw denied(caller, capability, key.name(), key);
    }
  }

  private static PermissionDeniedException denied(Caller caller, String capability, String name, ManagedKey key) {
    if (key == null) {
      return new PermissionDeniedException("SS-002 11.3.12", "'" + caller.principalId() + "' has no grant of "
          + capability + " on keys/" + name);
    }
    return new PermissionDeniedException("SS-002 11.3.10", "key '" + name + "' belongs to '" + key.owner()
        + "' and keys are not shared; '" + caller.principalId() + "' has no grant of " + capability + " on it");
  }

  // ---------------------------------------------------------------- material

  private byte[] storeNewMaterial(String name, int version, KeyAlgorithm algorithm) {
    if (algorithm.asymmetric()) {
      try (KeyPairMaterial pair = module.generateKeyPair(algorithm.pairType().orElseThrow())) {
        writeMaterial(name, version, pair.privateKey());
        return pair.publicKey();
      }
    }
    try (SecretBytes secret = module.drbg().newKey(algorithm.symmetricKeyBytes())) {
      writeMaterial(name, version, secret);
      return new byte[0];
    }
  }

  private void writeMaterial(String name, int version, SecretBytes secret) {
    String id = materialId(name, version);
    Barrier b = barrier.get();
    // An orphan left by an interrupted create is replaced; material of a live version never is.
    Optional<StoredRecord> orphan = records.get(MATERIAL_TYPE, id);
    if (orphan.isPresent()) {
      if (find(name).flatMap(k -> k.version(version)).isPresent()) {
        throw new ConflictException("key '" + name + "' version " + version + " already has material");
      }
      records.delete(MATERIAL_TYPE, id, orphan.get().version());
    }
    byte[] sealed = secret.use(s -> b.seal(MATERIAL_TYPE, id, 1, s));
    records.put(MATERIAL_TYPE, id, sealed, 0);
  }

  private VersionMaterial materialFor(ManagedKey key, ManagedKey.Version v) {
    String id = materialId(key.name(), v.number());
    VersionMaterial m = material.get(id);
    if (m != null) {
      return m;
    }
    synchronized (lock(key.name())) {
      m = material.get(id);
      if (m == null) {
        StoredRecord r = records.get(MATERIAL_TYPE, id).orElseThrow(() ->
            new NotFoundException("the material of key '" + key.name() + "' version " + v.number() + " is missing"));
        byte[] plain = barrier.get().open(MATERIAL_TYPE, id, r.version(), r.payload());
        m = new VersionMaterial(key.algorithm(), key.purpose(), SecretBytes.adopt(plain),
            NonceBudget.resume(v.encryptionsReserved(), NonceBudget.SP800_38D_RANDOM_IV_BOUND));
        material.put(id, m);
      }
      return m;
    }
  }

  private AsymmetricProvider.PublicKeyHandle publicKeyFor(ManagedKey key, ManagedKey.Version v) {
    return publicKeys.computeIfAbsent(materialId(key.name(), v.number()),
        id -> provider.publicKey(key.algorithm().pairType().orElseThrow(), v.publicKey()));
  }

  /**
   * Makes sure the next AES-GCM encryption is covered by a stored reservation, so that after a
   * restart the count resumes from at least where it was (NIST SP 800-38D 8.3 bound).
   */
  private void reserveNonces(ManagedKey key, ManagedKey.Version v, VersionMaterial m) {
    if (m.budget().used() < currentReservation(key.name(), v.number())) {
      return;
    }
    synchronized (lock(key.name())) {
      long reserved = currentReservation(key.name(), v.number());
      if (m.budget().used() < reserved) {
        return;
      }
      long next = Math.min(NonceBudget.SP800_38D_RANDOM_IV_BOUND, m.budget().used() + NONCE_RESERVATION);
      update(key.name(), k -> {
        List<ManagedKey.Version> vs = new ArrayList<>(k.versions());
        for (int i = 0; i < vs.size(); i++) {
          if (vs.get(i).number() == v.number()) {
            vs.set(i, vs.get(i).withReserved(next));
          }
        }
        return k.withVersions(vs);
      });
    }
  }

  private long currentReservation(String name, int version) {
    Cached c = keys.get(name);
    return c == null ? 0 : c.key().version(version).map(ManagedKey.Version::encryptionsReserved).orElse(0L);
  }

  // ---------------------------------------------------------------- metadata

  private ManagedKey load(String name) {
    checkName(name);
    return find(name).orElseThrow(() -> new NotFoundException("no key named '" + name + "'"));
  }

  private Optional<ManagedKey> find(String name) {
    Cached c = keys.get(name);
    if (c != null) {
      return Optional.of(c.key());
    }
    Optional<StoredRecord> r = records.get(KEY_TYPE, name);
    if (r.isEmpty()) {
      return Optional.empty();
    }
    byte[] plain = barrier.get().open(KEY_TYPE, name, r.get().version(), r.get().payload());
    ManagedKey key = KeyCodec.decode(plain);
    if (!key.name().equals(name)) {
      throw new InvalidInputException("stored key record '" + name + "' names another key");
    }
    keys.put(name, new Cached(key, r.get().version()));
    return Optional.of(key);
  }

  private void writeNew(ManagedKey key) {
    StoredRecord r = records.put(KEY_TYPE, key.name(),
        barrier.get().seal(KEY_TYPE, key.name(), 1, KeyCodec.encode(key)), 0);
    keys.put(key.name(), new Cached(key, r.version()));
  }

  /** Read-modify-write of a key's metadata, compare-and-set on the stored version. */
  private ManagedKey update(String name, UnaryOperator<ManagedKey> change) {
    StoredRecord r = records.get(KEY_TYPE, name).orElseThrow(() -> new NotFoundException("no key named '" + name + "'"));
    Barrier b = barrier.get();
    ManagedKey current = KeyCodec.decode(b.open(KEY_TYPE, name, r.version(), r.payload()));
    ManagedKey next = change.apply(current);
    StoredRecord written = records.put(KEY_TYPE, name, b.seal(KEY_TYPE, name, r.version() + 1, KeyCodec.encode(next)),
        r.version());
    keys.put(name, new Cached(next, written.version()));
    return next;
  }

  private Object lock(String name) {
    return locks.computeIfAbsent(name, n -> new Object());
  }

  // ---------------------------------------------------------------- helpers

  private static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidInputException("key name must match [a-z0-9][a-z0-9._-]{0,63}, got '"
          + (name == null ? "" : name.length() > 80 ? name.substring(0, 80) + "…" : name) + "'");
    }
  }

  private static void checkPayload(byte[] data, String what) {
    Objects.requireNonNull(data, what);
    if (data.length > MAX_PAYLOAD) {
      throw new InvalidInputException(what + " is " + data.length + " bytes; the limit is " + MAX_PAYLOAD
          + " (1 MiB) per request; encrypt larger data under a data key (datakey)");
    }
  }

  private static Ciphertext parseFor(String name, String text, String what) {
    Ciphertext c = Ciphertext.parse(text, what);
    if (!c.keyName().equals(name)) {
      throw new InvalidInputException(what + " was made by key '" + c.keyName() + "', not '" + name + "'");
    }
    return c;
  }

  static String materialId(String name, int version) {
    return name + "/" + version;
  }

  private static byte[] boundAad(String name, int version, byte[] aad) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] a = aad == null ? new byte[0] : aad;
    if (a.length > 64 * 1024) {
      throw new InvalidInputException("associated data is " + a.length + " bytes; the limit is 65536");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(AAD_DOMAIN.length + 12 + n.length + a.length);
    out.writeBytes(AAD_DOMAIN);
    out.writeBytes(ByteBuffer.allocate(4).putInt(n.length).array());
    out.writeBytes(n);
    out.writeBytes(ByteBuffer.allocate(8).putInt(version).putInt(a.length).array());
    out.writeBytes(a);
    return out.toByteArray();
  }

  private static byte[] prefixed(byte[] head, byte[] tail) {
    return ByteBuffer.allocate(2 + head.length + tail.length).putShort((short) head.length).put(head).put(tail).array();
  }

  private static byte[][] split(byte[] body) {
    if (body.length < 2) {
      throw new InvalidInputException("ciphertext is truncated");
    }
    int len = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
    if (len == 0 || 2 + len > body.length) {
      throw new InvalidInputException("ciphertext is truncated");
    }
    return new byte[][] {Arrays.copyOfRange(body, 2, 2 + len), Arrays.copyOfRange(body, 2 + len, body.length)};
  }

  private static String ids(java.util.Collection<?> items) {
    return items.stream().map(i -> i instanceof KeyState s ? s.id() : i instanceof KeyAlgorithm a ? a.id() : i.toString())
        .collect(java.util.stream.Collectors.joining(", "));
  }

  /** How many key versions have material in memory now. */
  public int versionsInMemory() {
    return material.size();
  }

  /** The material holders in memory now, for tests that prove the wipe. */
  List<VersionMaterial> loadedMaterial() {
    return List.copyOf(material.values());
  }

  /** Overwrites all key material held in memory and forgets cached metadata (on seal). */
  public void wipe() {
    List<VersionMaterial> all = new ArrayList<>(material.values());
    material.clear();
    all.forEach(VersionMaterial::close);
    keys.clear();
    publicKeys.clear();
  }

  @Override
  public void close() {
    wipe();
  }

  @Override
  public String toString() {
    return "KeyManager[" + keys.size() + " keys cached]";
  }
}
