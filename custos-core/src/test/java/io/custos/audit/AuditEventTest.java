package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.audit.AuditEvent.Outcome;
import io.custos.audit.AuditEvent.Principal;
import io.custos.failure.InvalidInputException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("SS-002 11.7.1 — an audit event holds only bounded, printable, non-secret fields")
class AuditEventTest {
  private static final Principal ALICE = new Principal("alice", "token");

  private static AuditEvent event(String action, String requestId, Map<String, String> params) {
    return new AuditEvent(1, Instant.parse("2025-03-01T09:15:00.250Z"), requestId, ALICE, action,
        "", Outcome.OK, Optional.empty(), "", params);
  }

  @ParameterizedTest
  @ValueSource(strings = {"kms.encrypt", "ca.issue", "operator.unseal", "a.b.c", "kms_v2.re_wrap9"})
  @DisplayName("actions are lower-case dotted words")
  void acceptsActions(String action) {
    assertThat(event(action, "r", Map.of()).action()).isEqualTo(action);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "kms", "Kms.encrypt", "kms.", ".kms", "kms..encrypt", "kms.9x",
      "kms.encrypt ", "kms-x.y", "ca.issue\n"})
  @DisplayName("anything else is refused as an action")
  void refusesActions(String action) {
    assertThatThrownBy(() -> event(action, "r", Map.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("action: ");
  }

  @Test
  @DisplayName("identifiers carry no control characters, so an export line cannot forge another")
  void refusesControlCharactersInIds() {
    assertThatThrownBy(() -> event("kms.encrypt", "r\u001b[31m", Map.of()))
        .hasMessage("requestId: control character U+001B at index 1 is not allowed");
    assertThatThrownBy(() -> new Principal("alice\u2028", "token"))
        .hasMessage("principal.id: control character U+2028 at index 5 is not allowed");
    assertThatThrownBy(() -> new Principal("alice", ""))
        .hasMessage("principal.authMethod: must not be empty");
  }

  @Test
  @DisplayName("lengths are bounded and unpaired surrogates refused")
  void boundsLengths() {
    assertThatThrownBy(() -> event("kms.encrypt", "r".repeat(129), Map.of()))
        .hasMessage("requestId: 129 characters, at most 128 allowed");
    assertThatThrownBy(() -> event("kms.encrypt", "r\uD800", Map.of()))
        .hasMessage("requestId: unpaired surrogate U+D800 at index 1 cannot be encoded as UTF-8");
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 17; i++) {
      many.put("p" + i, "v");
    }
    assertThatThrownBy(() -> event("kms.encrypt", "r", many))
        .hasMessage("params: 17 entries, at most 16 allowed");
    assertThatThrownBy(() -> event("kms.encrypt", "r", Map.of("9lives", "v")))
        .hasMessageStartingWith("params: name '9lives' is not");
    assertThatThrownBy(() -> new AuditEvent(AuditEvent.MAX_SEQ + 1, Instant.EPOCH, "r", ALICE,
        "kms.encrypt", "", Outcome.OK, Optional.empty(), "", Map.of()))
        .hasMessage("seq: 9007199254740992 is not between 1 and 2^53-1");
  }

  @Test
  @DisplayName("params are copied into an immutable map in natural order, whatever the caller's map")
  void copiesParams() {
    TreeMap<String, String> reversed = new TreeMap<>(java.util.Comparator.reverseOrder());
    reversed.put("a", "1");
    reversed.put("b", "2");
    AuditEvent e = event("kms.encrypt", "r", reversed);
    reversed.put("c", "3");
    assertThat(e.params()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
    assertThat(e.params().comparator()).isNull();
    assertThatThrownBy(() -> e.params().put("d", "4"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  @DisplayName("time is kept to the millisecond, in years 0001 to 9999")
  void truncatesTime() {
    AuditEvent e = new AuditEvent(1, Instant.parse("2025-03-01T09:15:00.250999999Z"), "r", ALICE,
        "kms.encrypt", "", Outcome.OK, Optional.empty(), "", Map.of());
    assertThat(e.time()).isEqualTo(Instant.parse("2025-03-01T09:15:00.250Z"));
    assertThatThrownBy(() -> new AuditEvent(1, Instant.parse("+10000-01-01T00:00:00Z"), "r",
        ALICE, "kms.encrypt", "", Outcome.OK, Optional.empty(), "", Map.of()))
        .hasMessageContaining("is outside years 0001 to 9999");
  }
}
