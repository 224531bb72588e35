package io.custos.system;

/** Where the root of trust stands. Only UNSEALED serves operations that need keys. */
public enum SystemState {
  /** No root of trust yet: {@code operator init} has not run. */
  UNINITIALISED,
  /** Initialised, but the root key is not in memory. */
  SEALED,
  /** The root key is in memory; keys can be used. */
  UNSEALED;

  public boolean initialised() {
    return this != UNINITIALISED;
  }

  public boolean sealed() {
    return this != UNSEALED;
  }
}
