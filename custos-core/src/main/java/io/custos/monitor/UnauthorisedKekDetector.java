package io.custos.monitor;

import java.util.List;
import java.util.Map;

/**
 * SS-002 11.4.4: every successful use of a key encryption key is checked against {@link
 * KekAuthorisations}; each use without an authorising grant raises a HIGH alert, every time (no
 * cool-down: each such use may have exposed keys). Keeps no state.
 */
final class UnauthorisedKekDetector implements Detector {
  private final KekAuthorisations authorisations;

  UnauthorisedKekDetector(KekAuthorisations authorisations) {
    this.authorisations = authorisations;
  }

  @Override
  public void observe(Observation o, List<Alert> alerts) {
    if (!o.kek() || !o.ok()) {
      return;
    }
    String action = o.event().action();
    boolean answered = true;
    boolean authorised;
    try {
      authorised = authorisations.authorised(o.principal(), o.key(), action, o.event().time());
    } catch (RuntimeException e) {
      // Fail closed: a use nobody could vouch for is treated as unauthorised.
      answered = false;
      authorised = false;
    }
    if (authorised) {
      return;
    }
    String message = "principal " + Wording.quote(o.principal()) + " used KEK "
        + Wording.quote(o.key()) + " (" + action + ") without an authorising grant"
        + (answered ? "" : " (the authorisation check failed, so the use is treated as not authorised)");
    alerts.add(Alert.raise(AlertKind.KEK_UNAUTHORISED, Severity.HIGH, Alert.KEK_MONITORING, o,
        o.key(), message, Map.of("authorisationAnswered", String.valueOf(answered))));
  }
}
