package io.custos.kms;

import static io.custos.kms.Kms.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InventoryLeakTest {

  @Test
  @DisplayName("SS-002 11.5.1 — the inventory lists every key with owner, type, algorithm, length, usage and expiry, and no secret")
  void inventoryHoldsNoSecret() {
    try (Kms kms = new Kms()) {
      kms.create("enc", KeyPurpose.ENCRYPT, "aes-256-gcm");
      kms.create("wrap", KeyPurpose.WRAP, "aes-256-kwp");
      kms.create("mac", KeyPurpose.MAC, "hmac-sha384");
      kms.create("sig", KeyPurpose.SIGN, "ecdsa-p256");
      kms.create("pq", KeyPurpose.SIGN, "ml-dsa-44");
      kms.create("kem", KeyPurpose.ENCRYPT, "ml-kem-768");
      for (String k : List.of("enc", "kem")) {
        kms.keys.decrypt(ALICE, k, kms.keys.encrypt(ALICE, k, new byte[] {1}, null), null, false).close();
      }
      kms.keys.mac(ALICE, "mac", new byte[] {1});
      kms.keys.sign(ALICE, "sig", new byte[] {1});
      kms.keys.sign(ALICE, "pq", new byte[] {1});
      kms.keys.wrapKey(ALICE, "wrap", "enc");

      List<String> secrets = new ArrayList<>();
      for (VersionMaterial m : kms.keys.loadedMaterial()) {
        m.withSecret(s -> s.use(b -> {
          secrets.add(HexFormat.of().formatHex(b));
          secrets.add(Base64.getEncoder().encodeToString(b));
          secrets.add(Base64.getUrlEncoder().withoutPadding().encodeToString(b));
          return null;
        }));
      }
      assertThat(secrets).hasSize(3 * 6);

      List<InventoryEntry> inventory = kms.keys.inventory(ALICE);
      assertThat(inventory).hasSize(6).allSatisfy(e -> {
        assertThat(e.owner()).isEqualTo("alice");
        assertThat(e.purpose()).isNotBlank();
        assertThat(e.algorithm()).isNotBlank();
        assertThat(e.securityStrength()).isPositive();
        assertThat(e.originatorUsageEnd()).isAfter(e.activation());
        assertThat(e.recipientUsageEnd()).isAfterOrEqualTo(e.originatorUsageEnd());
        assertThat(e.location()).startsWith("barrier:kms.material/" + e.name() + "/");
        assertThat(e.protectedBy()).contains("AES-256-GCM");
      });
      StringBuilder rendered = new StringBuilder(inventory.toString());
      for (InventoryEntry e : inventory) {
        rendered.append(kms.keys.get(ALICE, e.name()));
      }
      for (String s : secrets) {
        assertThat(rendered).doesNotContain(s);
      }
    }
  }
}
