package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A strict reader for the canonical JSON that {@link CanonicalJsonWriter} writes, and nothing
 * else: one top-level object; objects, strings and integers only; no whitespace; members in
 * ascending code-point order without duplicates; the escapes of RFC 8785 only; well-formed
 * UTF-8; bounded size and nesting. Input is hostile until proven otherwise, so every refusal
 * names the byte offset and the rule that was broken, and nothing is allocated beyond the
 * input's size.
 */
final class CanonicalJsonReader {

  /** A parsed value and the byte offset where it starts. */
  sealed interface Value permits Str, Int, Obj {
    int at();

    String kind();
  }

  record Str(String value, int at) implements Value {
    @Override
    public String kind() {
      return "a string";
    }
  }

  record Int(long value, int at) implements Value {
    @Override
    public String kind() {
      return "an integer";
    }
  }

  /** Members in input order, which is ascending code-point order. */
  record Obj(Map<String, Value> members, int at) implements Value {
    @Override
    public String kind() {
      return "an object";
    }
  }

  private final byte[] in;
  private final int maxDepth;
  private int pos;

  private CanonicalJsonReader(byte[] in, int maxDepth) {
    this.in = in;
    this.maxDepth = maxDepth;
  }

  /** Parses {@code in}, which must be exactly one canonical object of at most the given size. */
  static Obj parse(byte[] in, int maxBytes, int maxDepth) {
    if (in.length == 0) {
      throw new InvalidInputException("empty input");
    }
    if (in.length > maxBytes) {
      throw new InvalidInputException(in.length + " bytes, more than the limit of " + maxBytes);
    }
    CanonicalJsonReader reader = new CanonicalJsonReader(in, maxDepth);
    if (in[0] != '{') {
      throw reader.fail(0, "expected '{' but found " + reader.describe(0));
    }
    Obj obj = reader.object(1);
    if (reader.pos != in.length) {
      throw reader.fail(reader.pos, "trailing data after the closing '}'");
    }
    return obj;
  }

  private Value value(int depth) {
    if (pos >= in.length) {
      throw fail(pos, "unexpected end of input, expected a value");
    }
    int b = in[pos];
    if (b == '{') {
      return object(depth + 1);
    } else if (b == '"') {
      int at = pos;
      return new Str(string(), at);
    } else if (b == '-' || (b >= '0' && b <= '9')) {
      return integer();
    } else if (b == '[') {
      throw fail(pos, "arrays are not used in this format");
    } else if (b == 't' || b == 'f' || b == 'n') {
      throw fail(pos, "true, false and null are not used in this format");
    }
    throw fail(pos, "expected a value but found " + describe(pos));
  }

  private Obj object(int depth) {
    int at = pos;
    if (depth > maxDepth) {
      throw fail(pos, "objects nested deeper than " + maxDepth + " levels");
    }
    pos++;
    Map<String, Value> members = new LinkedHashMap<>();
    if (peek() == '}') {
      pos++;
      return new Obj(Collections.unmodifiableMap(members), at);
    }
    String previous = null;
    while (true) {
      int keyAt = pos;
      if (peek() != '"') {
        throw fail(pos, "expected a member name in quotes but found " + describe(pos));
      }
      String name = string();
      if (previous != null) {
        int order = compareCodePoints(previous, name);
        if (order == 0) {
          throw fail(keyAt, "duplicate member \"" + name + "\"");
        } else if (order > 0) {
          throw fail(keyAt, "member \"" + name + "\" after \"" + previous
              + "\" (members must be sorted by code point)");
        }
      }
      expect(':');
      members.put(name, value(depth));
      previous = name;
      int next = peek();
      if (next == ',') {
        pos++;
      } else if (next == '}') {
        pos++;
        return new Obj(Collections.unmodifiableMap(members), at);
      } else {
        throw fail(pos, "expected ',' or '}' but found " + describe(pos));
      }
    }
  }

  private String string() {
    int start = pos;
    pos++;
    StringBuilder s = new StringBuilder();
    while (true) {
      if (pos >= in.length) {
        throw fail(pos, "unexpected end of input inside the string starting at byte " + start);
      }
      int b = in[pos] & 0xFF;
      if (b == '"') {
        pos++;
        return s.toString();
      } else if (b == '\\') {
        s.append(escape());
      } else if (b < 0x20) {
        throw fail(pos, "raw control character " + Text.codePoint(b) + " in a string");
      } else if (b < 0x80) {
        s.append((char) b);
        pos++;
      } else {
        s.appendCodePoint(utf8());
      }
    }
  }

