package io.custos.failure;

import java.util.Objects;
import java.util.Optional;

/**
 * A security standard forbids the action. The message starts with the control, as in
 * {@code SS-002 11.3.3: key 'payments' is for ENCRYPT, not SIGN}.
 */
public final class ControlViolationException extends CustosException {
  private final String control;

  public ControlViolationException(String control, String reason) {
    super("control-violation", Objects.requireNonNull(control, "control") + ": " + reason, null);
    this.control = control;
  }

  @Override
  public Optional<String> control() {
    return Optional.of(control);
  }
}
