package io.custos.monitor;

/** How urgently a person should look at an {@link Alert}. Ordered from least to most urgent. */
public enum Severity {
  /** Worth a look at the next review, e.g. a principal using a key for the first time. */
  LOW,
  /** Unusual and possibly hostile: a rate spike, a denial burst, activity outside hours. */
  MEDIUM,
  /** Likely misuse: bulk decryption, or a key encryption key used without authorisation. */
  HIGH
}
