package io.custos.failure;

/** The caller is not allowed to do this (implicit deny). Nothing was changed. */
public final class PermissionDeniedException extends CustosException {
  public PermissionDeniedException(String message) {
    super("permission-denied", message, null);
  }
}
