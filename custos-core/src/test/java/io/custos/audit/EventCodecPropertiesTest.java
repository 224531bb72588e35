package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.InvalidInputException;
import java.util.Arrays;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

@Label("SS-002 11.7.1 — event encoding properties")
class EventCodecPropertiesTest {

  @Provide
  Arbitrary<AuditEvent> events() {
    return AuditArbitraries.events();
  }

  @Property(tries = 100)
  @Label("decode(encode(e)) == e for every valid event")
  void roundTrip(@ForAll("events") AuditEvent event) {
    byte[] encoded = EventCodec.encode(event);
    assertThat(EventCodec.decode(encoded)).isEqualTo(event);
    assertThat(encoded.length).isLessThanOrEqualTo(EventCodec.MAX_BYTES);
  }

  @Property(tries = 30)
  @Label("encoding is deterministic: equal events, equal bytes")
  void deterministic(@ForAll("events") AuditEvent event) {
    AuditEvent copy = new AuditEvent(event.seq(), event.time(), event.requestId(),
        event.principal(), event.action(), event.resource(), event.outcome(), event.control(),
        event.clientAddress(), new java.util.HashMap<>(event.params()));
    assertThat(EventCodec.encode(copy)).isEqualTo(EventCodec.encode(event));
  }

  @Property(tries = 200)
  @Label("any single-byte change is refused or yields bytes that re-encode identically")
  void singleByteChanges(@ForAll("events") AuditEvent event, @ForAll int position,
      @ForAll @IntRange(min = 1, max = 255) int delta) {
    byte[] b = EventCodec.encode(event);
    int at = Math.floorMod(position, b.length);
    b[at] = (byte) (b[at] + delta);
    AuditEvent decoded;
    try {
      decoded = EventCodec.decode(b);
    } catch (InvalidInputException refused) {
      return;
    }
    // Accepted bytes are canonical: encode(decode(b)) == b, and they mean a different event.
    assertThat(EventCodec.encode(decoded)).isEqualTo(b);
    assertThat(decoded).isNotEqualTo(event);
  }

  @Property(tries = 60)
  @Label("every proper prefix (truncation) is refused")
  void truncationsRefused(@ForAll("events") AuditEvent event, @ForAll int cut) {
    byte[] b = EventCodec.encode(event);
    byte[] prefix = Arrays.copyOf(b, Math.floorMod(cut, b.length));
    assertThatThrownBy(() -> EventCodec.decode(prefix)).isInstanceOf(InvalidInputException.class);
  }

  @Property(tries = 40)
  @Label("trailing data is refused")
  void trailingDataRefused(@ForAll("events") AuditEvent event, @ForAll byte extra) {
    byte[] b = EventCodec.encode(event);
    byte[] longer = Arrays.copyOf(b, b.length + 1);
    longer[b.length] = extra;
    assertThatThrownBy(() -> EventCodec.decode(longer))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("byte " + b.length + ": trailing data");
  }

  @Property(tries = 100)
  @Label("random bytes never crash the reader: they decode canonically or are refused")
  void randomBytes(@ForAll byte[] junk) {
    try {
      assertThat(EventCodec.encode(EventCodec.decode(junk))).isEqualTo(junk);
    } catch (InvalidInputException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }
}
