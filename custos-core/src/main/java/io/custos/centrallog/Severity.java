package io.custos.centrallog;

/**
 * Syslog severity of an exported event, with the numeric codes of RFC 5424 §6.2.1 (0 is the
 * most severe). The audit layer maps outcomes onto it: ok → {@link #INFORMATIONAL}, denied →
 * {@link #WARNING}, error → {@link #ERROR}, {@code alert.*} actions → {@link #ALERT}.
 */
public enum Severity {
  EMERGENCY(0),
  ALERT(1),
  CRITICAL(2),
  ERROR(3),
  WARNING(4),
  NOTICE(5),
  INFORMATIONAL(6),
  DEBUG(7);

  private final int code;

  Severity(int code) {
    this.code = code;
  }

  /** The RFC 5424 numeric code, 0..7. */
  public int code() {
    return code;
  }

  /** The severity with the given RFC 5424 code. */
  public static Severity ofCode(int code) {
    for (Severity s : values()) {
      if (s.code == code) {
        return s;
      }
    }
    throw new IllegalArgumentException("no syslog severity has code " + code);
  }
}