  // Only the escapes RFC 8785 produces are accepted, so each string has one spelling.
  private char escape() {
    int at = pos;
    if (pos + 1 >= in.length) {
      throw fail(pos, "unexpected end of input inside an escape");
    }
    int c = in[pos + 1];
    pos += 2;
    switch (c) {
      case '"': return '"';
      case '\\': return '\\';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'u': break;
      default: throw fail(at, "escape '\\" + (char) (c & 0xFF) + "' is not canonical JSON");
    }
    if (pos + 4 > in.length) {
      throw fail(at, "unexpected end of input inside an escape");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = in[pos + i];
      int digit = (d >= '0' && d <= '9') ? d - '0' : (d >= 'a' && d <= 'f') ? d - 'a' + 10 : -1;
      if (digit < 0) {
        throw fail(at, "\\u escape needs four lower-case hex digits");
      }
      v = v * 16 + digit;
    }
    pos += 4;
    if (v >= 0x20 || v == '\b' || v == '\f' || v == '\n' || v == '\r' || v == '\t') {
      throw fail(at, "escape \\u" + String.format("%04x", v)
          + " is not canonical (only control characters without a short escape use \\u)");
    }
    return (char) v;
  }

  // Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
  private int utf8() {
    int at = pos;
    int b = in[pos] & 0xFF;
    int need;
    int cp;
    int min;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1; cp = b & 0x1F; min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2; cp = b & 0x0F; min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3; cp = b & 0x07; min = 0x10000;
    } else {
      throw fail(at, String.format("byte 0x%02X cannot start a UTF-8 sequence", b));
    }
    for (int i = 1; i <= need; i++) {
      if (at + i >= in.length) {
        throw fail(at, "truncated UTF-8 sequence");
      }
      int c = in[at + i] & 0xFF;
      if ((c & 0xC0) != 0x80) {
        throw fail(at, "invalid UTF-8 sequence");
      }
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min) {
      throw fail(at, "overlong UTF-8 encoding");
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      throw fail(at, "UTF-8 encoded surrogate " + Text.codePoint(cp));
    } else if (cp > 0x10FFFF) {
      throw fail(at, "UTF-8 sequence beyond U+10FFFF");
    }
    pos += need + 1;
    return cp;
  }

  private Int integer() {
    int at = pos;
    boolean negative = in[pos] == '-';
    if (negative) {
      pos++;
    }
    int digitsAt = pos;
    while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
      pos++;
    }
    int digits = pos - digitsAt;
    if (digits == 0) {
      throw fail(at, "'-' must be followed by digits");
    }
    if (pos < in.length && (in[pos] == '.' || in[pos] == 'e' || in[pos] == 'E')) {
      throw fail(at, "only integers are used in this format (no fraction or exponent)");
    }
    if (in[digitsAt] == '0' && (digits > 1 || negative)) {
      throw fail(at, "integer with a leading zero or negative zero is not canonical");
    }
    if (digits > 16) {
      throw fail(at, "integer beyond 2^53-1");
    }
    long v = 0;
    for (int i = digitsAt; i < pos; i++) {
      v = v * 10 + (in[i] - '0');
    }
    if (v > AuditEvent.MAX_SEQ) {
      throw fail(at, "integer beyond 2^53-1");
    }
    return new Int(negative ? -v : v, at);
  }

  private void expect(char c) {
    if (peek() != c) {
      throw fail(pos, "expected '" + c + "' but found " + describe(pos));
    }
    pos++;
  }

  private int peek() {
    return pos < in.length ? in[pos] : -1;
  }

  private String describe(int at) {
    if (at >= in.length) {
      return "the end of input";
    }
    int b = in[at] & 0xFF;
    if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
      return "whitespace (canonical JSON has none)";
    }
    return b > 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("byte 0x%02X", b);
  }

  private InvalidInputException fail(int at, String problem) {
    return new InvalidInputException("byte " + at + ": " + problem);
  }

  /** Orders strings by Unicode code point, as the audit formats sort member names. */
  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }
}
