package io.custos.audit;

import io.custos.audit.AuditEvent.Outcome;
import io.custos.audit.AuditEvent.Principal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

/** Generators of valid audit events, biased towards the characters that encodings get wrong. */
final class AuditArbitraries {
  private AuditArbitraries() {}

  /** Code points that stress JSON escaping and UTF-8: controls, quotes, non-BMP, U+2028. */
  static Arbitrary<String> text(int maxLength) {
    Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
        weighted(6, Arbitraries.integers().between(0x20, 0x7E)),
        weighted(2, Arbitraries.integers().between(0x00, 0x1F)),
        weighted(2, Arbitraries.of(0x22, 0x5C, 0x2F, 0x7F, 0x2028, 0x2029, 0xFEFF, 0xFFFD)),
        weighted(2, Arbitraries.integers().between(0x80, 0xD7FF)),
        weighted(1, Arbitraries.integers().between(0xE000, 0xFFFF)),
        weighted(2, Arbitraries.integers().between(0x10000, 0x10FFFF)));
    return codePoint.list().ofMaxSize(maxLength / 2).map(AuditArbitraries::string);
  }

  /** Identifiers: like {@link #text} without control characters. */
  static Arbitrary<String> id(int maxLength) {
    return text(maxLength).map(s -> s.codePoints()
            .filter(c -> !Character.isISOControl(c) && c != 0x2028 && c != 0x2029)
            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
            .toString())
        .filter(s -> !s.isEmpty());
  }

  static Arbitrary<String> action() {
    Arbitrary<String> word = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1)
        .ofMaxLength(8).flatMap(head -> Arbitraries.strings().withCharRange('a', 'z')
            .withChars('0', '1', '9', '_').ofMaxLength(4).map(tail -> head + tail));
    return word.list().ofMinSize(2).ofMaxSize(4).map(w -> String.join(".", w));
  }

  static Arbitrary<Map<String, String>> params() {
    Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
        .withChars('_', '.', '-', '7').ofMinLength(1).ofMaxLength(12)
        .filter(s -> Character.isLetter(s.charAt(0)));
    return Arbitraries.maps(name, text(40)).ofMaxSize(5).map(TreeMap::new);
  }

  static Arbitrary<Instant> time() {
    return Arbitraries.longs().between(UtcMillis.MIN.toEpochMilli(), UtcMillis.MAX.toEpochMilli())
        .map(Instant::ofEpochMilli);
  }

  static Arbitrary<AuditEvent> events() {
    record Head(long seq, Instant time, String requestId, Principal principal, String action) {}
    record Tail(String resource, Outcome outcome, Optional<String> control, String client,
        Map<String, String> params) {}
    Arbitrary<Head> head = Combinators.combine(
            Arbitraries.longs().between(1, AuditEvent.MAX_SEQ).withDistribution(
                RandomDistribution.biased()),
            time(), id(20),
            Combinators.combine(id(20), id(10)).as(Principal::new),
            action())
        .as(Head::new);
    Arbitrary<Tail> tail = Combinators.combine(
            text(30), Arbitraries.of(Outcome.class),
            id(16).optional(), Arbitraries.of("", "10.0.0.7", "[2001:db8::1]:8200", "unix"),
            params())
        .as(Tail::new);
    return Combinators.combine(head, tail).as((h, t) -> new AuditEvent(h.seq, h.time,
        h.requestId, h.principal, h.action, t.resource, t.outcome, t.control, t.client, t.params));
  }

  private static String string(List<Integer> codePoints) {
    StringBuilder s = new StringBuilder();
    codePoints.forEach(s::appendCodePoint);
    return s.toString();
  }

  private static Tuple2<Integer, Arbitrary<? extends Integer>> weighted(
      int weight, Arbitrary<Integer> arbitrary) {
    return Tuple.of(weight, arbitrary);
  }
}
