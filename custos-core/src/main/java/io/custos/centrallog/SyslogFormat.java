package io.custos.centrallog;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * Encodes a {@link LogEntry} as an RFC 5424 syslog message:
 *
 * <pre>{@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID seq="…" action="…"] BOM+JSON}</pre>
 *
 * <ul>
 *   <li>PRI is {@code facility * 8 + severity} (default facility {@link Facility#AUTHPRIV}).
 *   <li>TIMESTAMP is the entry's time in UTC, RFC 3339 with milliseconds (truncated).
 *   <li>APP-NAME is {@code custos}; MSGID is the action, with every character outside printable
 *       US-ASCII replaced by {@code _} and cut to 32 characters (RFC 5424 §6). The untouched
 *       action travels in the structured data.
 *   <li>STRUCTURED-DATA is one element whose SD-ID is configurable. The default,
 *       {@code custos@32473}, uses the enterprise number that RFC 5612 reserves for
 *       documentation; a deployment should substitute its own IANA private enterprise number.
 *       Parameter values escape {@code "}, {@code \} and {@code ]} with a backslash.
 *   <li>MSG is the canonical JSON, UTF-8, preceded by the byte order mark. RFC 5424 §6.4 says a
 *       UTF-8 MSG must start with the BOM, so Custos always sends it; receivers that store the
 *       message part (rsyslog's {@code %msg%}) keep those three bytes, and JSON consumers skip
 *       them.
 * </ul>
 *
 * <p>{@link #frame} adds octet-counting framing (RFC 6587 §3.4.1, required by RFC 5425 for TLS):
 * the message length in bytes, a space, the message. Receivers cap message size (rsyslog:
 * {@code maxMessageSize}, 8 KiB by default) and must be configured for the largest event.
 *
 * @param facility the facility in PRI
 * @param hostname HOSTNAME: 1–255 printable US-ASCII characters, or {@code -}
 * @param procId PROCID: 1–128 printable US-ASCII characters, or {@code -}
 * @param sdId the SD-ID of the structured-data element, in the {@code name@enterprise-number}
 *     form RFC 5424 §6.3.2 requires for private identifiers
 */
public record SyslogFormat(Facility facility, String hostname, String procId, String sdId) {

  /** APP-NAME of every message. */
  public static final String APP_NAME = "custos";

  /** Default SD-ID, under the documentation enterprise number of RFC 5612. */
  public static final String DEFAULT_SD_ID = "custos@32473";

  private static final int MSGID_MAX = 32;
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  public SyslogFormat {
    Objects.requireNonNull(facility, "facility");
    requireHeaderField("hostname", hostname, 255);
    requireHeaderField("procId", procId, 128);
    requireSdId(sdId);
  }

  /** Facility authpriv, PROCID of this process, default SD-ID, for the given host name. */
  public static SyslogFormat forHost(String hostname) {
    return new SyslogFormat(Facility.AUTHPRIV, hostname,
        Long.toString(ProcessHandle.current().pid()), DEFAULT_SD_ID);
  }

  /** Like {@link #forHost} with this machine's host name, or {@code -} if it has none. */
  public static SyslogFormat defaults() {
    String host;
    try {
      host = sanitise(InetAddress.getLocalHost().getHostName(), 255);
    } catch (UnknownHostException e) {
      host = "-";
    }
    return forHost(host);
  }

  public SyslogFormat withFacility(Facility newFacility) {
    return new SyslogFormat(newFacility, hostname, procId, sdId);
  }

  public SyslogFormat withSdId(String newSdId) {
    return new SyslogFormat(facility, hostname, procId, newSdId);
  }

  /** The RFC 5424 message for {@code entry}, without framing. */
  public byte[] encode(LogEntry entry) {
    int pri = facility.code() * 8 + entry.severity().code();
    String header = "<" + pri + ">1 " + timestamp(entry.time()) + ' ' + hostname + ' ' + APP_NAME
        + ' ' + procId + ' ' + msgId(entry.action()) + " [" + sdId + " seq=\"" + entry.seq()
        + "\" action=\"" + escapeParamValue(entry.action()) + "\"] ";
    ByteArrayOutputStream out = new ByteArrayOutputStream(header.length() + entry.json().length() + 8);
    out.writeBytes(header.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(BOM);
    out.writeBytes(entry.json().getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** The octet-counted frame for {@code entry}: {@code <length> SP <message>}. */
  public byte[] frame(LogEntry entry) {
    return frame(encode(entry));
  }

  /** Octet-counting framing of an encoded message (RFC 6587 §3.4.1). */
  static byte[] frame(byte[] message) {
    byte[] prefix = (message.length + " ").getBytes(StandardCharsets.US_ASCII);
    byte[] framed = new byte[prefix.length + message.length];
    System.arraycopy(prefix, 0, framed, 0, prefix.length);
    System.arraycopy(message, 0, framed, prefix.length, message.length);
    return framed;
  }

  /** RFC 3339 UTC timestamp with milliseconds, e.g. {@code 2026-01-02T03:04:05.678Z}. */
  public static String timestamp(Instant time) {
    return TIMESTAMP.format(time);
  }

  /** MSGID for an action: printable US-ASCII only, at most 32 characters, {@code -} if empty. */
  public static String msgId(String action) {
    return sanitise(action, MSGID_MAX);
  }

  /** Escapes an SD-PARAM value: {@code "}, {@code \} and {@code ]} get a backslash. */
  public static String escapeParamValue(String value) {
    StringBuilder sb = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\' || c == ']') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  private static String sanitise(String value, int max) {
    StringBuilder sb = new StringBuilder(Math.min(value.length(), max));
    value.codePoints().limit(max).forEach(cp -> sb.append(printable(cp) ? (char) cp : '_'));
    return sb.isEmpty() ? "-" : sb.toString();
  }

  private static boolean printable(int cp) {
    return cp >= 33 && cp <= 126;
  }

  private static void requireHeaderField(String what, String value, int max) {
    Objects.requireNonNull(value, what);
    if (value.isEmpty() || value.length() > max || !value.chars().allMatch(SyslogFormat::printable)) {
      throw new IllegalArgumentException(
          what + " must be 1-" + max + " printable US-ASCII characters, was '" + value + "'");
    }
  }

  private static void requireSdId(String sdId) {
    Objects.requireNonNull(sdId, "sdId");
    boolean nameChars = sdId.chars().allMatch(c -> printable(c) && c != '=' && c != ']' && c != '"');
    int at = sdId.indexOf('@');
    boolean privateForm = at > 0 && at < sdId.length() - 1
        && sdId.substring(at + 1).chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    if (sdId.length() > 32 || !nameChars || !privateForm) {
      throw new IllegalArgumentException("sdId must be name@enterprise-number, at most 32"
          + " printable US-ASCII characters without '=', ']' or '\"', was '" + sdId + "'");
    }
  }
}
