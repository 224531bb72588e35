package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes the subset of RFC 8785 (JSON Canonicalization Scheme) that the audit formats use:
 * objects, strings and integers below 2<sup>53</sup>, no whitespace, members in ascending
 * code-point order. The order is checked as members are written, so a wrongly ordered writer
 * fails at once instead of producing bytes that a verifier would reject.
 */
final class CanonicalJsonWriter {
  private final StringBuilder out = new StringBuilder(512);
  // Last member name of each open object; "" before the first member.
  private final Deque<String> lastNames = new ArrayDeque<>();
  private boolean expectValue = true;

  CanonicalJsonWriter beginObject() {
    requireValuePosition();
    out.append('{');
    lastNames.push("");
    return this;
  }

  CanonicalJsonWriter endObject() {
    if (lastNames.isEmpty() || expectValue) {
      throw new IllegalStateException("no object to close here");
    }
    lastNames.pop();
    out.append('}');
    return this;
  }

  CanonicalJsonWriter name(String name) {
    if (lastNames.isEmpty() || expectValue) {
      throw new IllegalStateException("a member name is not allowed here");
    }
    String previous = lastNames.pop();
    if (!previous.isEmpty()) {
      if (CanonicalJsonReader.compareCodePoints(previous, name) >= 0) {
        throw new IllegalStateException("member '" + name + "' written after '" + previous + "'");
      }
      out.append(',');
    } else if (name.isEmpty()) {
      throw new IllegalStateException("empty member names are not used");
    }
    lastNames.push(name);
    appendString(name);
    out.append(':');
    expectValue = true;
    return this;
  }

  CanonicalJsonWriter string(String value) {
    requireValuePosition();
    appendString(value);
    return this;
  }

  CanonicalJsonWriter integer(long value) {
    requireValuePosition();
    if (Math.abs(value) > AuditEvent.MAX_SEQ) {
      throw new IllegalStateException(value + " is beyond the exact integers of JSON");
    }
    out.append(value);
    return this;
  }

  byte[] toBytes() {
    if (!lastNames.isEmpty()) {
      throw new IllegalStateException("unclosed object");
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void requireValuePosition() {
    if (!expectValue) {
      throw new IllegalStateException("a value is not allowed here");
    }
    // The top-level value and member values are the only value positions.
    expectValue = false;
  }

  // RFC 8785 section 3.2.2.2: escape only '"', '\' and U+0000..U+001F, short forms where JSON
  // has them, otherwise lower-case backslash-u00xx. Everything else is written as itself in UTF-8.
  private void appendString(String s) {
    int bad = Text.unpairedSurrogate(s);
    if (bad >= 0) {
      throw new InvalidInputException("unpaired surrogate at index " + bad + " cannot be encoded");
    }
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(Character.forDigit(c >> 4, 16))
                .append(Character.forDigit(c & 0xF, 16));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
