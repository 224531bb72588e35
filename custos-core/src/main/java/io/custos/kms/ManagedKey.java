package io.custos.kms;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything Custos knows about a managed key except its secret material: who owns it, what it
 * is for, where it is in its life (NIST SP 800-57 states) and its versions. Nothing in here is
 * secret; it is still stored under the barrier so that it cannot be altered unnoticed.
 *
 * @param name the key's name, unique in the instance, e.g. {@code payments}
 * @param id a stable identifier that survives backup and restore
 * @param owner the one principal the key belongs to (SS-002 11.3.10)
 * @param purpose the one purpose (SS-002 11.3.3)
 * @param rotateEvery automatic rotation interval, if any
 * @param escrowRequired whether the key must have a current backup (SS-002 11.4.1)
 * @param retainUntil when the data it protects stops being kept: the key and its backups are
 *     destroyed then (SS-002 11.4.3)
 * @param ca whether the key belongs to a CA: never backed up, escrowed or exported (11.4.1)
 * @param origin {@code generated} (inside the validated module, SS-002 11.2.1) or {@code imported}
 * @param lastBackup the newest backup made, if any
 */
public record ManagedKey(
    String name,
    String id,
    String owner,
    KeyPurpose purpose,
    KeyAlgorithm algorithm,
    KeyState state,
    String stateReason,
    Instant createdAt,
    Instant stateChangedAt,
    Cryptoperiod period,
    Optional<Duration> rotateEvery,
    boolean escrowRequired,
    Optional<Instant> retainUntil,
    boolean ca,
    String origin,
    List<Version> versions,
    Optional<Backup> lastBackup) {

  /**
   * One version of the key. Its periods run from {@code activatedAt}.
   *
   * @param publicKey X.509 SubjectPublicKeyInfo DER for asymmetric keys, empty otherwise
   * @param encryptionsReserved AES-GCM encryptions reserved against the key's nonce bound; the
   *     count survives restarts because it is stored before the encryptions are made
   */
  public record Version(int number, Instant activatedAt, byte[] publicKey, long encryptionsReserved) {
    public Version {
      Objects.requireNonNull(activatedAt, "activatedAt");
      publicKey = publicKey.clone();
    }

    @Override
    public byte[] publicKey() {
      return publicKey.clone();
    }

    public Instant originatorUsageEnd(Cryptoperiod period) {
      return activatedAt.plus(period.originatorUsage());
    }

    public Instant recipientUsageEnd(Cryptoperiod period) {
      return activatedAt.plus(period.recipientUsage());
    }

    Version withReserved(long reserved) {
      return new Version(number, activatedAt, publicKey, reserved);
    }

    Version activatedAt(Instant at) {
      return new Version(number, at, publicKey, encryptionsReserved);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Version v && number == v.number && activatedAt.equals(v.activatedAt)
          && java.util.Arrays.equals(publicKey, v.publicKey) && encryptionsReserved == v.encryptionsReserved;
    }

    @Override
    public int hashCode() {
      return Objects.hash(number, activatedAt);
    }

    @Override
    public String toString() {
      return "Version[" + number + ", activated " + activatedAt + "]";
    }
  }

  /** The newest backup: which version it covers, when, and under which wrapping key. */
  public record Backup(int throughVersion, Instant at, String wrappedWith) {}

  public ManagedKey {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(purpose, "purpose");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(stateReason, "stateReason");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(stateChangedAt, "stateChangedAt");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(rotateEvery, "rotateEvery");
    Objects.requireNonNull(retainUntil, "retainUntil");
    Objects.requireNonNull(lastBackup, "lastBackup");
    Objects.requireNonNull(origin, "origin");
    versions = List.copyOf(versions);
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("a key has at least one version");
    }
  }

  public Version newest() {
    return versions.getLast();
  }

  public Optional<Version> version(int number) {
    return versions.stream().filter(v -> v.number() == number).findFirst();
  }

  /** When the newest version stops applying protection. */
  public Instant originatorUsageEnd() {
    return newest().originatorUsageEnd(period);
  }

  /** When the last data protected by any version stops being processable. */
  public Instant recipientUsageEnd() {
    return versions.stream().map(v -> v.recipientUsageEnd(period)).max(Comparator.naturalOrder()).orElseThrow();
  }

  /** Whether a key that must be escrowed has a backup of every version. */
  public boolean backupCurrent() {
    return lastBackup.map(b -> b.throughVersion() >= newest().number()).orElse(false);
  }

  /** {@code not-required}, {@code current} or {@code missing}. */
  public String escrowStatus() {
    if (ca) {
      return "never (CA key)";
    }
    if (!escrowRequired) {
      return lastBackup.isPresent() ? (backupCurrent() ? "not-required, backed-up" : "not-required, backup-stale") : "not-required";
    }
    return backupCurrent() ? "current" : "missing";
  }

  ManagedKey withState(KeyState next, String reason, Instant at) {
    return new ManagedKey(name, id, owner, purpose, algorithm, next, reason, createdAt, at, period, rotateEvery,
        escrowRequired, retainUntil, ca, origin, versions, lastBackup);
  }

  ManagedKey withVersions(List<Version> next) {
    return new ManagedKey(name, id, owner, purpose, algorithm, state, stateReason, createdAt, stateChangedAt, period,
        rotateEvery, escrowRequired, retainUntil, ca, origin, next, lastBackup);
  }

  ManagedKey withBackup(Backup backup) {
    return new ManagedKey(name, id, owner, purpose, algorithm, state, stateReason, createdAt, stateChangedAt, period,
        rotateEvery, escrowRequired, retainUntil, ca, origin, versions, Optional.of(backup));
  }

  ManagedKey renamed(String newName) {
    return new ManagedKey(newName, id, owner, purpose, algorithm, state, stateReason, createdAt, stateChangedAt,
        period, rotateEvery, escrowRequired, retainUntil, ca, origin, versions, lastBackup);
  }
}
