package io.custos.failure;

/** The request itself is wrong: malformed, oversized or out of range. Nothing was changed. */
public final class InvalidInputException extends CustosException {
  public InvalidInputException(String message) {
    super("invalid-input", message, null);
  }

  public InvalidInputException(String message, Throwable cause) {
    super("invalid-input", message, cause);
  }
}
