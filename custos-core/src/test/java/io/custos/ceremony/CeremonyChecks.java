package io.custos.ceremony;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.audit.EventCodec;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.SecretBytes;
import io.custos.seal.UnsealShare;
import java.util.ArrayList;
import java.util.List;

/** Checks the ceremony tests share: what the offline log recorded, and that a ceremony left no secret behind. */
final class CeremonyChecks {
  private CeremonyChecks() {}

  /** The first 1,000 events of the offline log, decoded. */
  static List<AuditEvent> events(AuditLog audit) {
    List<AuditEvent> out = new ArrayList<>();
    audit.events(1, 1000).forEach(r -> out.add(EventCodec.decode(r.event())));
    return out;
  }

  /** Every secret the last ceremony held — key, shares, key pair, key handle — is wiped or closed. */
  static void assertAllWiped(Ceremonies ceremonies) {
    assertThat(ceremonies.lastSecrets()).isNotEmpty();
    for (AutoCloseable c : ceremonies.lastSecrets()) {
      if (c instanceof SecretBytes s) {
        assertThat(s.isWiped()).as("secret wiped").isTrue();
      } else if (c instanceof UnsealShare u) {
        assertThat(u.value().isWiped()).as("share wiped").isTrue();
      } else if (c instanceof KeyPairMaterial k) {
        assertThat(k.privateKey().isWiped()).as("private key wiped").isTrue();
      } else if (c instanceof AsymmetricProvider.PrivateKeyHandle h) {
        assertThatThrownBy(() -> h.sign(new byte[] {1})).as("key handle closed").isInstanceOf(RuntimeException.class);
      }
    }
  }
}
