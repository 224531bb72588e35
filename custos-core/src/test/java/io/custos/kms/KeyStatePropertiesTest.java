package io.custos.kms;

import static io.custos.kms.Kms.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import io.custos.failure.ConflictException;
import io.custos.failure.ControlViolationException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** NIST SP 800-57 Part 1 Rev. 5 Figure 3: nothing outside its thirteen transitions is reachable. */
class KeyStatePropertiesTest {

  /** The thirteen transitions of Figure 3, written out independently of {@link KeyState#next()}. */
  private static final Set<String> FIGURE_3 = Set.of(
      "PRE_ACTIVATION>DESTROYED", "PRE_ACTIVATION>COMPROMISED", "PRE_ACTIVATION>ACTIVE",
      "ACTIVE>COMPROMISED", "ACTIVE>SUSPENDED", "SUSPENDED>ACTIVE", "SUSPENDED>COMPROMISED",
      "SUSPENDED>DEACTIVATED", "ACTIVE>DEACTIVATED", "DEACTIVATED>COMPROMISED", "DEACTIVATED>DESTROYED",
      "COMPROMISED>DESTROYED_COMPROMISED", "DESTROYED>DESTROYED_COMPROMISED");

  @Property(tries = 50)
  void onlyFigure3TransitionsAreAllowed(@ForAll KeyState from, @ForAll KeyState to) {
    assertThat(from.canMoveTo(to)).isEqualTo(FIGURE_3.contains(from + ">" + to));
  }

  @Provide
  Arbitrary<List<KeyState>> requests() {
    return Arbitraries.of(KeyState.class).list().ofMinSize(1).ofMaxSize(12);
  }

  /**
   * Random sequences of state requests against a real key manager: a legal request moves the
   * key, an illegal one is refused and leaves it where it was; protection is applied only while
   * active, and a destroyed key has no material left.
   */
  @Property(tries = 60)
  void noIllegalTransitionIsReachable(@ForAll("requests") @Size(max = 12) List<KeyState> requests,
      @ForAll boolean startPreActive) {
    try (Kms kms = new Kms()) {
      java.util.Optional<java.time.Instant> activateAt = startPreActive
          ? java.util.Optional.of(kms.clock.instant().plusSeconds(3600)) : java.util.Optional.empty();
      kms.keys.create(ALICE, new KeySpec("k", KeyPurpose.ENCRYPT, "aes-256-gcm", "alice", java.util.Optional.empty(),
          java.util.Optional.empty(), false, java.util.Optional.empty(), activateAt, false));
      KeyState model = startPreActive ? KeyState.PRE_ACTIVATION : KeyState.ACTIVE;
      Set<KeyState> visited = EnumSet.of(model);
      for (KeyState target : requests) {
        boolean legal = FIGURE_3.contains(model + ">" + target);
        try {
          kms.keys.transition(ALICE, "k", target, "property");
          assertThat(legal).as(model + " -> " + target + " was allowed").isTrue();
          model = target;
          visited.add(model);
        } catch (ConflictException refused) {
          assertThat(legal).as(model + " -> " + target + " was refused").isFalse();
        }
        assertThat(kms.keys.get(ALICE, "k").state()).isEqualTo(model);
        boolean encrypted;
        try {
          kms.keys.encrypt(ALICE, "k", "x".getBytes(StandardCharsets.UTF_8), null);
          encrypted = true;
        } catch (ControlViolationException e) {
          encrypted = false;
        }
        assertThat(encrypted).isEqualTo(model == KeyState.ACTIVE);
        if (model.destroyed()) {
          assertThat(kms.records.list(KeyManager.MATERIAL_TYPE, "", 10)).isEmpty();
        }
      }
    }
  }
}
