package io.custos.access;

import java.util.Objects;
import java.util.Optional;

/** The answer to "may this caller do this?": callers must switch over both cases. */
public sealed interface Decision {

  /** Allowed, by the named grant. */
  record Allow(String grant) implements Decision {
    public Allow {
      Objects.requireNonNull(grant, "grant");
    }
  }

  /** Denied, with the reason and, when a standard's control is the reason, that control. */
  record Deny(String reason, Optional<String> control) implements Decision {
    public Deny {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(control, "control");
    }
  }
}
