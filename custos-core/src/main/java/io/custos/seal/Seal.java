package io.custos.seal;

import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.CustodianEnvelope;
import io.custos.crypto.SecretBytes;
import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.StorageException;
import io.custos.failure.UnavailableException;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import io.custos.system.SystemState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The front door of the root of trust. {@code init} makes the 256-bit root key from the
 * approved DRBG, splits it into unseal shares (Shamir, M of N), creates the barrier keyring
 * and stores it only encrypted under the root key, with a key check value that detects a
 * wrong combination of shares. A node starts sealed: no key material in memory until M
 * custodians have submitted shares; {@code seal} wipes it again (SS-002 11.3.6, 11.3.7).
 */
public final class Seal implements AutoCloseable {
  static final String TYPE = "seal";
  static final String CONFIG = "config";
  static final String KEYRING = "keyring";
  static final String ROOT_TOKEN_TYPE = "auth.root-token";

  /**
   * What {@code init} hands out, once: the shares and the initial root token. When custodian
   * keys were given, each share is a {@link CustodianEnvelope} text and {@code encryptedTo}
   * names, in the same order, the SPKI SHA-256 (hex) of the key it is encrypted to; otherwise
   * {@code encryptedTo} is empty and the shares are plain.
   */
  public record InitResult(List<String> shares, int threshold, String rootToken, List<String> encryptedTo) {
    public InitResult {
      shares = List.copyOf(shares);
      encryptedTo = List.copyOf(encryptedTo);
    }

    public InitResult(List<String> shares, int threshold, String rootToken) {
      this(shares, threshold, rootToken, List.of());
    }

    public boolean encrypted() {
      return !encryptedTo.isEmpty();
    }

    @Override
    public String toString() {
      return "InitResult[" + shares.size() + (encrypted() ? " encrypted" : "") + " shares, threshold " + threshold + "]";
    }
  }

  /** Where the seal stands; nothing secret. */
  public record Status(SystemState state, int progress, int threshold, int shares, String keyringCipher) {}

  private record Config(int threshold, int shares, byte[] keyCheck) {
    String encode() {
      return "threshold=" + threshold + "\nshares=" + shares + "\nkeycheck=" + HexFormat.of().formatHex(keyCheck) + "\n";
    }

    static Config decode(byte[] bytes) {
      Map<String, String> m = new LinkedHashMap<>();
      for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          m.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      try {
        return new Config(Integer.parseInt(m.get("threshold")), Integer.parseInt(m.get("shares")),
            HexFormat.of().parseHex(m.get("keycheck")));
      } catch (RuntimeException e) {
        throw new StorageException("the stored seal configuration is unreadable");
      }
    }
  }

  private final RecordStore records;
  private final CryptoModule crypto;
  private final List<java.util.function.Consumer<Barrier>> onInit = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<java.util.function.Consumer<Barrier>> onUnseal = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Runnable> onSeal = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final java.util.Set<String> sealedTypes = new java.util.concurrent.CopyOnWriteArraySet<>(List.of(ROOT_TOKEN_TYPE));
  private UnsealProgress progress;
  private Barrier barrier;
  // While unsealed: the root key (to store the keyring again after a rotation) and the keyring.
  private volatile SecretBytes root;
  private volatile BarrierKeyring keyring;
  // Keyring writes take this lock, not the seal's: the barrier asks for one while sealing a record.
  private final Object keyringWrite = new Object();

  public Seal(RecordStore records, CryptoModule crypto) {
    this.records = Objects.requireNonNull(records, "records");
    this.crypto = Objects.requireNonNull(crypto, "crypto");
  }

  /**
   * Runs {@code listener} with a barrier during {@code init}, so that keys created with the
   * root of trust (the audit keys) go under it at once.
   */
  public void onInit(java.util.function.Consumer<Barrier> listener) {
    onInit.add(listener);
  }

  /** Declares a record type whose every record is sealed by the barrier, so rewrap moves it forward. */
  public void registerSealedType(String type) {
    sealedTypes.add(type);
  }

  /** Runs {@code listener} with the barrier each time the node is unsealed. */
  public void onUnseal(java.util.function.Consumer<Barrier> listener) {
    onUnseal.add(listener);
  }

  /** Runs {@code listener} just before the keys are wiped. */
  public void onSeal(Runnable listener) {
    onSeal.add(listener);
  }

  public synchronized SystemState state() {
    if (barrier != null) {
      return SystemState.UNSEALED;
    }
    return records.get(TYPE, CONFIG).isPresent() ? SystemState.SEALED : SystemState.UNINITIALISED;
  }

  public synchronized Status status() {
    Optional<Config> c = config();
    return new Status(state(), progress == null ? 0 : progress.submitted(), c.map(Config::threshold).orElse(0),
        c.map(Config::shares).orElse(0), "AES-256-GCM (" + crypto.name() + ")");
  }

