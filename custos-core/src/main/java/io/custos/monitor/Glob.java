package io.custos.monitor;

/**
 * Shell-style name patterns: {@code *} matches any run of characters (including none and
 * including {@code /}), {@code ?} matches one character, everything else matches itself.
 */
final class Glob {
  private Glob() {}

  /** Whether {@code name} matches {@code pattern}; linear for patterns with one {@code *}. */
  static boolean matches(String pattern, String name) {
    int p = 0;
    int n = 0;
    int star = -1;
    int resume = 0;
    while (n < name.length()) {
      if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == name.charAt(n))
          && pattern.charAt(p) != '*') {
        p++;
        n++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        // Remember the star and first try matching it against nothing.
        star = p++;
        resume = n;
      } else if (star >= 0) {
        // Backtrack: let the last star swallow one more character.
        p = star + 1;
        n = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
