package io.custos.server;

import static io.custos.server.ApiServerTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.custos.access.AccessGate;
import io.custos.audit.AuditLog;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyAlgorithm;
import io.custos.kms.KeyManager;
import io.custos.kms.KeyPurpose;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.StoredRecord;
import io.custos.store.jdbc.JdbcStorage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key service over real HTTP: a dev-mode server, a real barrier, FIPS module and SQLite store. */
class KeyRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  @TempDir Path dir;
  private TestNode node;
  private AuditLog log;
  private Barrier barrier;
  private KeyManager keys;
  private Storage storage;

  @BeforeEach
  void start() {
    barrier = new Barrier(BarrierKeyring.create(MODULE));
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir.resolve("kms")), TestNode.VERSION.version(),
        InstantSource.system());
    log = AuditLog.open(storage.audit(), Optional.empty(), "test", "test", InstantSource.system(),
        AuditLog.Settings.defaults());
    keys = new KeyManager(storage.records(), () -> barrier, MODULE, AsymmetricProviders.select("jdk"),
        AlgorithmPolicy.defaults(), AccessGate.devMode(), Clock.systemUTC());
    node = new TestNode(dir.resolve("data"), TestNode.dev(), List.of(KeyRoutes.module(keys, log, AccessGate.devMode(), true)));
  }

  @AfterEach
  void stop() {
    node.close();
    keys.close();
    log.close();
    storage.close();
    barrier.close();
  }

  private HttpResponse<String> post(String path, Object body) throws Exception {
    return node.send(HttpRequest.newBuilder(node.uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body))));
  }

  private JsonNode ok(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  private JsonNode create(String name, String purpose, String algorithm) throws Exception {
    return ok(post("/v1/keys", Map.of("name", name, "purpose", purpose, "algorithm", algorithm, "owner", "alice")), 201);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Every audit event recorded so far, in its canonical encoding. */
  private String auditText() {
    StringBuilder b = new StringBuilder();
    for (var row : log.events(1, 10_000)) {
      b.append(new String(row.event(), StandardCharsets.UTF_8)).append('\n');
    }
    return b.toString();
  }

  @Test
  @DisplayName("encrypt and decrypt round trip over HTTP, single and batch; plaintext answers are no-store")
  void roundTrip() throws Exception {
    JsonNode key = create("payments", "encrypt", "aes-256-gcm");
    assertThat(key.get("state").asText()).isEqualTo("active");
    assertThat(key.get("owner").asText()).isEqualTo("alice");

    String ct = ok(post("/v1/keys/payments/encrypt", Map.of("plaintext", b64("card 4111-1111"), "aad", b64("order-7"))), 200)
        .get("ciphertext").asText();
    assertThat(ct).startsWith("custos:v1:payments:1:");
    HttpResponse<String> dec = post("/v1/keys/payments/decrypt", Map.of("ciphertext", ct, "aad", b64("order-7")));
    assertThat(ok(dec, 200).get("plaintext").asText()).isEqualTo(b64("card 4111-1111"));
    assertThat(dec.headers().firstValue("Cache-Control")).hasValue("no-store");
    // Vault's name for the associated data works too; the wrong associated data does not decrypt.
    assertThat(ok(post("/v1/keys/payments/decrypt", Map.of("ciphertext", ct, "context", b64("order-7"))), 200)
        .get("plaintext").asText()).isEqualTo(b64("card 4111-1111"));
    assertProblem(post("/v1/keys/payments/decrypt", Map.of("ciphertext", ct, "aad", b64("order-8"))), 400,
        "urn:custos:problem:invalid-input");

    ObjectNode batch = JSON.createObjectNode();
    ArrayNode items = batch.putArray("batch");
    for (int i = 0; i < 3; i++) {
      items.addObject().put("plaintext", b64("item " + i));
    }
    JsonNode enc = ok(post("/v1/keys/payments/encrypt", batch), 200).get("batch");
    assertThat(enc).hasSize(3);
    ObjectNode back = JSON.createObjectNode();
    ArrayNode cts = back.putArray("batch");
    enc.forEach(e -> cts.addObject().put("ciphertext", e.get("ciphertext").asText()));
    cts.addObject().put("ciphertext", "custos:v1:payments:1:AAAA"); // one bad item: its own error
    HttpResponse<String> decBatch = post("/v1/keys/payments/decrypt", back);
    JsonNode answers = ok(decBatch, 200).get("batch");
    assertThat(decBatch.headers().firstValue("Cache-Control")).hasValue("no-store");
    for (int i = 0; i < 3; i++) {
      assertThat(answers.get(i).get("plaintext").asText()).isEqualTo(b64("item " + i));
    }
    assertThat(answers.get(3).get("error").asText()).isNotBlank();
    assertThat(answers.get(3).get("code").asText()).isEqualTo("invalid-input");

    // Rotation: new data under version 2, old ciphertexts still decrypt, rewrap moves them forward.
    ok(post("/v1/keys/payments/rotate", Map.of()), 200);
    String rewrapped = ok(post("/v1/keys/payments/rewrap", Map.of("ciphertext", ct, "aad", b64("order-7"))), 200)
        .get("ciphertext").asText();
    assertThat(rewrapped).startsWith("custos:v1:payments:2:");

    String audit = auditText();
    assertThat(audit).contains("\"action\":\"kms.encrypt\"", "\"action\":\"kms.decrypt\"", "\"action\":\"kms.rewrap\"",
        "\"resource\":\"kms/keys/payments\"", "\"bytes_in\":\"14\"", "\"version\":\"1\"", "\"batch\":\"4\"",
        "\"failed\":\"1\"");
    assertThat(audit).doesNotContain("card 4111").doesNotContain(b64("card 4111-1111")).doesNotContain("item 0")
        .doesNotContain(b64("item 0")).doesNotContain(ct.substring(ct.lastIndexOf(':') + 1));
  }

  @Test
  @DisplayName("bad base64 is a 400 naming the field; unknown fields are refused; oversize payloads get a clear message")
  void badInput() throws Exception {
    create("payments", "encrypt", "aes-256-gcm");
    HttpResponse<String> bad = post("/v1/keys/payments/encrypt", Map.of("plaintext", "not*base64!"));
    assertProblem(bad, 400, "urn:custos:problem:invalid-input");
    assertThat(JSON.readTree(bad.body()).get("detail").asText()).contains("'plaintext'", "base64");
    HttpResponse<String> badAad = post("/v1/keys/payments/encrypt", Map.of("plaintext", b64("x"), "aad", "%%%"));
    assertThat(JSON.readTree(badAad.body()).get("detail").asText()).contains("'aad'");
    HttpResponse<String> unknown = post("/v1/keys/payments/encrypt", Map.of("plaintext", b64("x"), "plain", "y"));
    assertProblem(unknown, 400, "urn:custos:problem:invalid-input");
    assertThat(JSON.readTree(unknown.body()).get("detail").asText()).contains("unknown field 'plain'");

    byte[] big = new byte[KeyManager.MAX_PAYLOAD + 1];
    HttpResponse<String> tooBig = post("/v1/keys/payments/encrypt",
        Map.of("plaintext", Base64.getEncoder().encodeToString(big)));
    assertProblem(tooBig, 400, "urn:custos:problem:invalid-input");
    assertThat(JSON.readTree(tooBig.body()).get("detail").asText()).contains("1048577 bytes", "1 MiB", "data key");
    // Exactly the limit is accepted: the body limit leaves room for its base64.
    byte[] max = new byte[KeyManager.MAX_PAYLOAD];
    ok(post("/v1/keys/payments/encrypt", Map.of("plaintext", Base64.getEncoder().encodeToString(max))), 200);
    // A body beyond the HTTP limit is refused before it is read.
    String huge = "{\"plaintext\": \"" + "A".repeat((int) ServerSettings.DEFAULT_MAX_REQUEST_BYTES) + "\"}";
    assertProblem(post("/v1/keys/payments/encrypt", huge), 413, "urn:custos:problem:request-too-large");

    ObjectNode batch = JSON.createObjectNode();
    ArrayNode items = batch.putArray("batch");
    for (int i = 0; i <= KeyRoutes.MAX_BATCH; i++) {
      items.addObject().put("plaintext", "");
    }
    HttpResponse<String> longBatch = post("/v1/keys/payments/encrypt", batch);
    assertProblem(longBatch, 400, "urn:custos:problem:invalid-input");
    assertThat(JSON.readTree(longBatch.body()).get("detail").asText()).contains("limit is 1000");
  }

  @Test
  @DisplayName("SS-002 11.3.3 — using a key for another purpose is a 403 problem naming the control, audited")
  void wrongPurpose() throws Exception {
    create("payments", "encrypt", "aes-256-gcm");
    HttpResponse<String> r = post("/v1/keys/payments/sign", Map.of("input", b64("x")));
    assertProblem(r, 403, "urn:custos:problem:control-violation");
    JsonNode p = JSON.readTree(r.body());
    assertThat(p.get("control").asText()).isEqualTo("SS-002 11.3.3");
    assertThat(p.get("detail").asText()).isEqualTo("SS-002 11.3.3: key 'payments' is for ENCRYPT, not SIGN");
    // A batch in which every item fails is refused as a whole.
    HttpResponse<String> batch = post("/v1/keys/payments/mac", Map.of("batch", List.of(Map.of("input", b64("x")))));
    assertProblem(batch, 403, "urn:custos:problem:control-violation");
    assertThat(auditText()).contains("\"action\":\"kms.sign\"", "\"control\":\"SS-002 11.3.3\"", "\"outcome\":\"ERROR\"");
  }

  @Test
  @DisplayName("SS-002 11.3.12 — an unauthenticated caller is refused by the key service, and audited as a denial")
  void anonymousDenied() throws Exception {
    create("payments", "encrypt", "aes-256-gcm");
    try (TestNode anonymous = new TestNode(dir.resolve("anon"), TestNode.dev(),
        List.of(KeyRoutes.module(keys, log, AccessGate.devMode(), false)))) {
      HttpResponse<String> r = anonymous.send(HttpRequest.newBuilder(anonymous.uri("/v1/keys/payments/encrypt"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
              JSON.writeValueAsString(Map.of("plaintext", b64("x"))))));
      assertProblem(r, 403, "urn:custos:problem:permission-denied");
      assertThat(JSON.readTree(r.body()).get("detail").asText()).contains("must be authenticated");
    }
    assertThat(auditText()).contains("\"outcome\":\"DENIED\"", "\"id\":\"anonymous\"");
  }

  @Test
  @DisplayName("lifecycle: metadata, states, compromised processing only with the audited flag, destroy")
  void lifecycle() throws Exception {
    create("orders", "encrypt", "aes-256-gcm");
    String ct = ok(post("/v1/keys/orders/encrypt", Map.of("plaintext", b64("hello"))), 200).get("ciphertext").asText();
    JsonNode shown = ok(node.get("/v1/keys/orders"), 200);
    assertThat(shown.get("versions")).hasSize(1);
    assertThat(shown.get("escrow").asText()).isEqualTo("not-required");
    assertThat(ok(post("/v1/keys/orders/state", Map.of("state", "suspended", "reason", "review")), 200)
        .get("state").asText()).isEqualTo("suspended");
    assertProblem(post("/v1/keys/orders/encrypt", Map.of("plaintext", b64("x"))), 403, "urn:custos:problem:control-violation");
    ok(post("/v1/keys/orders/state", Map.of("state", "compromised")), 200);
    assertProblem(post("/v1/keys/orders/decrypt", Map.of("ciphertext", ct)), 403, "urn:custos:problem:control-violation");
    assertThat(ok(post("/v1/keys/orders/decrypt", Map.of("ciphertext", ct, "allow_compromised", true)), 200)
        .get("plaintext").asText()).isEqualTo(b64("hello"));
    assertThat(auditText()).contains("\"allow_compromised\":\"true\"", "\"action\":\"kms.key.compromise\"");
    assertProblem(post("/v1/keys/orders/state", Map.of("state", "active")), 409, "urn:custos:problem:conflict");
    assertThat(ok(post("/v1/keys/orders/state", Map.of("state", "destroyed-compromised")), 200).get("state").asText())
        .isEqualTo("destroyed-compromised");
    assertProblem(post("/v1/keys/orders/decrypt", Map.of("ciphertext", ct, "allow_compromised", true)), 403,
        "urn:custos:problem:control-violation");
    assertProblem(node.get("/v1/keys/nothing"), 404, "urn:custos:problem:not-found");
    assertProblem(post("/v1/keys", Map.of("name", "orders", "purpose", "encrypt", "algorithm", "aes-256-gcm",
        "owner", "alice")), 409, "urn:custos:problem:conflict");
  }

  @Test
  @DisplayName("sign/verify, MAC, wrap/unwrap, data keys, backup/restore and public keys as PEM and JWK")
  void otherPurposes() throws Exception {
    create("signer", "sign", "ecdsa-p256");
    String sig = ok(post("/v1/keys/signer/sign", Map.of("input", b64("release 1.0"))), 200).get("signature").asText();
    assertThat(ok(post("/v1/keys/signer/verify", Map.of("input", b64("release 1.0"), "signature", sig)), 200)
        .get("valid").asBoolean()).isTrue();
    assertThat(ok(post("/v1/keys/signer/verify", Map.of("input", b64("release 2.0"), "signature", sig)), 200)
        .get("valid").asBoolean()).isFalse();
    HttpResponse<String> pem = node.get("/v1/keys/signer/public?format=pem");
    assertThat(pem.statusCode()).isEqualTo(200);
    assertThat(pem.body()).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
    byte[] spki = Base64.getMimeDecoder().decode(pem.body().replaceAll("-----[A-Z ]+-----", ""));
    // The signature checks with the JDK: interoperable ECDSA over SHA-256.
    Signature v = Signature.getInstance("SHA256withECDSA");
    v.initVerify(KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki)));
    v.update("release 1.0".getBytes(StandardCharsets.UTF_8));
    assertThat(v.verify(Base64.getUrlDecoder().decode(sig.substring(sig.lastIndexOf(':') + 1)))).isTrue();
    JsonNode jwk = ok(node.get("/v1/keys/signer/public?format=jwk"), 200);
    assertThat(jwk.get("kty").asText()).isEqualTo("EC");
    assertThat(jwk.get("crv").asText()).isEqualTo("P-256");
    assertThat(Base64.getUrlDecoder().decode(jwk.get("x").asText())).hasSize(32);
    assertThat(jwk.has("d")).isFalse();
    assertProblem(node.get("/v1/keys/signer/public?format=der"), 400, "urn:custos:problem:invalid-input");

    create("tags", "mac", "hmac-sha256");
    String mac = ok(post("/v1/keys/tags/mac", Map.of("input", b64("m"))), 200).get("mac").asText();
    assertThat(ok(post("/v1/keys/tags/verify-mac", Map.of("input", b64("m"), "mac", mac)), 200).get("valid").asBoolean()).isTrue();
    assertProblem(node.get("/v1/keys/tags/public"), 400, "urn:custos:problem:invalid-input");

    create("kek", "wrap", "aes-256-kwp");
    create("data", "encrypt", "aes-256-gcm");
    String wrapped = ok(post("/v1/keys/kek/wrap", Map.of("key", "data")), 200).get("wrapped").asText();
    HttpResponse<String> unwrapped = post("/v1/keys/kek/unwrap", Map.of("wrapped", wrapped));
    JsonNode u = ok(unwrapped, 200);
    assertThat(unwrapped.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(u.get("algorithm").asText()).isEqualTo("aes-256-gcm");
    assertThat(Base64.getDecoder().decode(u.get("material").asText())).hasSize(32);
    String blobWrapped = ok(post("/v1/keys/kek/wrap", Map.of("blob", Base64.getEncoder().encodeToString(new byte[32]),
        "algorithm", "aes-256-gcm")), 200).get("wrapped").asText();
    assertThat(blobWrapped).startsWith("custos:v1:kek:1:");
    assertProblem(post("/v1/keys/kek/wrap", Map.of("blob", b64("not a key"), "algorithm", "aes-256-gcm")), 403,
        "urn:custos:problem:control-violation");

    HttpResponse<String> dk = post("/v1/keys/data/datakey", Map.of("plaintext", true));
    JsonNode d = ok(dk, 200);
    assertThat(dk.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(Base64.getDecoder().decode(d.get("plaintext").asText())).hasSize(32);
    assertThat(ok(post("/v1/keys/data/decrypt", Map.of("ciphertext", d.get("ciphertext").asText())), 200)
        .get("plaintext").asText()).isEqualTo(d.get("plaintext").asText());
    assertThat(ok(post("/v1/keys/data/datakey", Map.of()), 200).has("plaintext")).isFalse();

    String ct = ok(post("/v1/keys/data/encrypt", Map.of("plaintext", b64("kept"))), 200).get("ciphertext").asText();
    String backup = ok(post("/v1/keys/data/backup", Map.of("wrap_with", "kek")), 200).get("backup").asText();
    assertThat(backup).startsWith("custos-backup-v1:kek:1:");
    assertThat(ok(node.get("/v1/keys/data"), 200).get("last_backup").get("through_version").asInt()).isEqualTo(1);
    JsonNode restored = ok(post("/v1/keys/restore", Map.of("backup", backup, "as", "data-copy")), 201);
    assertThat(restored.get("name").asText()).isEqualTo("data-copy");
    assertThat(restored.get("id").asText()).isEqualTo(ok(node.get("/v1/keys/data"), 200).get("id").asText());
    String copyCt = ok(post("/v1/keys/data-copy/encrypt", Map.of("plaintext", b64("copy"))), 200).get("ciphertext").asText();
    assertThat(ok(post("/v1/keys/data-copy/decrypt", Map.of("ciphertext", copyCt)), 200).get("plaintext").asText())
        .isEqualTo(b64("copy"));
    assertThat(ok(post("/v1/keys/data/decrypt", Map.of("ciphertext", ct)), 200).get("plaintext").asText())
        .isEqualTo(b64("kept"));

    String audit = auditText();
    assertThat(audit).contains("\"action\":\"kms.unwrap\"", "\"action\":\"kms.key.backup\"", "\"action\":\"kms.key.restore\"",
        "\"action\":\"kms.datakey\"", "\"plaintext_returned\":\"true\"");
    assertThat(audit).doesNotContain(u.get("material").asText()).doesNotContain(d.get("plaintext").asText())
        .doesNotContain(backup.substring(backup.lastIndexOf(':') + 1, backup.lastIndexOf(':') + 30));
  }

  @Test
  @DisplayName("SS-002 11.5.1 — the inventory and metadata of every kind of key carry no secret material")
  void inventoryLeaksNothing() throws Exception {
    List<String> names = new ArrayList<>();
    for (KeyAlgorithm a : KeyAlgorithm.values()) {
      KeyPurpose purpose = a.purposes().iterator().next();
      String name = a.id().replace('_', '-');
      create(name, purpose.id(), a.id());
      names.add(name);
    }
    JsonNode inventory = ok(node.get("/v1/keys"), 200).get("keys");
    assertThat(inventory).hasSize(names.size());
    JsonNode first = inventory.get(0);
    for (String field : List.of("name", "id", "owner", "purpose", "algorithm", "size_bits", "security_strength", "state",
        "versions", "created", "activation", "originator_usage_end", "recipient_usage_end", "retain_until",
        "rotate_every", "escrow", "last_backup", "ca", "origin", "protected_by", "performed_by", "location")) {
      assertThat(first.has(field)).as(field).isTrue();
    }
    assertThat(first.get("location").asText()).startsWith("barrier:kms.material/");

    StringBuilder everything = new StringBuilder(ok(node.get("/v1/keys"), 200).toString());
    for (String n : names) {
      everything.append(ok(node.get("/v1/keys/" + n), 200).toString());
    }
    String text = everything.toString();
    String lower = text.toLowerCase(java.util.Locale.ROOT);
    for (String n : names) {
      byte[] secret = material(n);
      assertThat(secret.length).isGreaterThanOrEqualTo(32);
      for (String fragment : fragments(secret)) {
        assertThat(text).as("a fragment of %s's material", n).doesNotContain(fragment);
        assertThat(lower).as("hex of %s's material", n).doesNotContain(fragment.toLowerCase(java.util.Locale.ROOT));
      }
    }
    assertThat(auditText()).doesNotContain(fragments(material("aes-256-gcm")).getFirst());

    // Every asymmetric key's public half as a JWK of the right type, and nothing private in it.
    for (KeyAlgorithm a : KeyAlgorithm.values()) {
      if (!a.asymmetric()) {
        continue;
      }
      JsonNode jwk = ok(node.get("/v1/keys/" + a.id() + "/public?format=jwk"), 200);
      String kty = switch (a) {
        case ECDSA_P256, ECDSA_P384 -> "EC";
        case ED25519 -> "OKP";
        case RSA_3072, RSA_4096 -> "RSA";
        default -> "AKP";
      };
      assertThat(jwk.get("kty").asText()).as(a.id()).isEqualTo(kty);
      assertThat(jwk.has("d") || jwk.has("priv") || jwk.has("p")).as(a.id()).isFalse();
      // PKCS#8 may carry the public key too: only fragments that are not public count.
      String pem = node.get("/v1/keys/" + a.id() + "/public").body();
      Set<String> publicFragments = new HashSet<>(fragments(
          Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""))));
      for (String fragment : fragments(material(a.id()))) {
        if (!publicFragments.contains(fragment)) {
          assertThat(jwk.toString()).as(a.id()).doesNotContain(fragment);
        }
      }
      if (kty.equals("AKP")) {
        assertThat(jwk.get("alg").asText()).isEqualTo(a.id().toUpperCase(java.util.Locale.ROOT));
        assertThat(jwk.get("pub").asText()).isNotEmpty();
      }
      if (kty.equals("RSA")) {
        assertThat(Base64.getUrlDecoder().decode(jwk.get("n").asText())).hasSize(a.sizeBits() / 8);
      }
    }
  }

  /** The secret of a key's first version, opened straight from the store through the barrier. */
  private byte[] material(String name) {
    String id = name + "/1";
    StoredRecord r = storage.records().get(KeyManager.MATERIAL_TYPE, id).orElseThrow();
    return barrier.open(KeyManager.MATERIAL_TYPE, id, r.version(), r.payload());
  }

  /** Hex of every 16-byte window, and 24-character runs of its base64 and base64url at every alignment. */
  static List<String> fragments(byte[] secret) {
    List<String> out = new ArrayList<>();
    HexFormat hex = HexFormat.of();
    for (int i = 0; i + 16 <= secret.length; i += 8) {
      out.add(hex.formatHex(secret, i, i + 16));
    }
    for (int shift = 0; shift < 3; shift++) {
      byte[] tail = java.util.Arrays.copyOfRange(secret, shift, secret.length);
      for (Base64.Encoder enc : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
        String s = enc.encodeToString(tail);
        for (int i = 0; i + 24 <= s.length() - 4; i += 4) {
          out.add(s.substring(i, i + 24));
        }
      }
    }
    return out;
  }

  /** CKM_RSA_AES_KEY_WRAP of {@code key} to the import key in {@code pem}, as an outside tool makes it. */
  static String wrapForImport(String pem, byte[] key) throws Exception {
    byte[] spki = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    java.security.PublicKey rsa = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(spki));
    byte[] kek = new byte[32];
    new java.security.SecureRandom().nextBytes(kek);
    javax.crypto.Cipher oaep = javax.crypto.Cipher.getInstance("RSA/ECB/OAEPPadding");
    oaep.init(javax.crypto.Cipher.ENCRYPT_MODE, rsa, new javax.crypto.spec.OAEPParameterSpec("SHA-256", "MGF1",
        java.security.spec.MGF1ParameterSpec.SHA256, javax.crypto.spec.PSource.PSpecified.DEFAULT));
    byte[] head = oaep.doFinal(kek);
    javax.crypto.Cipher kwp = javax.crypto.Cipher.getInstance("AES/KWP/NoPadding");
    kwp.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(kek, "AES"));
    byte[] tail = kwp.doFinal(key);
    byte[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return Base64.getEncoder().encodeToString(all);
  }

  @Test
  @DisplayName("bring your own key: import key as PEM and JWK, CKM_RSA_AES_KEY_WRAP import, wrong length refused, nothing wrapped in the audit")
  void importKey() throws Exception {
    HttpResponse<String> pem = node.get("/v1/keys/import-key");
    assertThat(pem.statusCode()).as(pem.body()).isEqualTo(200);
    assertThat(pem.body()).startsWith("-----BEGIN PUBLIC KEY-----\n");
    assertThat(node.get("/v1/keys/import-key?format=pem").body()).isEqualTo(pem.body()); // made once, then kept
    JsonNode jwk = ok(node.get("/v1/keys/import-key?format=jwk"), 200);
    assertThat(jwk.get("kty").asText()).isEqualTo("RSA");
    assertThat(jwk.get("alg").asText()).isEqualTo("RSA-OAEP-256");
    assertThat(Base64.getUrlDecoder().decode(jwk.get("n").asText())).hasSize(384);
    assertProblem(node.get("/v1/keys/import-key?format=der"), 400, "urn:custos:problem:invalid-input");

    byte[] material = new byte[32];
    new java.security.SecureRandom().nextBytes(material);
    String wrapped = wrapForImport(pem.body(), material);
    JsonNode key = ok(post("/v1/keys/import", Map.of("name", "byok", "purpose", "encrypt", "algorithm", "aes-256-gcm",
        "owner", "alice", "wrapped", wrapped, "rotate_every", "90d")), 201);
    assertThat(key.get("origin").asText()).isEqualTo("imported");
    assertThat(key.get("rotate_every").asText()).isEqualTo("90d");
    String ct = ok(post("/v1/keys/byok/encrypt", Map.of("plaintext", b64("imported"))), 200).get("ciphertext").asText();
    assertThat(ok(post("/v1/keys/byok/decrypt", Map.of("ciphertext", ct)), 200).get("plaintext").asText())
        .isEqualTo(b64("imported"));
    // The stored material is the very key that was wrapped.
    assertThat(material("byok")).isEqualTo(material);
    JsonNode row = ok(node.get("/v1/keys"), 200).get("keys").get(0);
    assertThat(row.get("origin").asText()).isEqualTo("imported");

    // Material of the wrong length for the algorithm: a clear 400, and no key.
    HttpResponse<String> shortKey = post("/v1/keys/import", Map.of("name", "short", "purpose", "encrypt",
        "algorithm", "aes-256-gcm", "owner", "alice", "wrapped", wrapForImport(pem.body(), new byte[16])));
    assertProblem(shortKey, 400, "urn:custos:problem:invalid-input");
    assertThat(JSON.readTree(shortKey.body()).get("detail").asText()).contains("32 bytes", "16");
    assertProblem(node.get("/v1/keys/short"), 404, "urn:custos:problem:not-found");
    assertProblem(post("/v1/keys/import", Map.of("name", "junk", "purpose", "encrypt", "algorithm", "aes-256-gcm",
        "owner", "alice", "wrapped", "%%%")), 400, "urn:custos:problem:invalid-input");
    assertProblem(post("/v1/keys/import", Map.of("name", "nowrap", "purpose", "encrypt", "algorithm", "aes-256-gcm",
        "owner", "alice")), 400, "urn:custos:problem:invalid-input");
    // A key may not take a name the API uses for its own paths.
    HttpResponse<String> reserved = post("/v1/keys", Map.of("name", "import-key", "purpose", "encrypt",
        "algorithm", "aes-256-gcm", "owner", "alice"));
    assertProblem(reserved, 400, "urn:custos:problem:invalid-input");
    assertThat(JSON.readTree(reserved.body()).get("detail").asText()).contains("reserved");

    String audit = auditText();
    assertThat(audit).contains("\"action\":\"kms.key.import\"", "\"action\":\"kms.key.import_key\"",
        "\"resource\":\"kms/keys/byok\"", "\"wrapped_form\":\"rsa-aes-key-wrap\"");
    assertThat(audit).doesNotContain(wrapped.substring(0, 40)).doesNotContain(wrapped.substring(520, 560));
    for (String fragment : fragments(material)) {
      assertThat(audit).doesNotContain(fragment);
    }
  }

  @Test
  @DisplayName("the OpenAPI document lists every key route, and its references resolve")
  void openApiCoversKeyRoutes() throws Exception {
    JsonNode doc = JSON.readTree(node.get("/v1/openapi.json").body());
    Set<String> documented = new HashSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
      var path = paths.next();
      path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + path.getKey()));
    }
    assertThat(documented).isEqualTo(new HashSet<>(node.server.registeredRoutes()));
    assertThat(documented).contains("POST /v1/keys", "GET /v1/keys", "POST /v1/keys/{name}/encrypt",
        "POST /v1/keys/restore", "GET /v1/keys/{name}/public", "GET /v1/keys/import-key", "POST /v1/keys/import");
    for (String ref : doc.findValuesAsText("$ref")) {
      assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
    }
  }
}
