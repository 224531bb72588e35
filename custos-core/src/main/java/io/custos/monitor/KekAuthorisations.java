package io.custos.monitor;

import java.time.Instant;

/**
 * The port through which the monitor asks whether a use of a key encryption key was properly
 * authorised (SS-002 11.4.4). The access-control layer answers it from its grants and approvals.
 *
 * <p>Implementations should be fast and must not block on I/O for long: the detector calls this
 * once for every successful KEK use it sees. If an implementation throws, the detector treats the
 * use as <em>not</em> authorised (fail closed) and says so in the alert.
 */
@FunctionalInterface
public interface KekAuthorisations {

  /**
   * Whether a grant authorised this use.
   *
   * @param principalId who used the KEK
   * @param kekResource the KEK's resource name without any version segment, e.g.
   *     {@code kms/keys/backup-kek}
   * @param action what was done, e.g. {@code kms.unwrap}
   * @param at when, as recorded in the audit event
   * @return {@code true} only when a grant covered exactly this use
   */
  boolean authorised(String principalId, String kekResource, String action, Instant at);

  /** An answer for before the access-control layer is wired: nothing is authorised. */
  static KekAuthorisations noneGranted() {
    return (principal, kek, action, at) -> false;
  }
}
