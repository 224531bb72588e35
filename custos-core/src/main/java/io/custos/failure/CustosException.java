package io.custos.failure;

import java.util.Objects;
import java.util.Optional;

/**
 * The one failure type of Custos. Each subtype has a stable {@link #code()} that front ends
 * translate once, at their boundary, into their own error form (RFC 9457 problem documents
 * for the API, exit codes for the CLI). Messages are written for the person who sent the
 * request and never carry secret material.
 */
public abstract sealed class CustosException extends RuntimeException
    permits InvalidInputException, NotFoundException, ConflictException,
        ControlViolationException, PermissionDeniedException, UnauthenticatedException, UnavailableException,
        StorageException {

  private final String code;

  protected CustosException(String code, String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** Stable, machine-readable identifier of the failure kind, e.g. {@code invalid-input}. */
  public String code() {
    return code;
  }

  /** The standard's control that forbade the action, when one did (e.g. {@code SS-002 11.3.3}). */
  public Optional<String> control() {
    return Optional.empty();
  }
}
