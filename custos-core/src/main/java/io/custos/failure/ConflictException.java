package io.custos.failure;

/** The request conflicts with the current state, e.g. a stale version or a duplicate. */
public final class ConflictException extends CustosException {
  public ConflictException(String message) {
    super("conflict", message, null);
  }
}
