package io.custos.kms;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The states of a key in NIST SP 800-57 Part 1 Rev. 5 §5.3, with exactly the transitions of its
 * Figure 3 (numbered there 1 to 13). Nothing else is reachable.
 */
public enum KeyState {
  PRE_ACTIVATION,
  ACTIVE,
  SUSPENDED,
  DEACTIVATED,
  COMPROMISED,
  DESTROYED,
  DESTROYED_COMPROMISED;

  /** The states this one may move to. */
  public Set<KeyState> next() {
    return switch (this) {
      case PRE_ACTIVATION -> EnumSet.of(ACTIVE, COMPROMISED, DESTROYED);
      case ACTIVE -> EnumSet.of(SUSPENDED, DEACTIVATED, COMPROMISED);
      case SUSPENDED -> EnumSet.of(ACTIVE, DEACTIVATED, COMPROMISED);
      case DEACTIVATED -> EnumSet.of(COMPROMISED, DESTROYED);
      case COMPROMISED -> EnumSet.of(DESTROYED_COMPROMISED);
      case DESTROYED -> EnumSet.of(DESTROYED_COMPROMISED);
      case DESTROYED_COMPROMISED -> EnumSet.noneOf(KeyState.class);
    };
  }

  public boolean canMoveTo(KeyState target) {
    return next().contains(target);
  }

  /** True once the key material is gone. */
  public boolean destroyed() {
    return this == DESTROYED || this == DESTROYED_COMPROMISED;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static KeyState parse(String text) {
    for (KeyState s : values()) {
      if (s.id().equals(text)) {
        return s;
      }
    }
    throw new io.custos.failure.InvalidInputException("unknown key state '" + text + "'");
  }
}
