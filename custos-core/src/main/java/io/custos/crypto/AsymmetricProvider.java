package io.custos.crypto;

/**
 * The provider port for asymmetric operations (signing, verification, RSA-OAEP, ML-KEM). Which
 * implementation sits behind it is configuration: AWS-LC through the Amazon Corretto Crypto
 * Provider where its native library loads, the JDK's providers otherwise. Key generation is not
 * here: keys come from the validated module ({@link CryptoModule#generateKeyPair}).
 *
 * <p>Private keys reach a provider only as PKCS#8 held in {@link SecretBytes}; the provider's own
 * key object lives inside a {@link PrivateKeyHandle} and is destroyed when the handle closes.
 */
public interface AsymmetricProvider {

  /** Names the implementation for status and inventory, e.g. "AWS-LC (ACCP 2.5.0)". */
  String name();

  /**
   * Loads a private key for use.
   *
   * @throws io.custos.failure.InvalidInputException if {@code pkcs8} is not a key of {@code type}
   */
  PrivateKeyHandle privateKey(KeyPairType type, SecretBytes pkcs8);

  /**
   * Loads a public key for use.
   *
   * @throws io.custos.failure.InvalidInputException if {@code spki} is not a key of {@code type}
   */
  PublicKeyHandle publicKey(KeyPairType type, byte[] spki);

  /** A loaded private key. Safe for concurrent use until closed. */
  interface PrivateKeyHandle extends AutoCloseable {
    KeyPairType type();

    /** Signs {@code message} with the scheme {@link KeyPairType} fixes for this type. */
    byte[] sign(byte[] message);

    /**
     * RSA-OAEP decryption.
     *
     * @throws io.custos.failure.InvalidInputException if the ciphertext does not decrypt
     */
    SecretBytes decrypt(byte[] ciphertext);

    /**
     * ML-KEM decapsulation: the 32-byte shared secret.
     *
     * @throws io.custos.failure.InvalidInputException if the encapsulation is malformed
     */
    SecretBytes decapsulate(byte[] encapsulation);

    /**
     * True if {@link #close()} overwrites the provider's copy of the key (a native key freed
     * with cleansing); false where the JDK keeps copies it cannot wipe (JDK-8160206).
     */
    boolean wipesOnClose();

    /** Destroys the provider's key object; later calls fail. */
    @Override
    void close();
  }

  /** A loaded public key. Safe for concurrent use. */
  interface PublicKeyHandle {
    KeyPairType type();

    /** X.509 SubjectPublicKeyInfo DER. */
    byte[] spki();

    /** Verifies a signature made by {@link PrivateKeyHandle#sign}; false for any mismatch or malformed signature. */
    boolean verify(byte[] message, byte[] signature);

    /**
     * RSA-OAEP encryption of at most {@link #maxOaepPlaintext()} bytes.
     *
     * @throws io.custos.failure.InvalidInputException if the plaintext is too long
     */
    byte[] encrypt(byte[] plaintext);

    /** Largest plaintext RSA-OAEP takes under this key; 0 for other types. */
    int maxOaepPlaintext();

    /** ML-KEM encapsulation: a fresh shared secret and the encapsulation that carries it. */
    Encapsulation encapsulate();
  }

  /** The result of an encapsulation; closing wipes the shared secret. */
  record Encapsulation(SecretBytes sharedSecret, byte[] encapsulation) implements AutoCloseable {
    public Encapsulation {
      java.util.Objects.requireNonNull(sharedSecret, "sharedSecret");
      encapsulation = encapsulation.clone();
    }

    @Override
    public byte[] encapsulation() {
      return encapsulation.clone();
    }

    @Override
    public void close() {
      sharedSecret.close();
    }
  }
}
