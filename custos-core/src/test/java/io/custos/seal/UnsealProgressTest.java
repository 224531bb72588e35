package io.custos.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import io.custos.seal.UnsealProgress.Pending;
import io.custos.seal.UnsealProgress.Step;
import io.custos.seal.UnsealProgress.Unsealed;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@Label("SS-002 11.3.1 — the unseal ceremony: M custodians, duplicates and strangers refused")
@DisplayName("SS-002 11.3.1 — the unseal ceremony: M custodians, duplicates and strangers refused")
class UnsealProgressTest {
  private final SecureRandom random = TestRandom.seeded(7);

  @Test
  @DisplayName("progress counts n of M, then the verified root key is returned and state cleared")
  void happyPath() {
    byte[] root = key();
    List<UnsealShare> shares = split(root, 5, 3);
    UnsealProgress progress = new UnsealProgress(check(root));
    assertThat(progress.submit(shares.get(4))).isEqualTo(new Pending(1, 3));
    assertThat(progress.submit(shares.get(1))).isEqualTo(new Pending(2, 3));
    Step step = progress.submit(shares.get(2));
    assertThat(step).isInstanceOf(Unsealed.class);
    try (SecretBytes key = ((Unsealed) step).rootKey()) {
      assertThat(key.sameAs(root)).isTrue();
    }
    assertThat(progress.submitted()).isZero();
    assertThat(shares.get(2).value().isWiped()).as("submitted shares stay the caller's").isFalse();
  }

  @Test
  @DisplayName("a duplicate share is refused and the progress is unchanged")
  void duplicate() {
    byte[] root = key();
    List<UnsealShare> shares = split(root, 5, 3);
    UnsealProgress progress = new UnsealProgress(check(root));
    progress.submit(shares.get(0));
    progress.submit(shares.get(3));
    UnsealShare again = UnsealShare.parse(shares.get(3).text());
    assertThatThrownBy(() -> progress.submit(again))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("share 4 has already been submitted; progress unchanged, 2 of 3 shares in");
    assertThat(progress.submitted()).isEqualTo(2);
    assertThat(progress.submit(shares.get(1))).isInstanceOf(Unsealed.class);
  }

