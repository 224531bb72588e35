package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A {@link Checkpoint} with the log's Ed25519 signature, in the form of a C2SP signed note
 * (c2sp.org/signed-note, c2sp.org/tlog-checkpoint):
 *
 * <pre>
 * custos.example.org/audit
 * 20
 * 9rZF7ZrKLNJQE9vUdRT/gXCXZRMW7RPOFbSmGTA/9aw=
 * time 2025-03-01T09:15:00.250Z
 *
 * — custos.example.org/audit Nc5mK2ZJ...base64(key ID || signature)...
 * </pre>
 *
 * The signature covers the checkpoint text including its final newline. Guarantee: an instance
 * returned by {@link #parse} or {@link #sign} carries a signature that verifies under the key it
 * names; {@code parse(toNote(), key, name)} gives back an equal instance.
 *
 * @param checkpoint what is signed
 * @param keyName the signing key's name
 * @param keyId the signed-note key ID of ({@code keyName}, public key), see
 *     {@link CheckpointKeys#keyId}
 * @param signature the 64-byte Ed25519 signature of {@code checkpoint.toText()} (copied in and out)
 */
public record SignedCheckpoint(Checkpoint checkpoint, String keyName, int keyId, byte[] signature) {

  public SignedCheckpoint {
    Objects.requireNonNull(checkpoint, "checkpoint");
    CheckpointKeys.checkKeyName(keyName);
    if (signature == null || signature.length != SignedNote.SIGNATURE_BYTES) {
      throw new InvalidInputException("an Ed25519 signature is 64 bytes");
    }
    signature = signature.clone();
  }

  /** Signs {@code checkpoint}; the signature is verified before it is returned. */
  public static SignedCheckpoint sign(Checkpoint checkpoint, CheckpointSigner signer) {
    byte[] text = checkpoint.toText().getBytes(StandardCharsets.UTF_8);
    byte[] publicKey = signer.publicKey();
    byte[] signature = signer.sign(text);
    // A faulty signer (or HSM) must not publish a checkpoint no auditor could verify.
    if (signature == null || !CheckpointKeys.verify(publicKey, text, signature)) {
      throw new IllegalStateException("the checkpoint signer produced an invalid signature");
    }
    return new SignedCheckpoint(checkpoint, signer.keyName(),
        CheckpointKeys.keyId(signer.keyName(), publicKey), signature);
  }

  /** The signed note: checkpoint text, a blank line, one signature line. */
  public String toNote() {
    return SignedNote.format(checkpoint.toText(), keyName, keyId, signature);
  }

  /**
   * Reads and verifies a signed checkpoint note. Signatures by other keys (witnesses, rotated
   * keys) are ignored, as c2sp.org/signed-note requires; only this key's is kept.
   *
   * @param note the note text
   * @param publicKey the raw 32-byte Ed25519 key the log signs with
   * @param keyName the name that key signs under
   * @throws InvalidInputException if the note is malformed, carries no signature by the key, a
   *     signature by the key does not verify, or the text is not a valid checkpoint
   */
  public static SignedCheckpoint parse(String note, byte[] publicKey, String keyName) {
    Objects.requireNonNull(note, "note");
    SignedNote.Opened opened = SignedNote.open(note, publicKey, keyName);
    Checkpoint checkpoint = Checkpoint.fromText(opened.text());
    return new SignedCheckpoint(checkpoint, keyName, opened.keyId(), opened.signature());
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedCheckpoint s && checkpoint.equals(s.checkpoint)
        && keyName.equals(s.keyName) && keyId == s.keyId && Arrays.equals(signature, s.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(checkpoint, keyName, keyId, Arrays.hashCode(signature));
  }

  @Override
  public String toString() {
    return "SignedCheckpoint[" + checkpoint + ", " + keyName + " " + SignedNote.hex(keyId) + "]";
  }
}