  /**
   * Creates the root of trust, once. The node stays sealed afterwards (as after a restart);
   * custodians unseal it with their shares.
   *
   * @param fixedRootToken dev mode only: use this root token instead of a random one
   * @throws ConflictException if this store is already initialised
   */
  public synchronized InitResult init(int shares, int threshold, boolean dev, Optional<String> fixedRootToken) {
    return init(shares, threshold, dev, fixedRootToken, List.of());
  }

  /**
   * Like {@link #init(int, int, boolean, Optional)}, but when {@code custodianKeys} is not
   * empty each share is encrypted, in order, to one custodian's public key (PEM certificate or
   * public key: RSA of at least 3072 bits, or EC P-256/P-384), so the plain shares never leave
   * this process. The keys are checked before anything is generated or stored: one key per
   * share, each readable, strong enough and different from the others.
   *
   * @throws InvalidInputException if a custodian key is refused; nothing is stored then
   */
  public synchronized InitResult init(int shares, int threshold, boolean dev, Optional<String> fixedRootToken,
      List<String> custodianKeys) {
    if (state() != SystemState.UNINITIALISED) {
      throw new ConflictException("Custos is already initialised; init runs once");
    }
    if (fixedRootToken.isPresent() && !dev) {
      throw new InvalidInputException("a fixed root token is allowed only in dev mode");
    }
    List<CustodianEnvelope.Recipient> recipients = custodians(shares, custodianKeys);
    List<String> texts = new ArrayList<>();
    try (SecretBytes root = crypto.drbg().newKey(ShareSplitter.ROOT_KEY_LENGTH);
        BarrierKeyring keyring = BarrierKeyring.create(crypto)) {
      List<UnsealShare> split = ShareSplitter.split(root, shares, threshold, dev, crypto.drbg().asSecureRandom());
      try {
        for (int i = 0; i < split.size(); i++) {
          if (recipients.isEmpty()) {
            texts.add(split.get(i).text());
          } else {
            byte[] plain = split.get(i).textBytes();
            try {
              texts.add(CustodianEnvelope.seal(recipients.get(i), plain, crypto.drbg()));
            } finally {
              java.util.Arrays.fill(plain, (byte) 0);
            }
          }
        }
      } finally {
        split.forEach(UnsealShare::close);
      }
      byte[] storedKeyring = keyring.encryptUnder(root);
      String token = fixedRootToken.orElseGet(this::newToken);
      // The keyring goes first: a config without its keyring would claim an initialised store.
      records.put(TYPE, KEYRING, storedKeyring, 0);
      try (Barrier b = new Barrier(BarrierKeyring.decrypt(crypto, root, storedKeyring))) {
        String id = sha256Hex(token);
        records.put(ROOT_TOKEN_TYPE, id, b.seal(ROOT_TOKEN_TYPE, id, 1, "root".getBytes(StandardCharsets.UTF_8)), 0);
        onInit.forEach(l -> l.accept(b));
      }
      records.put(TYPE, CONFIG, new Config(threshold, shares, KeyCheck.of(root)).encode()
          .getBytes(StandardCharsets.UTF_8), 0);
      return new InitResult(texts, threshold, token,
          recipients.stream().map(CustodianEnvelope.Recipient::fingerprint).toList());
    }
  }

  /** The custodian keys, read and checked; empty when none were given. */
  private static List<CustodianEnvelope.Recipient> custodians(int shares, List<String> pems) {
    Objects.requireNonNull(pems, "custodianKeys");
    if (pems.isEmpty()) {
      return List.of();
    }
    if (pems.size() != shares) {
      throw new InvalidInputException(pems.size() + " custodian key" + (pems.size() == 1 ? " was" : "s were")
          + " given for " + shares + " shares; give exactly one custodian key per share");
    }
    if (pems.size() > Shamir.MAX_SHARES) {
      throw new InvalidInputException("at most " + Shamir.MAX_SHARES + " custodian keys are accepted");
    }
    List<CustodianEnvelope.Recipient> out = new ArrayList<>();
    for (int i = 0; i < pems.size(); i++) {
      CustodianEnvelope.Recipient r;
      try {
        r = CustodianEnvelope.Recipient.fromPem(pems.get(i));
      } catch (InvalidInputException e) {
        throw new InvalidInputException("custodian key " + (i + 1) + ": " + e.getMessage());
      }
      int same = out.indexOf(r);
      if (same >= 0) {
        throw new InvalidInputException("custodian keys " + (same + 1) + " and " + (i + 1)
            + " are the same key (SPKI sha256 " + r.fingerprint() + "); each share must go to a different custodian");
      }
      out.add(r);
    }
    return List.copyOf(out);
  }

