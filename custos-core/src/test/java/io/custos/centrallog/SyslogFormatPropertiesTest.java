package io.custos.centrallog;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

@Label("RFC 5424 encoding properties")
class SyslogFormatPropertiesTest {
  private static final SyslogFormat FORMAT =
      new SyslogFormat(Facility.AUTHPRIV, "ca1.example.net", "4242", SyslogFormat.DEFAULT_SD_ID);

  @Property
  @Label("any action gives a MSGID of 1-32 printable US-ASCII characters")
  void msgIdAlwaysValid(@ForAll @StringLength(max = 80) String action) {
    String msgId = SyslogFormat.msgId(action);
    assertThat(msgId).hasSizeBetween(1, 32);
    assertThat(msgId.chars()).allMatch(c -> c >= 33 && c <= 126);
  }

  @Property
  @Label("escaped SD-PARAM values unescape to the original and never end the element early")
  void escapingRoundTrips(@ForAll String value) {
    String escaped = SyslogFormat.escapeParamValue(value);
    StringBuilder unescaped = new StringBuilder();
    for (int i = 0; i < escaped.length(); i++) {
      char c = escaped.charAt(i);
      if (c == '\\') {
        char next = escaped.charAt(++i);
        assertThat(next).isIn('"', '\\', ']');
        unescaped.append(next);
      } else {
        assertThat(c).isNotIn('"', ']');
        unescaped.append(c);
      }
    }
    assertThat(unescaped.toString()).isEqualTo(value);
  }

  @Property
  @Label("the octet count is the message's length in bytes, whatever the JSON holds")
  void octetCountMatches(@ForAll @StringLength(min = 1, max = 200) String text) {
    String json = "{\"t\":\"" + text.replace("\r", "").replace("\n", "") + "\"}";
    LogEntry entry = new LogEntry(3, Instant.EPOCH, "kms.sign", Severity.NOTICE, json);
    byte[] frame = FORMAT.frame(entry);
    String framed = new String(frame, UTF_8);
    int space = framed.indexOf(' ');
    int count = Integer.parseInt(framed.substring(0, space));
    assertThat(count).isEqualTo(frame.length - space - 1).isEqualTo(FORMAT.encode(entry).length);
  }
}
