package io.custos.kms;

import io.custos.failure.InvalidInputException;
import java.util.Locale;

/**
 * The one purpose a managed key serves (SS-002 11.3.3). Each purpose has operations that apply
 * protection and operations that process protected data; the split matters for cryptoperiods
 * (SS-002 11.2.5, NIST SP 800-57 Part 1 §5.3).
 */
public enum KeyPurpose {
  ENCRYPT,
  SIGN,
  WRAP,
  MAC;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static KeyPurpose parse(String text) {
    if (text != null) {
      for (KeyPurpose p : values()) {
        if (p.id().equals(text.trim().toLowerCase(Locale.ROOT))) {
          return p;
        }
      }
    }
    throw new InvalidInputException("unknown key purpose '" + text + "'; one of encrypt, sign, wrap, mac");
  }
}
