package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A small, bounded reader of PEM text (RFC 7468): {@code -----BEGIN LABEL-----}, base64 lines,
 * {@code -----END LABEL-----}. Text outside blocks (such as OpenSSL's "Bag Attributes" or
 * comments) is ignored. Malformed blocks are refused with a message that names the block and
 * never repeats its content.
 */
public final class Pem {
  /** The largest PEM text read: a certificate chain or key is far smaller. */
  public static final int MAX_CHARS = 64 * 1024;
  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "-----END ";
  private static final String DASHES = "-----";

  /**
   * One block. {@link #der()} returns the array itself; for private keys the caller owns it and
   * must wipe it.
   */
  public record Block(String label, byte[] der) {
    public Block {
      Objects.requireNonNull(label, "label");
      Objects.requireNonNull(der, "der");
    }

    @Override
    public String toString() {
      return "Pem.Block[" + label + ", " + der.length + " bytes]";
    }
  }

  private Pem() {}

  /**
   * Every block in {@code text}, in order.
   *
   * @throws InvalidInputException if the text is too long, holds no block, or a block is malformed
   */
  public static List<Block> read(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException("PEM text is empty");
    }
    if (text.length() > MAX_CHARS) {
      throw new InvalidInputException("PEM text is longer than " + MAX_CHARS + " characters");
    }
    List<Block> blocks = new ArrayList<>();
    int at = 0;
    try {
      while (true) {
        int begin = text.indexOf(BEGIN, at);
        if (begin < 0) {
          break;
        }
        int labelEnd = text.indexOf(DASHES, begin + BEGIN.length());
        if (labelEnd < 0) {
          throw new InvalidInputException("PEM text has an unterminated BEGIN line");
        }
        String label = text.substring(begin + BEGIN.length(), labelEnd);
        if (!label.matches("[A-Z0-9 ]{1,64}")) {
          throw new InvalidInputException("PEM text has a BEGIN line with an invalid label");
        }
        String endLine = END + label + DASHES;
        int bodyStart = labelEnd + DASHES.length();
        int end = text.indexOf(endLine, bodyStart);
        if (end < 0) {
          throw new InvalidInputException("PEM block '" + label + "' has no matching END line");
        }
        String body = text.substring(bodyStart, end);
        if (body.contains(BEGIN) || body.contains(":")) {
          // Nested blocks, or RFC 1421 headers ("Proc-Type: 4,ENCRYPTED") of legacy encrypted keys.
          throw new InvalidInputException("PEM block '" + label
              + "' is not plain base64 (legacy encrypted keys and headers are not read)");
        }
        byte[] der;
        try {
          der = Base64.getMimeDecoder().decode(stripWhiteSpace(body, label));
        } catch (IllegalArgumentException e) {
          throw new InvalidInputException("PEM block '" + label + "' has invalid base64");
        }
        if (der.length == 0) {
          throw new InvalidInputException("PEM block '" + label + "' is empty");
        }
        blocks.add(new Block(label, der));
        at = end + endLine.length();
      }
    } catch (RuntimeException e) {
      blocks.forEach(b -> Arrays.fill(b.der(), (byte) 0));
      throw e;
    }
    if (blocks.isEmpty()) {
      throw new InvalidInputException("no PEM block found (expected -----BEGIN …----- … -----END …-----)");
    }
    return blocks;
  }

  /** Encodes {@code der} as one PEM block with 64-character lines. */
  public static String write(String label, byte[] der) {
    String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return BEGIN + label + DASHES + "\n" + b64 + "\n" + END + label + DASHES + "\n";
  }

  private static String stripWhiteSpace(String body, String label) {
    StringBuilder b = new StringBuilder(body.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        continue;
      }
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '+' || c == '/' || c == '=';
      if (!ok) {
        throw new InvalidInputException("PEM block '" + label + "' has a character that is not base64");
      }
      b.append(c);
    }
    return b.toString();
  }
}
