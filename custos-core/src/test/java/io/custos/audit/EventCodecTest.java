package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.audit.AuditEvent.Outcome;
import io.custos.audit.AuditEvent.Principal;
import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("SS-002 11.7.1 — audit events have one canonical encoding (format v1)")
class EventCodecTest {
  // The examples of docs/audit-format.md; their leaf hashes were cross-checked with Python's
  // hashlib and json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False).
  static final AuditEvent FIRST = new AuditEvent(1, Instant.parse("2025-03-01T09:15:00.250Z"),
      "req-1", new Principal("svc/payments", "token"), "kms.encrypt", "kms/keys/payments",
      Outcome.OK, Optional.empty(), "10.0.0.7", new TreeMap<>(Map.of("keyVersion", "3")));
  static final String FIRST_JSON = "{\"action\":\"kms.encrypt\",\"clientAddress\":\"10.0.0.7\","
      + "\"outcome\":\"OK\",\"params\":{\"keyVersion\":\"3\"},\"principal\":{\"authMethod\":"
      + "\"token\",\"id\":\"svc/payments\"},\"requestId\":\"req-1\",\"resource\":"
      + "\"kms/keys/payments\",\"seq\":1,\"time\":\"2025-03-01T09:15:00.250Z\",\"v\":1}";
  static final String FIRST_LEAF = "ec50fae188a67c74dc0a1aa6f3f7d669892bb6fc8c15fd1f2097bdfc1e0d8d60";

  static final AuditEvent SECOND = new AuditEvent(2, Instant.parse("2025-03-01T09:15:01Z"),
      "req-2", new Principal("alice", "mtls"), "kms.sign", "kms/keys/payments", Outcome.DENIED,
      Optional.of("SS-002 11.3.3"), "",
      new TreeMap<>(Map.of("note", "tab\there \"quoted\" é \u0001 \uD83D\uDE00")));
  static final String SECOND_JSON = "{\"action\":\"kms.sign\",\"clientAddress\":\"\",\"control\":"
      + "\"SS-002 11.3.3\",\"outcome\":\"DENIED\",\"params\":{\"note\":\"tab\\there \\\"quoted\\\" "
      + "é \\u0001 \uD83D\uDE00\"},\"principal\":{\"authMethod\":\"mtls\",\"id\":\"alice\"},"
      + "\"requestId\":\"req-2\",\"resource\":\"kms/keys/payments\",\"seq\":2,\"time\":"
      + "\"2025-03-01T09:15:01.000Z\",\"v\":1}";
  static final String SECOND_LEAF = "4419af315d389e38dea7deef94df817a2e075fde21920582f9df716cac641bba";

  @Test
  @DisplayName("known answer: encoding and leaf hash of the documented examples")
  void knownAnswers() {
    assertThat(new String(EventCodec.encode(FIRST), StandardCharsets.UTF_8)).isEqualTo(FIRST_JSON);
    assertThat(new String(EventCodec.encode(SECOND), StandardCharsets.UTF_8)).isEqualTo(SECOND_JSON);
    assertThat(HexFormat.of().formatHex(MerkleTree.leafHash(EventCodec.encode(FIRST))))
        .isEqualTo(FIRST_LEAF);
    assertThat(HexFormat.of().formatHex(MerkleTree.leafHash(EventCodec.encode(SECOND))))
        .isEqualTo(SECOND_LEAF);
    assertThat(EventCodec.decode(bytes(FIRST_JSON))).isEqualTo(FIRST);
    assertThat(EventCodec.decode(bytes(SECOND_JSON))).isEqualTo(SECOND);
  }

  @Test
  @DisplayName("strings are escaped as RFC 8785 does: short forms, lower-case \\u00xx, the rest raw")
  void escapesLikeJcs() {
    String all = "\u0000\u0007\b\t\n\u000b\f\r\u001f \"\\/\u007f\u2028\uD834\uDD1E";
    AuditEvent e = withResource(all);
    String json = new String(EventCodec.encode(e), StandardCharsets.UTF_8);
    assertThat(json).contains("\"resource\":\"\\u0000\\u0007\\b\\t\\n\\u000b\\f\\r\\u001f "
        + "\\\"\\\\/\u007f\u2028\uD834\uDD1E\"");
    assertThat(EventCodec.decode(EventCodec.encode(e))).isEqualTo(e);
  }

