package io.custos.store;

import io.custos.failure.InvalidInputException;
import java.util.regex.Pattern;

/** Validation of record types and ids, shared by every adapter so they refuse the same input. */
public final class RecordAddress {
  private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_.-]{0,63}");
  public static final int MAX_ID_LENGTH = 512;

  private RecordAddress() {}

  public static void checkType(String type) {
    if (type == null || !TYPE.matcher(type).matches()) {
      throw new InvalidInputException(
          "record type must match [a-z][a-z0-9_.-]{0,63}, got " + quote(type));
    }
  }

  public static void checkId(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      throw new InvalidInputException("record id must be 1 to " + MAX_ID_LENGTH + " characters");
    }
    checkPrintable(id, "record id");
  }

  public static void checkPrefix(String prefix) {
    if (prefix == null || prefix.length() > MAX_ID_LENGTH) {
      throw new InvalidInputException("record id prefix must be at most " + MAX_ID_LENGTH + " characters");
    }
    checkPrintable(prefix, "record id prefix");
  }

  public static void checkPayload(byte[] payload) {
    if (payload == null) {
      throw new InvalidInputException("record payload is missing");
    }
    if (payload.length > RecordStore.MAX_PAYLOAD_BYTES) {
      throw new InvalidInputException("record payload is " + payload.length
          + " bytes; the limit is " + RecordStore.MAX_PAYLOAD_BYTES);
    }
  }

  public static void checkLimit(int limit) {
    if (limit < 1 || limit > 10_000) {
      throw new InvalidInputException("list limit must be 1 to 10000, got " + limit);
    }
  }

  private static void checkPrintable(String s, String what) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i)) || Character.isSurrogate(s.charAt(i))) {
        throw new InvalidInputException(what + " contains a control or unpaired surrogate character at index " + i);
      }
    }
  }

  private static String quote(String s) {
    return s == null ? "nothing" : "'" + (s.length() > 80 ? s.substring(0, 80) + "…" : s) + "'";
  }
}
