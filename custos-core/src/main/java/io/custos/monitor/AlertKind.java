package io.custos.monitor;

import java.util.Optional;

/**
 * What an {@link Alert} is about. Each kind has a stable {@link #code()}, used as the action of
 * the audit event that records the alert; codes never change once released.
 */
public enum AlertKind {
  /** A principal or key was used far more often in one window than its baseline. */
  RATE_SPIKE("alert.rate_spike"),
  /** A principal used a key (or key encryption key) it had not used before. */
  FIRST_USE("alert.first_use"),
  /** Many requests from one principal or one client address were denied in a short time. */
  DENIAL_BURST("alert.denial_burst"),
  /** A principal decrypted many times in a short time. */
  BULK_DECRYPT("alert.bulk_decrypt"),
  /** A principal acted outside its allowed hours. */
  OUTSIDE_HOURS("alert.outside_hours"),
  /** A key encryption key was used without an authorising grant (SS-002 11.4.4). */
  KEK_UNAUTHORISED("alert.kek_unauthorised");

  private final String code;

  AlertKind(String code) {
    this.code = code;
  }

  /** The stable code, e.g. {@code alert.rate_spike}; a valid audit action. */
  public String code() {
    return code;
  }

  /** The kind with this code, if any. */
  public static Optional<AlertKind> ofCode(String code) {
    for (AlertKind k : values()) {
      if (k.code.equals(code)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
