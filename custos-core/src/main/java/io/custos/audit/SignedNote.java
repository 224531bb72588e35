package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The C2SP signed-note envelope (c2sp.org/signed-note) with Ed25519 signatures: text ending in
 * a newline, a blank line, then signature lines {@code — <key name> <base64(key ID || sig)>}.
 * Opening follows the spec's rules: signatures by unknown keys are ignored, a known key's
 * signature must verify, and at least one must.
 */
final class SignedNote {
  static final String DASH = "\u2014 ";
  static final int MAX_CHARS = 16 * 1024;
  static final int MAX_SIGNATURES = 100;
  static final int SIGNATURE_BYTES = 64;

  private SignedNote() {}

  /** A note of {@code text} with one signature line. */
  static String format(String text, String keyName, int keyId, byte[] signature) {
    byte[] blob = new byte[4 + signature.length];
    blob[0] = (byte) (keyId >>> 24);
    blob[1] = (byte) (keyId >>> 16);
    blob[2] = (byte) (keyId >>> 8);
    blob[3] = (byte) keyId;
    System.arraycopy(signature, 0, blob, 4, signature.length);
    return text + "\n" + DASH + keyName + " " + Base64.getEncoder().encodeToString(blob) + "\n";
  }

  /** The text and the verified signature of a note. */
  record Opened(String text, int keyId, byte[] signature) {}

  /**
   * Opens {@code note}: checks its form, finds the signature by the key ({@code keyName},
   * {@code publicKey}) and verifies it over the text.
   *
   * @throws InvalidInputException saying exactly why the note is refused
   */
  static Opened open(String note, byte[] publicKey, String keyName) {
    if (note.length() > MAX_CHARS) {
      throw refuse("longer than " + MAX_CHARS + " characters");
    }
    if (Text.unpairedSurrogate(note) >= 0) {
      throw refuse("not valid UTF-8");
    }
    for (int i = 0; i < note.length(); i++) {
      if (note.charAt(i) < 0x20 && note.charAt(i) != '\n') {
        throw refuse("control character " + Text.codePoint(note.charAt(i)) + " at offset " + i);
      }
    }
    if (!note.endsWith("\n")) {
      throw refuse("does not end with a newline");
    }
    int split = note.lastIndexOf("\n\n");
    if (split < 0) {
      throw refuse("no blank line between the text and the signatures");
    }
    String text = note.substring(0, split + 1);
    String block = note.substring(split + 2);
    if (block.isEmpty()) {
      throw refuse("no signature lines after the blank line");
    }
    // The block ends with the newline checked above; every line in it is a signature line.
    String[] lines = block.substring(0, block.length() - 1).split("\n", -1);
    if (lines.length > MAX_SIGNATURES) {
      throw refuse("more than " + MAX_SIGNATURES + " signature lines");
    }
    int wantId = CheckpointKeys.keyId(keyName, publicKey);
    List<String> others = new ArrayList<>();
    Opened found = null;
    for (int n = 0; n < lines.length; n++) {
      Line line = parseLine(lines[n], n + 1);
      if (!line.name.equals(keyName) || line.keyId != wantId) {
        // Unknown keys are ignored (c2sp.org/signed-note), but remembered for the message.
        others.add(line.name + " (key ID " + hex(line.keyId) + ")");
        continue;
      }
      byte[] signed = text.getBytes(StandardCharsets.UTF_8);
      if (line.signature.length != SIGNATURE_BYTES
          || !CheckpointKeys.verify(publicKey, signed, line.signature)) {
        throw refuse("bad signature by key '" + keyName + "' (signature line " + (n + 1) + ")");
      }
      if (found == null) {
        found = new Opened(text, wantId, line.signature);
      }
    }
    if (found == null) {
      throw refuse("no signature by key '" + keyName + "' (key ID " + hex(wantId) + "); found "
          + String.join(", ", others));
    }
    return found;
  }

  private record Line(String name, int keyId, byte[] signature) {}

  private static Line parseLine(String line, int n) {
    if (!line.startsWith(DASH)) {
      throw refuse("signature line " + n + " does not start with an em dash and a space");
    }
    int space = line.indexOf(' ', DASH.length());
    if (space < 0) {
      throw refuse("signature line " + n + " has no space between key name and signature");
    }
    String name = line.substring(DASH.length(), space);
    try {
      CheckpointKeys.checkKeyName(name);
    } catch (InvalidInputException e) {
      throw refuse("signature line " + n + ": " + e.getMessage());
    }
    String encoded = line.substring(space + 1);
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      blob = null;
    }
    // Re-encoding refuses unpadded or otherwise non-canonical base64.
    if (blob == null || blob.length < 5
        || !Base64.getEncoder().encodeToString(blob).equals(encoded)) {
      throw refuse("signature line " + n + ": not the base64 of a key ID and a signature");
    }
    int id = java.nio.ByteBuffer.wrap(blob).getInt();
    byte[] signature = new byte[blob.length - 4];
    System.arraycopy(blob, 4, signature, 0, signature.length);
    return new Line(name, id, signature);
  }

  static String hex(int keyId) {
    return String.format("%08x", keyId);
  }

  private static InvalidInputException refuse(String problem) {
    return new InvalidInputException("signed note: " + problem);
  }
}
