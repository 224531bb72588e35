package io.custos.centrallog;

/**
 * Syslog facility, with the numeric codes of RFC 5424 §6.2.1. Custos exports under
 * {@link #AUTHPRIV} (10) unless configured otherwise: its events are security and
 * authorisation messages that receivers conventionally keep away from general logs.
 */
public enum Facility {
  KERN(0),
  USER(1),
  MAIL(2),
  DAEMON(3),
  AUTH(4),
  SYSLOG(5),
  LPR(6),
  NEWS(7),
  UUCP(8),
  CRON(9),
  AUTHPRIV(10),
  FTP(11),
  NTP(12),
  LOG_AUDIT(13),
  LOG_ALERT(14),
  CLOCK(15),
  LOCAL0(16),
  LOCAL1(17),
  LOCAL2(18),
  LOCAL3(19),
  LOCAL4(20),
  LOCAL5(21),
  LOCAL6(22),
  LOCAL7(23);

  private final int code;

  Facility(int code) {
    this.code = code;
  }

  /** The RFC 5424 numeric code, 0..23. */
  public int code() {
    return code;
  }
}
