package io.custos.failure;

/**
 * The request carried credentials that are missing, malformed, forged, expired or revoked. The
 * message never says which, so that it helps no one guess.
 */
public final class UnauthenticatedException extends CustosException {
  public static final String MESSAGE = "missing, invalid, expired or revoked credentials";

  public UnauthenticatedException() {
    super("unauthenticated", MESSAGE, null);
  }
}
