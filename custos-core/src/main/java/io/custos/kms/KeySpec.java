package io.custos.kms;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A request to create a managed key.
 *
 * @param algorithm the algorithm's name as typed, checked against the approved list
 * @param period cryptoperiod; the purpose's default if empty
 * @param activateAt when the key becomes active; now if empty, pre-activation until then
 */
public record KeySpec(
    String name,
    KeyPurpose purpose,
    String algorithm,
    String owner,
    Optional<Cryptoperiod> period,
    Optional<Duration> rotateEvery,
    boolean escrowRequired,
    Optional<Instant> retainUntil,
    Optional<Instant> activateAt,
    boolean ca) {

  public KeySpec {
    Objects.requireNonNull(purpose, "purpose");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(rotateEvery, "rotateEvery");
    Objects.requireNonNull(retainUntil, "retainUntil");
    Objects.requireNonNull(activateAt, "activateAt");
  }

  /** The common case: an active key with default periods, no rotation, escrow or retention. */
  public static KeySpec of(String name, KeyPurpose purpose, String algorithm, String owner) {
    return new KeySpec(name, purpose, algorithm, owner, Optional.empty(), Optional.empty(), false, Optional.empty(),
        Optional.empty(), false);
  }
}
