package io.custos.failure;

import java.util.Optional;

/** The caller is not allowed to do this (implicit deny). Nothing was changed. */
public final class PermissionDeniedException extends CustosException {
  private final String control;

  public PermissionDeniedException(String message) {
    super("permission-denied", message, null);
    this.control = null;
  }

  /** A denial a control demands; the message starts with the control. */
  public PermissionDeniedException(String control, String reason) {
    super("permission-denied", control + ": " + reason, null);
    this.control = control;
  }

  @Override
  public Optional<String> control() {
    return Optional.ofNullable(control);
  }
}
