package io.custos.kms;

/**
 * What can be done with a managed key. Each operation belongs to exactly one purpose and either
 * applies protection (allowed only while the key is active and inside its originator-usage
 * period) or processes already-protected data (allowed until the recipient-usage period ends).
 */
public enum KeyOperation {
  ENCRYPT(KeyPurpose.ENCRYPT, true, "kms:encrypt"),
  DATAKEY(KeyPurpose.ENCRYPT, true, "kms:datakey"),
  DECRYPT(KeyPurpose.ENCRYPT, false, "kms:decrypt"),
  REWRAP(KeyPurpose.ENCRYPT, true, "kms:rewrap"),
  SIGN(KeyPurpose.SIGN, true, "kms:sign"),
  VERIFY(KeyPurpose.SIGN, false, "kms:verify"),
  WRAP(KeyPurpose.WRAP, true, "kms:wrap"),
  UNWRAP(KeyPurpose.WRAP, false, "kms:unwrap"),
  MAC(KeyPurpose.MAC, true, "kms:mac"),
  VERIFY_MAC(KeyPurpose.MAC, false, "kms:verify-mac");

  private final KeyPurpose purpose;
  private final boolean protects;
  private final String capability;

  KeyOperation(KeyPurpose purpose, boolean protects, String capability) {
    this.purpose = purpose;
    this.protects = protects;
    this.capability = capability;
  }

  public KeyPurpose purpose() {
    return purpose;
  }

  /** True for operations that apply protection (originator usage), false for processing. */
  public boolean protects() {
    return protects;
  }

  /** The access capability this operation needs, e.g. {@code kms:encrypt}. */
  public String capability() {
    return capability;
  }

  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
