package io.custos.crypto;

/**
 * Authenticated encryption with associated data (SS-002 11.3.6, 11.3.8).
 *
 * <p>{@link #encrypt} protects the confidentiality and integrity of {@code plaintext} and the
 * integrity (not the confidentiality) of {@code associatedData}. {@link #decrypt} returns the
 * plaintext only if the ciphertext and the same associated data authenticate together; any
 * changed byte, or different associated data, fails.
 *
 * <p>The primitive makes its own nonce for every encryption and places it in front of the
 * ciphertext; callers never choose nonces. Each key has a usage bound (see {@link NonceBudget}):
 * once spent, {@link #encrypt} refuses and the key must be rotated. Decryption is never bounded.
 *
 * <p>Implementations are safe for concurrent use.
 */
public interface Aead {
  /**
   * Encrypts {@code plaintext}, binding {@code associatedData}.
   *
   * @return nonce, ciphertext and tag, in a form {@link #decrypt} accepts
   * @throws io.custos.failure.ControlViolationException once the key's usage bound is spent
   */
  byte[] encrypt(byte[] plaintext, byte[] associatedData);

  /**
   * Decrypts what {@link #encrypt} made under the same key and associated data.
   *
   * @throws io.custos.failure.InvalidInputException if the input does not authenticate
   */
  byte[] decrypt(byte[] ciphertext, byte[] associatedData);
}
