package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `custos key` against a real dev server process. */
class KeyProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  /** A finished client run: exit code, raw stdout, stderr text. */
  record Run(int exit, byte[] out, String err) {
    String text() {
      return new String(out, StandardCharsets.UTF_8);
    }
  }

  /** Runs {@code custos args} with {@code stdin} piped in. */
  private static Run run(Map<String, String> env, byte[] stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-jar", CustosProcess.JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("CUSTOS_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    try (var in = p.getOutputStream()) {
      in.write(stdin);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("custos " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), out.get(), new String(err.get(), StandardCharsets.UTF_8));
  }

  private static byte[] readAll(java.io.InputStream in) {
    try {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      return new byte[0];
    }
  }

  private static Run ok(Run r) {
    assertThat(r.exit()).as(r.err()).isZero();
    return r;
  }

  @Test
  @DisplayName("encrypt from stdin, decrypt to raw bytes, purpose refusal, verify exit codes and an inventory without secrets")
  void keysFromTheCommandLine() throws Exception {
    try (CustosProcess server = CustosProcess.start(Map.of(), "--data-dir", dir.resolve("data").toString(),
        "server", "--dev", "--listen", "127.0.0.1:0")) {
      String line = server.await(server.out, l -> l.trim().startsWith("Address:"), CustosProcess.START_TIMEOUT);
      Map<String, String> env = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim());
      byte[] none = new byte[0];

      Run created = ok(run(env, none, "key", "create", "k", "--purpose", "encrypt", "--algorithm", "aes-256-gcm",
          "--owner", "alice", "--rotate-every", "90d", "--output", "json"));
      assertThat(JSON.readTree(created.out()).get("state").asText()).isEqualTo("active");

      String ciphertext = ok(run(env, "secret\n".getBytes(StandardCharsets.UTF_8), "key", "encrypt", "k")).text().trim();
      assertThat(ciphertext).startsWith("custos:v1:k:1:").doesNotContain("secret");
      Run decrypted = ok(run(env, (ciphertext + "\n").getBytes(StandardCharsets.UTF_8), "key", "decrypt", "k"));
      assertThat(decrypted.out()).isEqualTo("secret\n".getBytes(StandardCharsets.UTF_8));

      // Binary input from a file, with associated data, round-trips byte for byte.
      byte[] binary = new byte[4096];
      new java.util.Random(7).nextBytes(binary);
      Path in = dir.resolve("blob.bin");
      Files.write(in, binary);
      String ct2 = ok(run(env, none, "key", "encrypt", "k", "--in", in.toString(), "--aad", "file-1")).text().trim();
      assertThat(ok(run(env, none, "key", "decrypt", "k", ct2, "--aad", "file-1")).out()).isEqualTo(binary);
      Run wrongAad = run(env, none, "key", "decrypt", "k", ct2, "--aad", "file-2");
      assertThat(wrongAad.exit()).isEqualTo(1);

      Run wrongPurpose = run(env, "x".getBytes(StandardCharsets.UTF_8), "key", "sign", "k");
      assertThat(wrongPurpose.exit()).isEqualTo(1);
      assertThat(wrongPurpose.err()).contains("HTTP 403", "SS-002 11.3.3: key 'k' is for ENCRYPT, not SIGN");
      assertThat(wrongPurpose.err().lines().filter(l -> l.startsWith("custos: "))).hasSize(1);

      ok(run(env, none, "key", "create", "tags", "--purpose", "mac", "--algorithm", "hmac-sha256", "--owner", "alice"));
      String mac = ok(run(env, "m".getBytes(StandardCharsets.UTF_8), "key", "mac", "tags")).text().trim();
      Run valid = run(env, "m".getBytes(StandardCharsets.UTF_8), "key", "verify-mac", "tags", "--mac", mac);
      assertThat(valid.exit()).as(valid.err()).isZero();
      assertThat(valid.text().trim()).isEqualTo("valid");
      Run invalid = run(env, "n".getBytes(StandardCharsets.UTF_8), "key", "verify-mac", "tags", "--mac", mac);
      assertThat(invalid.exit()).isEqualTo(1);
      assertThat(invalid.text().trim()).isEqualTo("invalid");

      // The material of k, fetched the one way it leaves: wrapped, then unwrapped.
      ok(run(env, none, "key", "create", "kek", "--purpose", "wrap", "--algorithm", "aes-256-kwp", "--owner", "alice"));
      String wrapped = ok(run(env, none, "key", "wrap", "kek", "--key", "k")).text().trim();
      byte[] material = ok(run(env, none, "key", "unwrap", "kek", wrapped)).out();
      assertThat(material).hasSize(32);

      Run json = ok(run(env, none, "key", "list", "--output", "json"));
      // The dev CA's keys (ca.dev-root, ca.dev-issuing) are in the inventory too, as CA keys that are never escrowed.
      List<JsonNode> keys = new ArrayList<>();
      JSON.readTree(json.out()).forEach(k -> {
        if (k.get("ca").asBoolean()) {
          assertThat(k.get("escrow").asText()).isEqualTo("never (CA key)");
        } else {
          keys.add(k);
        }
      });
      assertThat(keys).hasSize(3);
      assertThat(keys.get(0).get("name").asText()).isEqualTo("k");
      assertThat(keys.get(0).get("rotate_every").asText()).isEqualTo("90d");
      Run csv = ok(run(env, none, "key", "list", "--output", "csv"));
      assertThat(csv.text().lines().findFirst().orElseThrow()).startsWith("Name,Owner,Purpose,Algorithm,Size,State");
      Run table = ok(run(env, none, "key", "list"));
      assertThat(table.text()).contains("aes-256-gcm", "barrier:kms.material/k/1");
      Run show = ok(run(env, none, "key", "show", "k", "--output", "json"));
      String all = json.text() + csv.text() + table.text() + show.text();
      String b64 = Base64.getEncoder().encodeToString(material);
      String b64url = Base64.getUrlEncoder().withoutPadding().encodeToString(material);
      String hex = HexFormat.of().formatHex(material);
      assertThat(all).doesNotContain(b64.substring(0, 24)).doesNotContain(b64url.substring(0, 24))
          .doesNotContain(hex.substring(0, 32)).doesNotContain(hex.substring(0, 32).toUpperCase());

      Run suspended = ok(run(env, none, "key", "suspend", "k", "--reason", "review"));
      assertThat(suspended.text()).contains("Key k is suspended.");
      Run refused = run(env, "x".getBytes(StandardCharsets.UTF_8), "key", "encrypt", "k");
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.err()).contains("SS-002 11.3.12", "suspended");
      assertThat(server.terminate()).isZero();
    }

    CustosProcess export = CustosProcess.run(Map.of(), "--data-dir", dir.resolve("data").toString(), "audit", "export");
    assertThat(export.exit()).as(export.stderr()).isZero();
    assertThat(export.stdout()).contains("\"action\":\"kms.encrypt\"", "\"action\":\"kms.decrypt\"",
        "\"action\":\"kms.unwrap\"", "\"resource\":\"kms/keys/k\"");
    assertThat(export.stdout()).doesNotContain("secret").doesNotContain(Base64.getEncoder()
        .encodeToString("secret\n".getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The README's recipe for wrapping a key for import, run by the real {@code openssl}: a one-time
   * AES-256 key under RSA-OAEP-SHA-256 to the import key, then AES-KWP (RFC 5649) of the key.
   */
  static final String WRAP_WITH_OPENSSL = String.join("\n",
      "set -eu",
      "openssl rand 32 > kek",
      "openssl pkeyutl -encrypt -pubin -inkey import.pem -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 \\",
      "  -pkeyopt rsa_mgf1_md:sha256 -in kek -out kek.enc",
      "openssl enc -id-aes256-wrap-pad -K \"$(xxd -p -c64 kek)\" -iv A65959A6 -in key.bin -out key.kwp",
      "cat kek.enc key.kwp | openssl base64 -A > wrapped.b64",
      "rm -f kek kek.enc key.kwp", "");

  private static void openssl(Path dir) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", WRAP_WITH_OPENSSL).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
  }

  @Test
  @DisplayName("bring your own key: a key wrapped by openssl to the import key is imported, encrypts and decrypts; "
      + "material of the wrong length is refused and nothing is stored")
  void importWrappedByOpenssl() throws Exception {
    try (CustosProcess server = CustosProcess.start(Map.of(), "--data-dir", dir.resolve("data").toString(),
        "server", "--dev", "--listen", "127.0.0.1:0")) {
      String line = server.await(server.out, l -> l.trim().startsWith("Address:"), Duration.ofSeconds(30));
      Map<String, String> env = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim());
      byte[] none = new byte[0];
      Path work = Files.createDirectories(dir.resolve("byok"));

      Run pem = ok(run(env, none, "key", "import-key"));
      assertThat(pem.text()).startsWith("-----BEGIN PUBLIC KEY-----");
      Files.write(work.resolve("import.pem"), pem.out());
      JsonNode jwk = JSON.readTree(ok(run(env, none, "key", "import-key", "--format", "jwk")).out());
      assertThat(jwk.get("kty").asText()).isEqualTo("RSA");

      byte[] key = new byte[32];
      new java.security.SecureRandom().nextBytes(key);
      Files.write(work.resolve("key.bin"), key);
      openssl(work);
      assertThat(Base64.getDecoder().decode(Files.readString(work.resolve("wrapped.b64")).trim())).hasSize(384 + 40);
      Run imported = ok(run(env, none, "key", "import", "byok", "--purpose", "encrypt", "--algorithm", "aes-256-gcm",
          "--owner", "alice", "--wrapped", work.resolve("wrapped.b64").toString(), "--output", "json"));
      JsonNode k = JSON.readTree(imported.out());
      assertThat(k.get("origin").asText()).isEqualTo("imported");
      assertThat(k.get("state").asText()).isEqualTo("active");

      String ct = ok(run(env, "byok data".getBytes(StandardCharsets.UTF_8), "key", "encrypt", "byok")).text().trim();
      assertThat(ct).startsWith("custos:v1:byok:1:");
      assertThat(ok(run(env, none, "key", "decrypt", "byok", ct)).out()).isEqualTo("byok data".getBytes(StandardCharsets.UTF_8));
      // The key in use is the very key openssl wrapped: decrypt the ciphertext with it directly.
      byte[] body = Base64.getUrlDecoder().decode(ct.substring(ct.lastIndexOf(':') + 1));
      javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(javax.crypto.Cipher.DECRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"),
          new javax.crypto.spec.GCMParameterSpec(128, body, 0, 12));
      gcm.updateAAD(aad("byok", 1, new byte[0]));
      assertThat(gcm.doFinal(body, 12, body.length - 12)).isEqualTo("byok data".getBytes(StandardCharsets.UTF_8));

      // The same recipe from stdin, for an HMAC key.
      new java.security.SecureRandom().nextBytes(key);
      Files.write(work.resolve("key.bin"), key);
      openssl(work);
      ok(run(env, Files.readAllBytes(work.resolve("wrapped.b64")), "key", "import", "tags", "--purpose", "mac",
          "--algorithm", "hmac-sha256", "--owner", "alice"));
      String mac = ok(run(env, "m".getBytes(StandardCharsets.UTF_8), "key", "mac", "tags")).text().trim();
      assertThat(ok(run(env, "m".getBytes(StandardCharsets.UTF_8), "key", "verify-mac", "tags", "--mac", mac)).text().trim())
          .isEqualTo("valid");

      // A 16-byte key declared as aes-256-gcm: refused clearly, and no key is stored.
      Files.write(work.resolve("key.bin"), new byte[16]);
      openssl(work);
      Run refused = run(env, none, "key", "import", "short", "--purpose", "encrypt", "--algorithm", "aes-256-gcm",
          "--owner", "alice", "--wrapped", work.resolve("wrapped.b64").toString());
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.err()).contains("HTTP 400", "a aes-256-gcm key is 32 bytes; the imported material is 16");
      Run missing = run(env, none, "key", "show", "short");
      assertThat(missing.exit()).isEqualTo(1);
      assertThat(missing.err()).contains("404");
      JsonNode keys = JSON.readTree(ok(run(env, none, "key", "list", "--output", "json")).out());
      // The dev CA's two keys are listed too (and, once the first OCSP refresh has run, the
      // issuing CA's OCSP responder key); the refused import added nothing.
      List<String> names = new java.util.ArrayList<>();
      keys.forEach(entry -> names.add(entry.get("name").asText()));
      assertThat(names.stream().filter(n -> n.startsWith("ocsp.dev-issuing.")).count()).isLessThanOrEqualTo(1);
      names.removeIf(n -> n.startsWith("ocsp.dev-issuing."));
      assertThat(names).containsExactlyInAnyOrder("byok", "tags", "ca.dev-root", "ca.dev-issuing");
      assertThat(server.terminate()).isZero();
    }

    CustosProcess export = CustosProcess.run(Map.of(), "--data-dir", dir.resolve("data").toString(), "audit", "export");
    assertThat(export.exit()).as(export.stderr()).isZero();
    assertThat(export.stdout()).contains("\"action\":\"kms.key.import\"", "\"resource\":\"kms/keys/byok\"");
    String wrapped = Files.readString(dir.resolve("byok").resolve("wrapped.b64")).trim();
    assertThat(export.stdout()).doesNotContain(wrapped.substring(0, 32)).doesNotContain(wrapped.substring(500, 532));
  }

  /** The GCM associated data of a key's ciphertext (docs/kms.md, Output formats). */
  private static byte[] aad(String name, int version, byte[] aad) {
    byte[] label = "custos-kms-v1".getBytes(StandardCharsets.US_ASCII);
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    return java.nio.ByteBuffer.allocate(label.length + 4 + n.length + 4 + 4 + aad.length).put(label)
        .putInt(n.length).put(n).putInt(version).putInt(aad.length).put(aad).array();
  }
}
