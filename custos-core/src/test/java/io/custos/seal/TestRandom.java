package io.custos.seal;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/** A SecureRandom that repeats for a seed, so a failing property can be replayed. */
final class TestRandom {
  private TestRandom() {}

  static SecureRandom seeded(long seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(seed); // before first use: replaces the self-seeding
      return random;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
