package io.custos.access;

import io.custos.failure.InvalidInputException;
import java.util.regex.Pattern;

/**
 * A resource pattern in a grant: a path such as {@code keys/payments-*} or
 * {@code ca/issuing-1/profiles/tls-server}. {@code *} matches within one path segment,
 * {@code **} across segments; nothing else is special.
 */
public final class ResourcePattern {
  private static final Pattern SYNTAX = Pattern.compile("(\\*\\*|[a-z0-9*][a-z0-9._*-]{0,127})(/(\\*\\*|[a-z0-9*][a-z0-9._*-]{0,127})){0,7}");

  private ResourcePattern() {}

  public static void check(String pattern) {
    if (pattern == null || !SYNTAX.matcher(pattern).matches() || pattern.contains("***")) {
      throw new InvalidInputException("bad resource pattern '" + pattern + "': use path segments of "
          + "[a-z0-9._-] separated by '/', with '*' inside a segment and '**' across segments");
    }
  }

  /** Whether {@code pattern} matches {@code resource}. */
  public static boolean matches(String pattern, String resource) {
    return match(pattern, 0, resource, 0);
  }

  private static boolean match(String p, int pi, String r, int ri) {
    while (pi < p.length()) {
      char c = p.charAt(pi);
      if (c == '*') {
        boolean deep = pi + 1 < p.length() && p.charAt(pi + 1) == '*';
        int next = pi + (deep ? 2 : 1);
        for (int k = ri; k <= r.length(); k++) {
          if (match(p, next, r, k)) {
            return true;
          }
          if (k < r.length() && r.charAt(k) == '/' && !deep) {
            return false;
          }
        }
        return false;
      }
      if (ri >= r.length() || r.charAt(ri) != c) {
        return false;
      }
      pi++;
      ri++;
    }
    return ri == r.length();
  }
}
