package io.custos.centrallog;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 5424 encoding and RFC 6587 octet counting, checked against golden strings. */
class SyslogFormatTest {
  private static final SyslogFormat FORMAT =
      new SyslogFormat(Facility.AUTHPRIV, "ca1.example.net", "4242", SyslogFormat.DEFAULT_SD_ID);
  private static final LogEntry ENTRY = new LogEntry(17, Instant.parse("2026-01-02T03:04:05.678912345Z"),
      "kms.encrypt", Severity.INFORMATIONAL, "{\"action\":\"kms.encrypt\",\"seq\":17}");
  private static final String GOLDEN = "<86>1 2026-01-02T03:04:05.678Z ca1.example.net custos 4242"
      + " kms.encrypt [custos@32473 seq=\"17\" action=\"kms.encrypt\"] \uFEFF"
      + "{\"action\":\"kms.encrypt\",\"seq\":17}";

  @Test
  @DisplayName("SS-002 11.7.1 — an audit event becomes one RFC 5424 message: PRI, UTC timestamp, custos, MSGID, SD with seq, BOM + JSON")
  void goldenMessage() {
    assertThat(new String(FORMAT.encode(ENTRY), UTF_8)).isEqualTo(GOLDEN);
    assertThat(FORMAT.encode(ENTRY)).isEqualTo(GOLDEN.getBytes(UTF_8));
  }

  @Test
  @DisplayName("RFC 6587 §3.4.1 — octet counting: byte length, one space, the message")
  void goldenFrame() {
    assertThat(new String(FORMAT.frame(ENTRY), UTF_8)).isEqualTo("152 " + GOLDEN);
  }

  @Test
  @DisplayName("escaping, MSGID sanitising, nil fields and a custom SD-ID in one golden message")
  void goldenMessageWithAwkwardAction() {
    SyslogFormat format = new SyslogFormat(Facility.AUTHPRIV, "-", "-", "audit@12345");
    LogEntry entry = new LogEntry(9, Instant.EPOCH, "ca revoke/\"q\\]é", Severity.ALERT,
        "{\"n\":\"Zoë €\"}");
    String expected = "<81>1 1970-01-01T00:00:00.000Z - custos - ca_revoke/\"q\\]_"
        + " [audit@12345 seq=\"9\" action=\"ca revoke/\\\"q\\\\\\]é\"] \uFEFF{\"n\":\"Zoë €\"}";
    assertThat(new String(format.frame(entry), UTF_8)).isEqualTo("128 " + expected);
  }

  @ParameterizedTest(name = "{0} + {1} -> <{2}>")
  @CsvSource({
      "KERN, EMERGENCY, 0",
      "AUTHPRIV, ALERT, 81",
      "AUTHPRIV, ERROR, 83",
      "AUTHPRIV, WARNING, 84",
      "AUTHPRIV, INFORMATIONAL, 86",
      "LOCAL0, NOTICE, 133",
      "LOCAL7, DEBUG, 191"})
  @DisplayName("PRI is facility * 8 + severity")
  void pri(Facility facility, Severity severity, int pri) {
    LogEntry entry = new LogEntry(1, Instant.EPOCH, "x", severity, "{}");
    String message = new String(FORMAT.withFacility(facility).encode(entry), UTF_8);
    assertThat(message).startsWith("<" + pri + ">1 ");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "kms.encrypt|kms.encrypt",
      "cert revoked|cert_revoked",
      "ключ.создан|____.______",
      "a.very.long.action.name.that.goes.on.and.on|a.very.long.action.name.that.goe",
      "tab\there|tab_here"})
  @DisplayName("RFC 5424 §6 — MSGID is at most 32 printable US-ASCII characters")
  void msgId(String action, String msgId) {
    assertThat(SyslogFormat.msgId(action)).isEqualTo(msgId);
  }

  @Test
  @DisplayName("an empty MSGID becomes the nil value")
  void emptyMsgId() {
    assertThat(SyslogFormat.msgId("")).isEqualTo("-");
  }

  @Test
  @DisplayName("RFC 5424 §6.3.3 — SD-PARAM values escape quote, backslash and closing bracket")
  void paramEscaping() {
    assertThat(SyslogFormat.escapeParamValue("a\"b\\c]d[e=f")).isEqualTo("a\\\"b\\\\c\\]d[e=f");
  }

  @Test
  @DisplayName("TIMESTAMP is RFC 3339 in UTC with milliseconds, truncated")
  void timestamp() {
    assertThat(SyslogFormat.timestamp(Instant.parse("2026-12-31T23:59:59.999999999Z")))
        .isEqualTo("2026-12-31T23:59:59.999Z");
    assertThat(SyslogFormat.timestamp(Instant.EPOCH)).isEqualTo("1970-01-01T00:00:00.000Z");
  }

  @Test
  @DisplayName("the SD-ID is configurable")
  void customSdId() {
    String message = new String(FORMAT.withSdId("custos@1.3.6").encode(ENTRY), UTF_8);
    assertThat(message).contains(" [custos@1.3.6 seq=\"17\" ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"custos", "cus tos@32473", "custos@", "custos@abc", "cus\"tos@1",
      "cus]tos@1", "a=b@1", "averyveryveryverylongname@1234567"})
  @DisplayName("RFC 5424 §6.3.2 — a private SD-ID must be name@enterprise-number of SD-NAME characters")
  void invalidSdId(String sdId) {
    assertThatThrownBy(() -> FORMAT.withSdId(sdId)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("header fields refuse spaces, non-ASCII and emptiness")
  void headerValidation() {
    assertThatThrownBy(() -> new SyslogFormat(Facility.AUTHPRIV, "ca 1", "-", "a@1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SyslogFormat(Facility.AUTHPRIV, "cä", "-", "a@1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SyslogFormat(Facility.AUTHPRIV, "h", "", "a@1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(SyslogFormat.defaults().hostname()).isNotBlank();
  }

  @Test
  @DisplayName("severities carry their RFC 5424 codes")
  void severityCodes() {
    assertThat(Severity.EMERGENCY.code()).isZero();
    assertThat(Severity.DEBUG.code()).isEqualTo(7);
    for (Severity s : Severity.values()) {
      assertThat(Severity.ofCode(s.code())).isSameAs(s);
    }
    assertThatThrownBy(() -> Severity.ofCode(8)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Facility.AUTHPRIV.code()).isEqualTo(10);
  }

  @Test
  @DisplayName("an entry's JSON must be one line")
  void entryValidation() {
    assertThatThrownBy(() -> new LogEntry(1, Instant.EPOCH, "a", Severity.NOTICE, "{}\n"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LogEntry(0, Instant.EPOCH, "a", Severity.NOTICE, "{}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LogEntry(1, Instant.EPOCH, " ", Severity.NOTICE, "{}"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
