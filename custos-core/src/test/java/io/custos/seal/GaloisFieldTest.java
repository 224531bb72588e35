package io.custos.seal;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@Label("Unseal shares — GF(2^8) arithmetic in the FIPS-197 field (x^8+x^4+x^3+x+1)")
@DisplayName("Unseal shares — GF(2^8) arithmetic in the FIPS-197 field (x^8+x^4+x^3+x+1)")
class GaloisFieldTest {
  /** Reference: carry-less product, then long division by 0x11B. A different method from mul. */
  private static final int[][] PRODUCT = new int[256][256];

  static {
    for (int a = 0; a < 256; a++) {
      for (int b = 0; b < 256; b++) {
        int p = 0;
        for (int i = 0; i < 8; i++) {
          if ((b & (1 << i)) != 0) {
            p ^= a << i;
          }
        }
        for (int bit = 14; bit >= 8; bit--) {
          if ((p & (1 << bit)) != 0) {
            p ^= 0x11B << (bit - 8);
          }
        }
        PRODUCT[a][b] = p;
      }
    }
  }

  @Test
  @DisplayName("FIPS-197 known answers: {57}·{83} = {c1}, {57}·{13} = {fe}")
  void fips197KnownAnswers() {
    assertThat(Shamir.mul(0x57, 0x83)).isEqualTo(0xC1);
    assertThat(Shamir.mul(0x57, 0x13)).isEqualTo(0xFE);
    assertThat(Shamir.mul(0x57, 0x02)).isEqualTo(0xAE);
    assertThat(Shamir.mul(0x57, 0x10)).isEqualTo(0x07);
    assertThat(Shamir.inverse(0x53)).isEqualTo(0xCA); // the S-box derivation example
  }

  @Test
  @DisplayName("multiplication equals the reference table for all 65,536 pairs")
  void multiplicationMatchesReference() {
    for (int a = 0; a < 256; a++) {
      for (int b = 0; b < 256; b++) {
        assertThat(Shamir.mul(a, b)).as("%02x·%02x", a, b).isEqualTo(PRODUCT[a][b]);
      }
    }
  }

  @Test
  @DisplayName("every non-zero element has the inverse found by searching the table; 0 maps to 0")
  void inverses() {
    assertThat(Shamir.inverse(0)).isZero();
    for (int a = 1; a < 256; a++) {
      int expected = -1;
      for (int b = 1; b < 256; b++) {
        if (PRODUCT[a][b] == 1) {
          assertThat(expected).as("inverse of %02x is unique", a).isEqualTo(-1);
          expected = b;
        }
      }
      assertThat(Shamir.inverse(a)).as("inverse of %02x", a).isEqualTo(expected);
    }
  }

  @Property
  @Label("field axioms: commutative, associative, distributive over XOR, 1 is the identity")
  void fieldAxioms(
      @ForAll @IntRange(min = 0, max = 255) int a,
      @ForAll @IntRange(min = 0, max = 255) int b,
      @ForAll @IntRange(min = 0, max = 255) int c) {
    assertThat(Shamir.mul(a, b)).isEqualTo(Shamir.mul(b, a));
    assertThat(Shamir.mul(Shamir.mul(a, b), c)).isEqualTo(Shamir.mul(a, Shamir.mul(b, c)));
    assertThat(Shamir.mul(a, b ^ c)).isEqualTo(Shamir.mul(a, b) ^ Shamir.mul(a, c));
    assertThat(Shamir.mul(a, 1)).isEqualTo(a);
    assertThat(Shamir.mul(a, 0)).isZero();
    if (a != 0) {
      assertThat(Shamir.mul(Shamir.mul(b, a), Shamir.inverse(a))).isEqualTo(b);
    }
  }
}
