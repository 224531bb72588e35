package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One audited operation: who did what to which resource, when, and how it ended. Every operation
 * of Custos appends exactly one event; the events are the leaves of the audit log's Merkle tree
 * (SS-002 11.7.1: changes to the log must be detectable).
 *
 * <p><b>No secrets.</b> An event is exported to central logging and read by auditors, so it
 * must never hold key material, tokens, passwords or plaintext. Where an investigator needs to
 * match a sensitive identifier (a token, a client secret), the caller puts an HMAC of it in
 * {@link #params()} (as Vault's audit devices do), never the value itself.
 *
 * <p>Guarantees once constructed (violations throw {@link InvalidInputException}):
 *
 * <ul>
 *   <li>{@code seq} is between 1 and {@link #MAX_SEQ} (2<sup>53</sup>-1, the largest integer
 *       that every JSON reader represents exactly);
 *   <li>{@code time} is whole milliseconds (finer digits are dropped) in years 0001 to 9999;
 *   <li>{@code action} is lower-case dotted words such as {@code kms.encrypt}, {@code ca.issue},
 *       {@code operator.unseal};
 *   <li>identifiers ({@code requestId}, principal id and method, {@code control},
 *       {@code clientAddress}) hold no control characters; all strings are bounded in length and
 *       well-formed UTF-16, so that the {@linkplain EventCodec encoding} is at most 64 KiB;
 *   <li>{@code params} is an immutable sorted copy with ASCII names (at most 16 entries).
 * </ul>
 *
 * @param seq position in the log, 1 for the first event; leaf index is {@code seq - 1}
 * @param time when the operation completed, UTC
 * @param requestId the request's correlation id, as echoed to the client
 * @param principal who asked
 * @param action what was asked, e.g. {@code kms.encrypt}
 * @param resource what it was asked of, e.g. {@code kms/keys/payments}; may be empty
 * @param outcome how it ended
 * @param control the standard's control that forbade it, e.g. {@code SS-002 11.3.3}, if any
 * @param clientAddress the peer address as seen by the server; may be empty (local CLI)
 * @param params further non-secret parameters, e.g. {@code keyVersion=3}
 */
public record AuditEvent(
    long seq,
    Instant time,
    String requestId,
    Principal principal,
    String action,
    String resource,
    Outcome outcome,
    Optional<String> control,
    String clientAddress,
    SortedMap<String, String> params) {

  /** The largest sequence number: 2<sup>53</sup>-1. */
  public static final long MAX_SEQ = (1L << 53) - 1;

  static final int MAX_PARAMS = 16;
  private static final Pattern ACTION = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");
  // ASCII names: code-point order, UTF-16 order (RFC 8785) and TreeMap order then coincide.
  private static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");

  /** How an operation ended. */
  public enum Outcome {
    /** It was performed. */
    OK,
    /** Authorisation or a control refused it; nothing was changed. */
    DENIED,
    /** It was allowed but failed. */
    ERROR
  }

  /**
   * Who asked, as authenticated.
   *
   * @param id the principal's id, e.g. {@code alice} or {@code svc/payments}
   * @param authMethod how they proved it, e.g. {@code token}, {@code mtls}, {@code unseal-share}
   */
  public record Principal(String id, String authMethod) {
    public Principal {
      Text.id("principal.id", id, 256);
      Text.id("principal.authMethod", authMethod, 32);
    }
  }

  public AuditEvent {
    if (seq < 1 || seq > MAX_SEQ) {
      throw new InvalidInputException("seq: " + seq + " is not between 1 and 2^53-1");
    }
    time = UtcMillis.check("time", time);
    Text.id("requestId", requestId, 128);
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(action, "action");
    if (action.length() > 128 || !ACTION.matcher(action).matches()) {
      throw new InvalidInputException("action: '" + shorten(action)
          + "' is not lower-case dotted words such as kms.encrypt (at most 128 characters)");
    }
    Text.text("resource", resource, 1024);
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(control, "control");
    control.ifPresent(c -> Text.id("control", c, 64));
    Text.idOrEmpty("clientAddress", clientAddress, 128);
    params = copyOf(params);
  }

  /** The same event with {@code params} given as any map; it is copied into a sorted one. */
  public AuditEvent(long seq, Instant time, String requestId, Principal principal, String action,
      String resource, Outcome outcome, Optional<String> control, String clientAddress,
      Map<String, String> params) {
    this(seq, time, requestId, principal, action, resource, outcome, control, clientAddress,
        copyOf(params));
  }

  private static SortedMap<String, String> copyOf(Map<String, String> params) {
    Objects.requireNonNull(params, "params");
    if (params.size() > MAX_PARAMS) {
      throw new InvalidInputException(
          "params: " + params.size() + " entries, at most " + MAX_PARAMS + " allowed");
    }
    // A fresh TreeMap with natural order, whatever comparator the caller's map had.
    TreeMap<String, String> copy = new TreeMap<>();
    for (Map.Entry<String, String> e : params.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "params name");
      if (!PARAM_NAME.matcher(name).matches()) {
        throw new InvalidInputException("params: name '" + shorten(name)
            + "' is not 1 to 64 ASCII letters, digits, '_', '.' or '-' starting with a letter");
      }
      copy.put(name, Text.text("params." + name, Objects.requireNonNull(e.getValue(), name), 512));
    }
    return Collections.unmodifiableSortedMap(copy);
  }

  private static String shorten(String s) {
    String head = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    StringBuilder out = new StringBuilder();
    head.codePoints().forEach(c -> {
      if (Character.isISOControl(c)) {
        out.append(Text.codePoint(c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}