  @Test
  @DisplayName("the largest valid event fits the 64 KiB limit and round-trips")
  void largestEventFits() {
    String sixBytesEach = "\u0001".repeat(512);
    TreeMap<String, String> params = new TreeMap<>();
    for (int i = 0; i < AuditEvent.MAX_PARAMS; i++) {
      params.put("p" + "x".repeat(61) + String.format("%02d", i), sixBytesEach);
    }
    String threeBytes = "\uFFFD";
    AuditEvent big = new AuditEvent(AuditEvent.MAX_SEQ, Instant.parse("9999-12-31T23:59:59.999Z"),
        threeBytes.repeat(128), new Principal(threeBytes.repeat(256), threeBytes.repeat(32)),
        "a." + "b".repeat(126), "\u0001".repeat(1024), Outcome.DENIED,
        Optional.of(threeBytes.repeat(64)), threeBytes.repeat(128), params);
    byte[] encoded = EventCodec.encode(big);
    assertThat(encoded.length).isLessThanOrEqualTo(EventCodec.MAX_BYTES);
    assertThat(EventCodec.decode(encoded)).isEqualTo(big);
  }

  @ParameterizedTest(name = "{0}")
  @DisplayName("malformed or hostile input is refused with what and where")
  @CsvSource(delimiter = '|', textBlock = """
      empty input                 | ''                                     | empty input
      not an object               | '[1]'                                  | byte 0: expected '{'
      truncated                   | '{"action":"kms.enc'                   | unexpected end of input
      whitespace                  | '{ "action":"x"}'                      | byte 1: expected a member name in quotes but found whitespace
      duplicate member            | '{"a":"1","a":"2"}'                    | byte 9: duplicate member "a"
      unsorted members            | '{"b":"1","a":"2"}'                    | byte 9: member "a" after "b"
      nesting deeper than 2       | '{"params":{"a":{"b":"c"}}}'           | byte 15: objects nested deeper than 2 levels
      trailing data               | '{"a":"1"}x'                           | byte 9: trailing data
      trailing newline            | '{"a":"1"}\\n'                         | byte 9: trailing data
      array                       | '{"a":[]}'                             | byte 5: arrays are not used
      literal                     | '{"a":true}'                           | byte 5: true, false and null are not used
      fraction                    | '{"seq":1.0}'                          | byte 7: only integers
      leading zero                | '{"seq":01}'                           | byte 7: integer with a leading zero
      huge integer                | '{"seq":9007199254740992}'             | byte 7: integer beyond 2^53-1
      non-canonical escape        | '{"a":"\\/"}'                          | byte 6: escape '\\/' is not canonical
      escaped printable           | '{"a":"\\u0041"}'                      | byte 6: escape \\u0041 is not canonical
      upper-case hex escape       | '{"a":"\\u001F"}'                      | byte 6: \\u escape needs four lower-case hex digits
      short-form control as \\u   | '{"a":"\\u000a"}'                      | byte 6: escape \\u000a is not canonical
      raw control character       | '{"a":"\\t"}'                          | byte 6: raw control character U+0009
      """)
  void refusesMalformedJson(String name, String input, String expected) {
    byte[] b = bytes(input.replace("\\n", "\n").replace("\\t", "\t"));
    assertThatThrownBy(() -> EventCodec.decode(b))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("not canonical JSON: ")
        .hasMessageContaining(expected);
  }