  @Test
  @DisplayName("a share of another split, or claiming another threshold, is refused without harm")
  void foreign() {
    byte[] root = key();
    List<UnsealShare> shares = split(root, 5, 3);
    List<UnsealShare> other = split(key(), 5, 3);
    UnsealProgress progress = new UnsealProgress(check(root));
    progress.submit(shares.get(0));
    assertThatThrownBy(() -> progress.submit(other.get(1)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("share belongs to a different split (set " + other.get(1).setIdHex()
            + ", this unseal is for set " + shares.get(0).setIdHex() + ")")
        .hasMessageEndingWith("progress unchanged, 1 of 3 shares in");
    UnsealShare wrongThreshold = new UnsealShare(shares.get(0).setId(), 2, 2,
        shares.get(1).value().use(SecretBytes::copyOf));
    assertThatThrownBy(() -> progress.submit(wrongThreshold))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("share says threshold 2 but the shares already submitted say 3;"
            + " progress unchanged, 1 of 3 shares in");
    assertThat(progress.submitted()).isEqualTo(1);
    progress.submit(shares.get(1));
    assertThat(progress.submit(shares.get(2))).isInstanceOf(Unsealed.class);
  }

  @Test
  @DisplayName("a share from an earlier split under the same set id is caught by the key check")
  void staleShareSameSetId() {
    byte[] root = key();
    List<UnsealShare> current = split(root, 3, 2);
    List<UnsealShare> earlier = split(key(), 3, 2);
    UnsealShare stale = new UnsealShare(current.get(0).setId(), 2, 3,
        earlier.get(2).value().use(SecretBytes::copyOf));
    UnsealProgress progress = new UnsealProgress(check(root));
    progress.submit(current.get(0));
    assertThatThrownBy(() -> progress.submit(stale))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("the 2 shares submitted do not give the root key (key check mismatch): one is"
            + " from another split or was altered; progress has been reset, submit 2 shares again");
    assertThat(progress.submitted()).isZero();
    progress.submit(current.get(1));
    Step step = progress.submit(current.get(2));
    assertThat(((Unsealed) step).rootKey().sameAs(root)).isTrue();
  }

  @Test
  @DisplayName("a corrupted share that still passes its own checksum is caught by the key check")
  void corruptedButWellFormed() {
    byte[] root = key();
    List<UnsealShare> shares = split(root, 4, 4);
    byte[] value = shares.get(3).value().use(byte[]::clone);
    value[17] ^= 0x20;
    String text = new UnsealShare(shares.get(3).setId(), 4, 4, SecretBytes.adopt(value)).text();
    UnsealShare corrupted = UnsealShare.parse(text); // a fresh, valid check over altered bytes
    UnsealProgress progress = new UnsealProgress(check(root));
    for (int i = 0; i < 3; i++) {
      progress.submit(shares.get(i));
    }
    assertThatThrownBy(() -> progress.submit(corrupted))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("key check mismatch");
    assertThat(progress.submitted()).isZero();
  }

  @Test
  @DisplayName("SS-002 11.3.7 — reset() forgets everything; the next share starts a new ceremony")
  void reset() {
    byte[] root = key();
    List<UnsealShare> shares = split(root, 5, 3);
    List<UnsealShare> other = split(key(), 5, 3);
    UnsealProgress progress = new UnsealProgress(check(root));
    progress.submit(other.get(0));
    progress.submit(other.get(1));
    progress.reset();
    assertThat(progress.submitted()).isZero();
    assertThat(progress.submit(shares.get(0))).isEqualTo(new Pending(1, 3));
  }

  @Test
  @DisplayName("the key check value must be 32 bytes")
  void keyCheckLength() {
    assertThatThrownBy(() -> new UnsealProgress(new byte[31]))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("key check value must be 32 bytes, got 31");
  }

  @Property(tries = 200)
  @Label("in any order, with duplicates and strangers mixed in, unseal happens at the M-th"
      + " distinct share and gives the root key")
  void anyOrder(
      @ForAll @IntRange(min = 2, max = 16) int n,
      @ForAll @IntRange(min = 1, max = 16) int m,
      @ForAll long seed) {
    if (m > n) {
      m = n;
    }
    SecureRandom r = TestRandom.seeded(seed);
    byte[] root = new byte[32];
    r.nextBytes(root);
    List<UnsealShare> shares;
    List<UnsealShare> strangers;
    try (SecretBytes secret = SecretBytes.copyOf(root);
        SecretBytes otherRoot = SecretBytes.copyOf(new byte[32])) {
      shares = ShareSplitter.split(secret, n, m, true, r);
      strangers = ShareSplitter.split(otherRoot, n, m, true, r);
    }
    List<UnsealShare> stream = new ArrayList<>(shares);
    for (int i = 0; i < n; i++) {
      stream.add(shares.get(r.nextInt(n)));
      stream.add(strangers.get(r.nextInt(n)));
    }
    Collections.shuffle(stream, r);
    UnsealProgress progress = new UnsealProgress(check(root));
    Set<Integer> accepted = new HashSet<>();
    for (UnsealShare share : stream) {
      boolean fresh = share.setId() == shares.get(0).setId() && !accepted.contains(share.x());
      if (accepted.isEmpty() && share.setId() != shares.get(0).setId()) {
        // a stranger first would start a ceremony for its own set: skip it, as an operator would
        continue;
      }
      if (!fresh) {
        int before = progress.submitted();
        assertThatThrownBy(() -> progress.submit(share)).isInstanceOf(InvalidInputException.class);
        assertThat(progress.submitted()).isEqualTo(before);
        continue;
      }
      accepted.add(share.x());
      Step step = progress.submit(share);
      if (accepted.size() < m) {
        assertThat(step).isEqualTo(new Pending(accepted.size(), m));
      } else {
        assertThat(step).isInstanceOf(Unsealed.class);
        assertThat(((Unsealed) step).rootKey().sameAs(root)).isTrue();
        return;
      }
    }
    throw new AssertionError("never unsealed");
  }

  private byte[] key() {
    byte[] k = new byte[32];
    random.nextBytes(k);
    return k;
  }

  private static byte[] check(byte[] root) {
    try (SecretBytes secret = SecretBytes.copyOf(root)) {
      return KeyCheck.of(secret);
    }
  }

  private List<UnsealShare> split(byte[] root, int n, int m) {
    try (SecretBytes secret = SecretBytes.copyOf(root)) {
      return ShareSplitter.split(secret, n, m, false, random);
    }
  }
}
