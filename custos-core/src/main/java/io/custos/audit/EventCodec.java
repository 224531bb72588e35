package io.custos.audit;

import io.custos.audit.AuditEvent.Outcome;
import io.custos.audit.AuditEvent.Principal;
import io.custos.audit.CanonicalJsonReader.Int;
import io.custos.audit.CanonicalJsonReader.Obj;
import io.custos.audit.CanonicalJsonReader.Str;
import io.custos.audit.CanonicalJsonReader.Value;
import io.custos.failure.InvalidInputException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The canonical byte encoding of an {@link AuditEvent}, format version 1: the bytes that are
 * hashed into the audit log's Merkle tree and exported, one event per line.
 *
 * <p>The encoding is canonical JSON in the manner of RFC 8785 (JCS): UTF-8, no whitespace,
 * member names sorted by code point, strings escaped minimally, integers in plain decimal, the
 * time as RFC 3339 UTC with exactly three fractional digits, an absent {@code control} left out,
 * and a member {@code "v":1} naming the format version. For example:
 *
 * <pre>{@code
 * {"action":"kms.encrypt","clientAddress":"10.0.0.7","outcome":"OK","params":{"keyVersion":"3"},
 *  "principal":{"authMethod":"token","id":"svc/payments"},"requestId":"req-1",
 *  "resource":"kms/keys/payments","seq":1,"time":"2025-03-01T09:15:00.250Z","v":1}
 * }</pre>
 *
 * (one line in reality). {@code docs/audit-format.md} specifies it for verifiers outside Custos.
 *
 * <p>Guarantees: {@code encode} is a function of the event's value alone, so equal events have
 * equal bytes; {@code decode} accepts exactly the bytes {@code encode} produces, so
 * {@code decode(encode(e)).equals(e)} and {@code encode(decode(b))} equals {@code b} for every
 * {@code b} that {@code decode} accepts. There is one encoding per event and one event per
 * encoding, so a leaf hash identifies an event.
 */
public final class EventCodec {
  /** The format version this codec writes and reads. */
  public static final int VERSION = 1;

  /** The largest encoded event, in bytes. Every valid {@link AuditEvent} encodes within it. */
  public static final int MAX_BYTES = 64 * 1024;

  private static final Set<String> MEMBERS = Set.of("action", "clientAddress", "control",
      "outcome", "params", "principal", "requestId", "resource", "seq", "time", "v");

  private EventCodec() {}

  /** The canonical version 1 encoding of {@code event}. */
  public static byte[] encode(AuditEvent event) {
    CanonicalJsonWriter w = new CanonicalJsonWriter().beginObject();
    w.name("action").string(event.action());
    w.name("clientAddress").string(event.clientAddress());
    event.control().ifPresent(c -> w.name("control").string(c));
    w.name("outcome").string(event.outcome().name());
    w.name("params").beginObject();
    event.params().forEach((k, v) -> w.name(k).string(v));
    w.endObject();
    w.name("principal").beginObject()
        .name("authMethod").string(event.principal().authMethod())
        .name("id").string(event.principal().id())
        .endObject();
    w.name("requestId").string(event.requestId());
    w.name("resource").string(event.resource());
    w.name("seq").integer(event.seq());
    w.name("time").string(UtcMillis.format(event.time()));
    w.name("v").integer(VERSION);
    return w.endObject().toBytes();
  }

  /**
   * Reads one encoded event.
   *
   * @throws InvalidInputException if {@code bytes} is not exactly the canonical version 1
   *     encoding of a valid event: more than {@link #MAX_BYTES}, not UTF-8, not canonical JSON
   *     (whitespace, unsorted or duplicate members, other escapes, nesting beyond 2, trailing
   *     bytes), another version, unknown or missing members, or wrongly typed or invalid values.
   *     The message says what is wrong and at which byte.
   */
  public static AuditEvent decode(byte[] bytes) {
    Obj root;
    try {
      root = CanonicalJsonReader.parse(bytes, MAX_BYTES, 2);
    } catch (InvalidInputException e) {
      throw new InvalidInputException("not canonical JSON: " + e.getMessage(), e);
    }
    // The version comes first: a later version may well have members this reader does not know.
    long version = integer(root, "v");
    if (version != VERSION) {
      throw schema("unsupported format version " + version + " (this reader knows version "
          + VERSION + ")");
    }
    for (Map.Entry<String, Value> m : root.members().entrySet()) {
      if (!MEMBERS.contains(m.getKey())) {
        throw schema("unknown member \"" + m.getKey() + "\" at byte " + m.getValue().at());
      }
    }
    Obj who = object(root, "principal");
    if (!who.members().keySet().equals(Set.of("authMethod", "id"))) {
      throw schema("member \"principal\" at byte " + who.at()
          + " must have exactly the members \"authMethod\" and \"id\"");
    }
    TreeMap<String, String> params = new TreeMap<>();
    for (Map.Entry<String, Value> p : object(root, "params").members().entrySet()) {
      if (!(p.getValue() instanceof Str s)) {
        throw schema("params member \"" + p.getKey() + "\" at byte " + p.getValue().at()
            + " must be a string, found " + p.getValue().kind());
      }
      params.put(p.getKey(), s.value());
    }
    String control = root.members().containsKey("control") ? string(root, "control") : null;
    long seq = integer(root, "seq");
    String time = string(root, "time");
    String requestId = string(root, "requestId");
    String id = string(who, "id");
    String authMethod = string(who, "authMethod");
    String action = string(root, "action");
    String resource = string(root, "resource");
    String outcome = string(root, "outcome");
    String clientAddress = string(root, "clientAddress");
    AuditEvent event;
    try {
      event = new AuditEvent(seq, UtcMillis.parse("time", time), requestId,
          new Principal(id, authMethod), action, resource, outcome(outcome),
          Optional.ofNullable(control), clientAddress, params);
    } catch (InvalidInputException e) {
      throw new InvalidInputException("invalid event: " + e.getMessage(), e);
    }
    // The reader admits one spelling per value, so this holds; checked because hashes rely on it.
    byte[] again = encode(event);
    if (!Arrays.equals(again, bytes)) {
      throw new InvalidInputException("not canonical: re-encoding differs at byte "
          + Arrays.mismatch(again, bytes));
    }
    return event;
  }

  private static Outcome outcome(String name) {
    for (Outcome o : Outcome.values()) {
      if (o.name().equals(name)) {
        return o;
      }
    }
    throw new InvalidInputException("outcome: '" + name + "' is not OK, DENIED or ERROR");
  }

  private static Value member(Obj obj, String name) {
    Value v = obj.members().get(name);
    if (v == null) {
      throw schema("missing member \"" + name + "\"");
    }
    return v;
  }

  private static String string(Obj obj, String name) {
    if (member(obj, name) instanceof Str s) {
      return s.value();
    }
    throw wrongType(obj, name, "a string");
  }

  private static long integer(Obj obj, String name) {
    if (member(obj, name) instanceof Int i) {
      return i.value();
    }
    throw wrongType(obj, name, "an integer");
  }

  private static Obj object(Obj obj, String name) {
    if (member(obj, name) instanceof Obj o) {
      return o;
    }
    throw wrongType(obj, name, "an object");
  }

  private static InvalidInputException wrongType(Obj obj, String name, String expected) {
    Value v = obj.members().get(name);
    return schema("member \"" + name + "\" at byte " + v.at() + " must be " + expected
        + ", found " + v.kind());
  }

  private static InvalidInputException schema(String problem) {
    return new InvalidInputException("not a version " + VERSION + " event: " + problem);
  }
}
