package io.custos.crypto;

import javax.security.auth.DestroyFailedException;
import javax.security.auth.Destroyable;

/** Zeroising the module's own key objects once an operation is over. */
final class FipsKeys {
  private FipsKeys() {}

  static void destroy(Destroyable moduleKey) {
    try {
      moduleKey.destroy();
    } catch (DestroyFailedException e) {
      throw new IllegalStateException("could not zeroise the module's key copy", e);
    }
  }
}
