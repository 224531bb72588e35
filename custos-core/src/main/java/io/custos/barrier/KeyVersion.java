package io.custos.barrier;

import io.custos.crypto.Aead;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.NonceBudget;
import io.custos.crypto.SecretBytes;

/** One barrier key version: its number, its material, its encryption count and its AEAD. */
final class KeyVersion implements AutoCloseable {
  static final int KEY_BYTES = 32;

  private final int number;
  private final SecretBytes key;
  private final NonceBudget budget;
  private final Aead aead;
  // Encryptions covered by the keyring as last stored; beyond it the keyring must be stored again first.
  private volatile long reservedThrough;

  KeyVersion(int number, SecretBytes key, NonceBudget budget, CryptoModule module) {
    this.number = number;
    this.key = key;
    this.budget = budget;
    this.aead = module.aes256Gcm(key, budget);
    this.reservedThrough = budget.used();
  }

  long reservedThrough() {
    return reservedThrough;
  }

  void reservedThrough(long count) {
    reservedThrough = count;
  }

  int number() {
    return number;
  }

  SecretBytes key() {
    return key;
  }

  NonceBudget budget() {
    return budget;
  }

  Aead aead() {
    return aead;
  }

  @Override
  public void close() {
    key.close();
  }

  @Override
  public String toString() {
    return "KeyVersion[" + number + "]";
  }
}
