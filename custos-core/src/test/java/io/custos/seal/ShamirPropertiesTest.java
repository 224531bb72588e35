package io.custos.seal;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

@Label("SS-002 11.3.1 — any M of N shares reconstruct the root key, fewer reveal nothing")
class ShamirPropertiesTest {

  @Property(generation = GenerationMode.EXHAUSTIVE)
  @Label("every (M, N) with 2 <= M <= N <= 16: random M-subsets reconstruct exactly")
  void everyThresholdAndShareCount(
      @ForAll @IntRange(min = 2, max = 16) int n, @ForAll @IntRange(min = 2, max = 16) int m) {
    Assume.that(m <= n);
    SecureRandom random = TestRandom.seeded(n * 100L + m);
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    byte[][] ys = Shamir.split(secret, n, m, random);
    for (int round = 0; round < 25; round++) {
      List<Integer> chosen = subset(n, m, random);
      assertThat(combine(chosen, ys)).as("subset %s", chosen).isEqualTo(secret);
    }
    if (m < n) { // and M + 1 shares give the same answer
      assertThat(combine(subset(n, m + 1, random), ys)).isEqualTo(secret);
    }
  }

  @Property(tries = 300)
  @Label("random secrets: any M-subset reconstructs, M - 1 shares do not")
  void randomSecrets(
      @ForAll @Size(32) byte[] secret,
      @ForAll @IntRange(min = 2, max = 16) int n,
      @ForAll @IntRange(min = 1, max = 16) int m,
      @ForAll long seed) {
    Assume.that(m <= n);
    SecureRandom random = TestRandom.seeded(seed);
    byte[][] ys = Shamir.split(secret, n, m, random);
    assertThat(combine(subset(n, m, random), ys)).isEqualTo(secret);
    if (m > 1) { // m - 1 shares interpolate a lower-degree polynomial: 2^-256 chance of a hit
      assertThat(combine(subset(n, m - 1, random), ys)).isNotEqualTo(secret);
    }
  }

  @Property(tries = 100)
  @Label("M - 1 shares are consistent with every possible secret, each by exactly one completion")
  void fewerThanThresholdRevealNothing(
      @ForAll @IntRange(min = 2, max = 16) int n,
      @ForAll @IntRange(min = 2, max = 16) int m,
      @ForAll byte secretByte,
      @ForAll long seed) {
    Assume.that(m <= n);
    SecureRandom random = TestRandom.seeded(seed);
    byte[][] ys = Shamir.split(new byte[] {secretByte}, n, m, random);
    List<Integer> known = subset(n, m - 1, random);
    int missing = 1; // an x coordinate not among the known shares
    while (known.contains(missing - 1)) {
      missing++;
    }
    // For each candidate secret c, the polynomial through (0, c) and the M - 1 known shares
    // gives a value for one more share; with it the M shares reconstruct c. So the known
    // shares fit every secret equally well: they carry no information about it.
    for (int c = 0; c < 256; c++) {
      int[] xs = new int[m];
      byte[][] points = new byte[m][];
      xs[0] = 0;
      points[0] = new byte[] {(byte) c};
      for (int i = 0; i < m - 1; i++) {
        xs[i + 1] = known.get(i) + 1;
        points[i + 1] = ys[known.get(i)];
      }
      byte[] completion = Shamir.interpolate(xs, points, missing);
      int[] allXs = new int[m];
      byte[][] allYs = new byte[m][];
      for (int i = 0; i < m - 1; i++) {
        allXs[i] = known.get(i) + 1;
        allYs[i] = ys[known.get(i)];
      }
      allXs[m - 1] = missing;
      allYs[m - 1] = completion;
      assertThat(Shamir.combine(allXs, allYs)).as("candidate %d", c).containsExactly((byte) c);
    }
  }

  @Property(tries = 10)
  @Label("a single share of a 2-of-N split is uniformly distributed, whatever the secret")
  void singleShareIsUniform(@ForAll byte secretByte, @ForAll long seed) {
    SecureRandom random = TestRandom.seeded(seed);
    int[] counts = new int[256];
    int samples = 256 * 256;
    for (int i = 0; i < samples; i++) {
      counts[Shamir.split(new byte[] {secretByte}, 2, 2, random)[0][0] & 0xFF]++;
    }
    // mean 256, standard deviation about 16: these bounds are 8 deviations wide
    for (int v = 0; v < 256; v++) {
      assertThat(counts[v]).as("value %02x", v).isBetween(128, 384);
    }
  }

  @Property(tries = 50)
  @Label("threshold 1 (dev mode only): every share is the secret")
  void thresholdOne(@ForAll @Size(32) byte[] secret, @ForAll @IntRange(min = 1, max = 16) int n) {
    byte[][] ys = Shamir.split(secret, n, 1, TestRandom.seeded(n));
    for (int i = 0; i < n; i++) {
      assertThat(Shamir.combine(new int[] {i + 1}, new byte[][] {ys[i]})).isEqualTo(secret);
    }
  }

  private static List<Integer> subset(int n, int size, SecureRandom random) {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    Collections.shuffle(all, random);
    return all.subList(0, size);
  }

  private static byte[] combine(List<Integer> chosen, byte[][] ys) {
    int[] xs = new int[chosen.size()];
    byte[][] picked = new byte[chosen.size()][];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = chosen.get(i) + 1;
      picked[i] = ys[chosen.get(i)];
    }
    return Shamir.combine(xs, picked);
  }
}