  @ParameterizedTest(name = "{0}")
  @DisplayName("bad UTF-8 is refused with the offending byte")
  @CsvSource(delimiter = '|', textBlock = """
      lone continuation byte   | 80       | byte 6: byte 0x80 cannot start a UTF-8 sequence
      overlong slash           | c0af     | byte 6: byte 0xC0 cannot start
      overlong three bytes     | e08080   | byte 6: overlong UTF-8 encoding
      encoded surrogate        | eda080   | byte 6: UTF-8 encoded surrogate U+D800
      beyond U+10FFFF          | f4908080 | byte 6: UTF-8 sequence beyond U+10FFFF
      truncated sequence       | e282     | byte 6: invalid UTF-8 sequence
      invalid lead byte        | ff       | byte 6: byte 0xFF cannot start
      """)
  void refusesBadUtf8(String name, String hex, String expected) {
    byte[] head = bytes("{\"a\":\"");
    byte[] bad = HexFormat.of().parseHex(hex);
    byte[] tail = bytes("\"}");
    byte[] input = new byte[head.length + bad.length + tail.length];
    System.arraycopy(head, 0, input, 0, head.length);
    System.arraycopy(bad, 0, input, head.length, bad.length);
    System.arraycopy(tail, 0, input, head.length + bad.length, tail.length);
    assertThatThrownBy(() -> EventCodec.decode(input))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(expected);
  }

  @Test
  @DisplayName("more than 64 KiB is refused before it is parsed")
  void refusesOversized() {
    byte[] big = new byte[EventCodec.MAX_BYTES + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    assertThatThrownBy(() -> EventCodec.decode(big))
        .hasMessage("not canonical JSON: 65537 bytes, more than the limit of 65536");
  }

  @Test
  @DisplayName("the version is checked first, then unknown, missing and wrongly typed members")
  void refusesWrongSchema() {
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("\"v\":1", "\"v\":2").replace("{\"action",
        "{\"a2\":\"new\",\"action")))
        .hasMessage("not a version 1 event: unsupported format version 2 (this reader knows "
            + "version 1)");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace(",\"v\":1", "")))
        .hasMessage("not a version 1 event: missing member \"v\"");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("\"time\"", "\"tim\"")))
        .hasMessageContaining("unknown member \"tim\" at byte");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("\"requestId\":\"req-1\",", "")))
        .hasMessage("not a version 1 event: missing member \"requestId\"");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("\"seq\":1", "\"seq\":\"1\"")))
        .hasMessageMatching("not a version 1 event: member \"seq\" at byte \\d+ must be an "
            + "integer, found a string");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("{\"keyVersion\":\"3\"}",
        "{\"keyVersion\":3}")))
        .hasMessageMatching(".*params member \"keyVersion\" at byte \\d+ must be a string, found an "
            + "integer");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("\"authMethod\":\"token\",", "")))
        .hasMessageContaining("member \"principal\" at byte");
  }

  @Test
  @DisplayName("values the event record refuses are refused when decoding")
  void refusesInvalidValues() {
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("kms.encrypt", "KMS.encrypt")))
        .hasMessageStartingWith("invalid event: action: 'KMS.encrypt' is not lower-case dotted");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("\"seq\":1", "\"seq\":0")))
        .hasMessage("invalid event: seq: 0 is not between 1 and 2^53-1");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace(".250Z", ".25Z")))
        .hasMessageContaining("invalid event: time: '2025-03-01T09:15:00.25Z' is not of the form");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("09:15:00.250Z", "24:00:00.000Z")))
        .hasMessageContaining("is not a valid date and time");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("\"OK\"", "\"ok\"")))
        .hasMessage("invalid event: outcome: 'ok' is not OK, DENIED or ERROR");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("req-1", "req\\n1")))
        .hasMessage("invalid event: requestId: control character U+000A at index 3 is not allowed");
    assertThatThrownBy(() -> decode(FIRST_JSON.replace("\"clientAddress\":\"10.0.0.7\",",
        "\"clientAddress\":\"10.0.0.7\",\"control\":\"\",")))
        .hasMessage("invalid event: control: must not be empty");
  }

  private static AuditEvent decode(String json) {
    return EventCodec.decode(bytes(json));
  }

  private static AuditEvent withResource(String resource) {
    return new AuditEvent(FIRST.seq(), FIRST.time(), FIRST.requestId(), FIRST.principal(),
        FIRST.action(), resource, FIRST.outcome(), FIRST.control(), FIRST.clientAddress(),
        FIRST.params());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
