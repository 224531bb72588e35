package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.util.Objects;

/**
 * What may appear in the strings of an audit record. Identifiers carry no control characters,
 * so that an exported line can never forge a second line or hide text from a reader; every
 * string is well-formed UTF-16, so that its UTF-8 encoding (and so its hash) is unambiguous.
 */
final class Text {
  private Text() {}

  /** A non-empty identifier of at most {@code max} UTF-16 code units, no control characters. */
  static String id(String field, String value, int max) {
    Objects.requireNonNull(value, field);
    if (value.isEmpty()) {
      throw new InvalidInputException(field + ": must not be empty");
    }
    return idOrEmpty(field, value, max);
  }

  /** Like {@link #id} but may be empty. */
  static String idOrEmpty(String field, String value, int max) {
    text(field, value, max);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        throw new InvalidInputException(
            field + ": control character " + codePoint(c) + " at index " + i + " is not allowed");
      }
    }
    return value;
  }

  /** Free text of at most {@code max} UTF-16 code units; control characters are allowed. */
  static String text(String field, String value, int max) {
    Objects.requireNonNull(value, field);
    if (value.length() > max) {
      throw new InvalidInputException(
          field + ": " + value.length() + " characters, at most " + max + " allowed");
    }
    int bad = unpairedSurrogate(value);
    if (bad >= 0) {
      throw new InvalidInputException(
          field + ": unpaired surrogate " + codePoint(value.charAt(bad)) + " at index " + bad
              + " cannot be encoded as UTF-8");
    }
    return value;
  }

  /** Index of the first unpaired surrogate, or -1 when the string is well-formed UTF-16. */
  static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  static String codePoint(int c) {
    return String.format("U+%04X", c);
  }
}