  /**
   * Takes one custodian's share. Malformed, duplicate and foreign shares are refused without
   * disturbing progress; a wrong combination is detected by the key check.
   */
  public synchronized Status unseal(String shareText) {
    Config c = config().orElseThrow(() -> new ConflictException("Custos is not initialised; run `custos operator init`"));
    if (barrier != null) {
      return status();
    }
    if (progress == null) {
      progress = new UnsealProgress(c.keyCheck());
    }
    try (UnsealShare share = UnsealShare.parse(shareText)) {
      switch (progress.submit(share)) {
        case UnsealProgress.Pending p -> {
          return status();
        }
        case UnsealProgress.Unsealed u -> {
          SecretBytes rootKey = u.rootKey();
          try {
            byte[] stored = records.get(TYPE, KEYRING).map(StoredRecord::payload)
                .orElseThrow(() -> new StorageException("the barrier keyring is missing from the store"));
            keyring = BarrierKeyring.decrypt(crypto, rootKey, stored);
            barrier = new Barrier(keyring, this::storeKeyringReservation);
            root = rootKey;
            Barrier unsealed = barrier;
            onUnseal.forEach(l -> l.accept(unsealed));
          } catch (RuntimeException e) {
            rootKey.close();
            throw e;
          } finally {
            progress = null;
          }
          return status();
        }
      }
    }
  }

  /** Forgets submitted shares. */
  public synchronized void resetUnseal() {
    if (progress != null) {
      progress.reset();
      progress = null;
    }
  }

  /** Wipes all key material from memory. */
  public synchronized void seal() {
    resetUnseal();
    if (barrier != null) {
      onSeal.forEach(Runnable::run);
      barrier.close();
      barrier = null;
      keyring = null;
    }
    if (root != null) {
      root.close();
      root = null;
    }
  }

  /**
   * Adds a barrier key version and stores the keyring again under the root key; new records
   * use the new version, older ones stay readable until {@link #rewrap} moves them.
   *
   * @return the new key version
   */
  public synchronized int rotate() {
    barrier();
    synchronized (keyringWrite) {
      int version = keyring.rotate();
      StoredRecord current = records.get(TYPE, KEYRING)
          .orElseThrow(() -> new StorageException("the barrier keyring is missing from the store"));
      records.put(TYPE, KEYRING, keyring.encryptUnder(root), current.version());
      return version;
    }
  }

  /**
   * Stores the keyring again with a fresh reservation of encryptions for its newest key, so
   * that after a restart the usage count resumes from at least where it was (NIST SP 800-38D
   * 8.3). The barrier calls this when the stored reservation is spent.
   */
  private void storeKeyringReservation() {
    synchronized (keyringWrite) {
      BarrierKeyring ring = keyring;
      SecretBytes rootKey = root;
      if (ring == null || rootKey == null) {
        throw new UnavailableException("Custos is sealed");
      }
      if (!ring.reservationSpent()) {
        return;
      }
      StoredRecord current = records.get(TYPE, KEYRING)
          .orElseThrow(() -> new StorageException("the barrier keyring is missing from the store"));
      records.put(TYPE, KEYRING, ring.encryptUnder(rootKey), current.version());
    }
  }

  /**
   * Re-encrypts every sealed record still under an older key version with the newest one.
   * A record changed meanwhile is left for the next run.
   *
   * @return how many records moved forward
   */
  public int rewrap() {
    int moved = 0;
    for (String type : sealedTypes) {
      for (String id : records.list(type, "", 10_000)) {
        moved += rewrapOne(type, id) ? 1 : 0;
      }
    }
    return moved;
  }

  private synchronized boolean rewrapOne(String type, String id) {
    Barrier b = barrier();
    Optional<StoredRecord> r = records.get(type, id);
    if (r.isEmpty() || Barrier.keyVersionOf(r.get().payload()) >= keyring.newestVersion()) {
      return false;
    }
    byte[] plain = b.open(type, id, r.get().version(), r.get().payload());
    try {
      // The record's next version is bound into the new ciphertext.
      records.put(type, id, b.seal(type, id, r.get().version() + 1, plain), r.get().version());
      return true;
    } catch (ConflictException changed) {
      return false;
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
    }
  }

  /** The barrier, while unsealed. */
  public synchronized Barrier barrier() {
    if (barrier == null) {
      throw new UnavailableException("Custos is sealed");
    }
    return barrier;
  }

  private Optional<Config> config() {
    return records.get(TYPE, CONFIG).map(r -> Config.decode(r.payload()));
  }

  private String newToken() {
    byte[] raw = new byte[32];
    crypto.drbg().nextBytes(raw);
    String token = "cus." + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    java.util.Arrays.fill(raw, (byte) 0);
    return token;
  }

  static String sha256Hex(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    seal();
  }
}
