package io.custos.kms;

import static io.custos.kms.Kms.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ImportTest {
  private final Kms here = new Kms();
  private final Kms there = new Kms();

  ImportTest() {
    for (Kms k : new Kms[] {here, there}) {
      k.grants.add("alice kms:import keys/*");
      k.grants.add("alice kms:restore keys/*");
    }
  }

  @AfterEach
  void close() {
    here.close();
    there.close();
  }

  /** What an external tool (or HSM) does: CKM_RSA_AES_KEY_WRAP to the instance's import key. */
  private static String wrapForImport(byte[] importSpki, byte[] material) throws Exception {
    PublicKey rsa = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(importSpki));
    KeyGenerator gen = KeyGenerator.getInstance("AES");
    gen.init(256);
    SecretKey ephemeral = gen.generateKey();
    Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
    oaep.init(Cipher.ENCRYPT_MODE, rsa, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
    byte[] head = oaep.doFinal(ephemeral.getEncoded());
    Cipher kwp = Cipher.getInstance("AES/KWP/NoPadding");
    kwp.init(Cipher.WRAP_MODE, ephemeral);
    byte[] tail = kwp.wrap(new SecretKeySpec(material, "AES"));
    byte[] blob = new byte[head.length + tail.length];
    System.arraycopy(head, 0, blob, 0, head.length);
    System.arraycopy(tail, 0, blob, head.length, tail.length);
    return Base64.getEncoder().encodeToString(blob);
  }

  @Test
  @DisplayName("bring your own key: a key wrapped to the import key works like a generated one and is marked imported")
  void importSymmetricKey() throws Exception {
    byte[] material = new byte[32];
    Kms.MODULE.drbg().nextBytes(material);
    String wrapped = wrapForImport(here.keys.importPublicKey(ALICE), material);
    ManagedKey k = here.keys.importKey(ALICE, KeySpec.of("byok", KeyPurpose.ENCRYPT, "aes-256-gcm", "alice"), wrapped);
    assertThat(k.origin()).isEqualTo("imported");
    String ct = here.keys.encrypt(ALICE, "byok", "hello".getBytes(StandardCharsets.UTF_8), null);
    try (SecretBytes p = here.keys.decrypt(ALICE, "byok", ct, null, false)) {
      assertThat(p.sameAs("hello".getBytes(StandardCharsets.UTF_8))).isTrue();
    }
    assertThat(here.keys.inventory(ALICE)).singleElement().extracting(InventoryEntry::origin).isEqualTo("imported");
  }

  @Test
  @DisplayName("SS-002 11.4.1 — a backup restores into another instance that holds the same escrow wrap key")
  void restoreIntoAnotherInstance() throws Exception {
    byte[] escrowKey = new byte[32];
    Kms.MODULE.drbg().nextBytes(escrowKey);
    for (Kms k : new Kms[] {here, there}) {
      k.keys.importKey(ALICE, KeySpec.of("escrow", KeyPurpose.WRAP, "aes-256-kwp", "alice"),
          wrapForImport(k.keys.importPublicKey(ALICE), escrowKey));
    }
    here.create("payments", KeyPurpose.MAC, "hmac-sha384");
    String tag = here.keys.mac(ALICE, "payments", "invoice 42".getBytes(StandardCharsets.UTF_8));
    ManagedKey restored = there.keys.restore(ALICE, here.keys.backup(ALICE, "payments", "escrow"), Optional.empty());
    assertThat(restored.id()).isEqualTo(here.keys.get(ALICE, "payments").id());
    assertThat(there.keys.verifyMac(ALICE, "payments", "invoice 42".getBytes(StandardCharsets.UTF_8), tag, false)).isTrue();
  }

  @Test
  @DisplayName("import refuses material that does not fit the declared algorithm, and stores nothing")
  void importRefusesBadMaterial() throws Exception {
    String wrapped = wrapForImport(here.keys.importPublicKey(ALICE), new byte[16]);
    int before = here.records.map.size();
    assertThatThrownBy(() -> here.keys.importKey(ALICE, KeySpec.of("x", KeyPurpose.ENCRYPT, "aes-256-gcm", "alice"), wrapped))
        .isInstanceOf(InvalidInputException.class).hasMessage("a aes-256-gcm key is 32 bytes; the imported material is 16");
    assertThatThrownBy(() -> here.keys.importKey(ALICE, KeySpec.of("x", KeyPurpose.ENCRYPT, "aes-256-gcm", "alice"), "@@"))
        .hasMessageContaining("neither custos:v1:");
    byte[] blob = Base64.getDecoder().decode(wrapped);
    blob[blob.length - 1] ^= 1;
    assertThatThrownBy(() -> here.keys.importKey(ALICE, KeySpec.of("x", KeyPurpose.ENCRYPT, "aes-256-gcm", "alice"),
        Base64.getEncoder().encodeToString(blob))).isInstanceOf(InvalidInputException.class);
    assertThat(here.records.map).hasSize(before);
  }
}
