package io.custos.failure;

/** The named object does not exist. */
public final class NotFoundException extends CustosException {
  public NotFoundException(String message) {
    super("not-found", message, null);
  }
}
