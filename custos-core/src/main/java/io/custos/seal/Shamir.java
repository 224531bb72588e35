package io.custos.seal;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Shamir's secret sharing over GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1 (0x11B), one
 * independent polynomial per secret byte. Multiplication is shift-and-add without branches or
 * table lookups, so its timing does not depend on the (secret) operands; inversion is a^254.
 * Shares are the values at x = 1..N; reconstruction is Lagrange interpolation at 0.
 */
final class Shamir {
  static final int MAX_SHARES = 16;

  private Shamir() {}

  /** Product of two field elements (each 0..255). */
  static int mul(int a, int b) {
    int p = 0;
    for (int i = 0; i < 8; i++) {
      p ^= -(b & 1) & a; // add a when the low bit of b is set, without a branch
      a = (a << 1) ^ (-((a >>> 7) & 1) & 0x11B); // times x, reduced when bit 8 appears
      b >>>= 1;
    }
    return p;
  }

  /** Multiplicative inverse as a^254 (a fixed chain of squarings); inverse(0) is 0. */
  static int inverse(int a) {
    int square = mul(a, a);
    int result = square; // a^2
    for (int i = 0; i < 6; i++) {
      square = mul(square, square); // a^4, a^8, ..., a^128
      result = mul(result, square);
    }
    return result; // a^(2+4+...+128) = a^254
  }

  /**
   * Splits {@code secret} into {@code n} shares, any {@code m} of which reconstruct it. Row
   * {@code i} of the result is the share at x = i + 1. Coefficients are uniform random field
   * elements (including the leading one, so every secret is equally likely given m - 1 shares).
   */
  static byte[][] split(byte[] secret, int n, int m, SecureRandom random) {
    if (m < 1 || m > n || n > MAX_SHARES) {
      throw new IllegalArgumentException("need 1 <= m <= n <= " + MAX_SHARES);
    }
    byte[][] ys = new byte[n][secret.length];
    byte[] coefficients = new byte[m];
    try {
      for (int k = 0; k < secret.length; k++) {
        random.nextBytes(coefficients);
        coefficients[0] = secret[k];
        for (int i = 0; i < n; i++) {
          ys[i][k] = (byte) evaluate(coefficients, i + 1);
        }
      }
      return ys;
    } finally {
      Arrays.fill(coefficients, (byte) 0);
    }
  }

  /** Horner's rule. */
  static int evaluate(byte[] coefficients, int x) {
    int y = 0;
    for (int j = coefficients.length - 1; j >= 0; j--) {
      y = mul(y, x) ^ (coefficients[j] & 0xFF);
    }
    return y;
  }

  /** The secret from shares at distinct non-zero {@code xs}: interpolation at 0. */
  static byte[] combine(int[] xs, byte[][] ys) {
    return interpolate(xs, ys, 0);
  }

  /**
   * Value at {@code at} of the polynomial of degree < xs.length through (xs[i], ys[i]).
   * The weights depend only on the public x coordinates.
   */
  static byte[] interpolate(int[] xs, byte[][] ys, int at) {
    if (xs.length == 0 || xs.length != ys.length) {
      throw new IllegalArgumentException("need one y per x, at least one");
    }
    for (int i = 0; i < xs.length; i++) {
      if (xs[i] < 0 || xs[i] > 255) {
        throw new IllegalArgumentException("x out of range");
      }
      for (int j = 0; j < i; j++) {
        if (xs[i] == xs[j]) {
          throw new IllegalArgumentException("x coordinates must be distinct");
        }
      }
    }
    int length = ys[0].length;
    byte[] out = new byte[length];
    for (int i = 0; i < xs.length; i++) {
      if (ys[i].length != length) {
        throw new IllegalArgumentException("shares differ in length");
      }
      int numerator = 1;
      int denominator = 1;
      for (int j = 0; j < xs.length; j++) {
        if (j != i) {
          numerator = mul(numerator, at ^ xs[j]); // subtraction is XOR in GF(2^8)
          denominator = mul(denominator, xs[i] ^ xs[j]);
        }
      }
      int weight = mul(numerator, inverse(denominator));
      for (int k = 0; k < length; k++) {
        out[k] ^= (byte) mul(weight, ys[i][k] & 0xFF);
      }
    }
    return out;
  }
}
