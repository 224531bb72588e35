package io.custos.kms;

import io.custos.failure.InvalidInputException;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text form of everything a key produces (ciphertexts, signatures, MACs, wrapped keys):
 * {@code custos:v1:<key name>:<key version>:<base64url body>}. Naming key and version lets
 * Custos pick the right version on the way back and lets people see what protected what.
 */
public record Ciphertext(String keyName, int version, byte[] body) {
  public static final String PREFIX = "custos:v1:";
  private static final Pattern FORM = Pattern.compile("custos:v1:([a-z0-9][a-z0-9._-]{0,63}):([1-9][0-9]{0,8}):([A-Za-z0-9_-]*)");

  public Ciphertext {
    Objects.requireNonNull(keyName, "keyName");
    body = body.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  public String text() {
    return PREFIX + keyName + ":" + version + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(body);
  }

  /**
   * Parses the text form.
   *
   * @param what what the text is, for the message, e.g. {@code ciphertext}
   */
  public static Ciphertext parse(String text, String what) {
    if (text == null) {
      throw new InvalidInputException(what + " is missing");
    }
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw new InvalidInputException(what + " is not of the form custos:v1:<key>:<version>:<base64url>");
    }
    byte[] body;
    try {
      body = Base64.getUrlDecoder().decode(m.group(3));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(what + " body is not valid base64url");
    }
    if (body.length == 0) {
      throw new InvalidInputException(what + " body is empty");
    }
    return new Ciphertext(m.group(1), Integer.parseInt(m.group(2)), body);
  }

  /**
   * The key version a text names, read from its header alone (the body is not examined), or 0
   * if the text is not of the form {@code custos:v1:<key>:<version>:…}. For records and audit
   * events about texts this service has just made; use {@link #parse} for anything received.
   */
  public static int versionOf(String text) {
    if (text == null || !text.startsWith(PREFIX)) {
      return 0;
    }
    int nameEnd = text.indexOf(':', PREFIX.length());
    int versionEnd = nameEnd < 0 ? -1 : text.indexOf(':', nameEnd + 1);
    if (nameEnd <= PREFIX.length() || versionEnd < 0 || versionEnd - nameEnd - 1 > 9 || versionEnd == nameEnd + 1) {
      return 0;
    }
    int version = 0;
    for (int i = nameEnd + 1; i < versionEnd; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9' || (i == nameEnd + 1 && c == '0')) {
        return 0;
      }
      version = version * 10 + (c - '0');
    }
    return version;
  }

  @Override
  public String toString() {
    return PREFIX + keyName + ":" + version + ":…(" + body.length + " bytes)";
  }
}
