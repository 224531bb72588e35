package io.custos.access;

import io.custos.failure.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A named, versioned set of grants. Everything not granted is denied. Capabilities listed in
 * {@code stepUp} need a second factor no older than {@code stepUpWithin} (SS-002 11.3.11).
 */
public record Policy(String name, int version, String description, List<Grant> grants, Set<String> stepUp,
    Duration stepUpWithin) {
  private static final Pattern NAME = Pattern.compile("(role:)?[a-z0-9][a-z0-9._-]{0,63}");
  public static final Duration DEFAULT_STEP_UP = Duration.ofMinutes(5);

  public Policy {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    grants = List.copyOf(grants);
    stepUp = Set.copyOf(stepUp);
    Objects.requireNonNull(stepUpWithin, "stepUpWithin");
  }

  /** Checks every part; the message names the grant (by position, from 1) and the reason. */
  public Policy validate() {
    if (!NAME.matcher(name).matches()) {
      throw new InvalidInputException("policy name must match [a-z0-9][a-z0-9._-]{0,63}, got '" + name + "'");
    }
    if (grants.size() > 1000) {
      throw new InvalidInputException("a policy holds at most 1000 grants");
    }
    for (int i = 0; i < grants.size(); i++) {
      try {
        grants.get(i).validate();
      } catch (InvalidInputException e) {
        throw new InvalidInputException("grant " + (i + 1) + ": " + e.getMessage());
      }
    }
    for (String s : stepUp) {
      if (!Capabilities.valid(s)) {
        throw new InvalidInputException("step_up: unknown capability '" + s + "'");
      }
    }
    if (stepUpWithin.isNegative() || stepUpWithin.isZero() || stepUpWithin.compareTo(Duration.ofHours(1)) > 0) {
      throw new InvalidInputException("step_up_within must be from 1s to 1h");
    }
    return this;
  }

  public Policy withVersion(int v) {
    return new Policy(name, v, description, grants, stepUp, stepUpWithin);
  }

  /** Whether this policy asks for a fresh second factor before {@code capability}. */
  public boolean needsStepUp(String capability) {
    return stepUp.stream().anyMatch(p -> Capabilities.covers(p, capability));
  }
}
