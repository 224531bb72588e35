package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root of trust on a production-shaped (TLS, non-dev) server: init, unseal, seal, restart. */
class OperatorProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private CustosProcess startServer(Path data, Path cert, Path key) throws Exception {
    return CustosProcess.start(Map.of(), "--data-dir", data.toString(), "server", "--listen", "127.0.0.1:0",
        "--tls-cert", cert.toString(), "--tls-key", key.toString());
  }

  private static Map<String, String> env(CustosProcess server, Path cert) throws Exception {
    String line = server.await(server.err, l -> l.contains("listening on https://"), CustosProcess.START_TIMEOUT);
    return Map.of("CUSTOS_ADDR", line.substring(line.indexOf("https://")).trim(), "CUSTOS_CACERT", cert.toString());
  }

  @Test
  @DisplayName("SS-002 11.3.1, 11.3.7 — init once, M-of-N unseal refusing duplicates, sealed after restart, no secret in the audit log")
  void rootOfTrust() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    CustosProcess.selfSignedLoopbackCertificate(cert, key);
    Path data = dir.resolve("data");
    List<String> shares = new ArrayList<>();
    String rootToken;

    try (CustosProcess server = startServer(data, cert, key)) {
      Map<String, String> env = env(server, cert);
      CustosProcess before = CustosProcess.run(env, "operator", "status", "--output", "json");
      assertThat(before.exit()).as(before.stderr()).isZero();
      assertThat(JSON.readTree(before.stdout()).get("initialized").asBoolean()).isFalse();

      CustosProcess init = CustosProcess.run(env, "operator", "init", "--shares", "3", "--threshold", "2", "--output", "json");
      assertThat(init.exit()).as(init.stderr()).isZero();
      JsonNode r = JSON.readTree(init.stdout());
      r.get("shares").forEach(s -> shares.add(s.asText()));
      rootToken = r.get("root_token").asText();
      assertThat(shares).hasSize(3);
      assertThat(r.get("threshold").asInt()).isEqualTo(2);

      CustosProcess again = CustosProcess.run(env, "operator", "init", "--shares", "3", "--threshold", "2");
      assertThat(again.exit()).isEqualTo(1);
      assertThat(again.stderr()).contains("already initialised");

      CustosProcess first = CustosProcess.run(env, "operator", "unseal", shares.get(0), "--output", "json");
      assertThat(first.exit()).as(first.stderr()).isZero();
      assertThat(JSON.readTree(first.stdout()).get("progress").asInt()).isEqualTo(1);
      CustosProcess duplicate = CustosProcess.run(env, "operator", "unseal", shares.get(0));
      assertThat(duplicate.exit()).isEqualTo(1);
      assertThat(duplicate.stderr()).contains("progress unchanged, 1 of 2");
      String s1 = shares.get(1);
      char changed = s1.charAt(40) == 'A' ? 'B' : 'A'; // a real change, whatever the share holds there
      CustosProcess typo = CustosProcess.run(env, "operator", "unseal", s1.substring(0, 40) + changed + s1.substring(41));
      assertThat(typo.exit()).isEqualTo(1);
      assertThat(typo.stderr()).doesNotContain(shares.get(1).substring(20));

      // The second share on stdin, as scripts pass it.
      ProcessBuilder viaStdin = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
          "--enable-native-access=ALL-UNNAMED", "-jar", CustosProcess.JAR.toString(), "operator", "unseal", "--output", "json");
      viaStdin.environment().putAll(env);
      Process p = viaStdin.start();
      p.getOutputStream().write((shares.get(2) + "\n").getBytes());
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).isZero();
      assertThat(JSON.readTree(out).get("sealed").asBoolean()).isFalse();

      CustosProcess health = CustosProcess.run(env, "status", "--output", "json");
      assertThat(JSON.readTree(health.stdout()).get("state").asText()).isEqualTo("unsealed");

      // Sealing needs operator:seal: refused without credentials or with a forged token, allowed to the root token.
      CustosProcess seal = CustosProcess.run(env, "operator", "seal");
      assertThat(seal.exit()).isEqualTo(1);
      assertThat(seal.stderr()).contains("HTTP 401", "missing, invalid, expired or revoked credentials");
      Map<String, String> forged = new java.util.HashMap<>(env);
      forged.put("CUSTOS_TOKEN", "cus." + "A".repeat(43));
      assertThat(CustosProcess.run(forged, "operator", "seal").stderr()).contains("HTTP 401");
      Map<String, String> root = new java.util.HashMap<>(env);
      root.put("CUSTOS_TOKEN", rootToken);
      CustosProcess sealed = CustosProcess.run(root, "operator", "seal");
      assertThat(sealed.exit()).as(sealed.stderr()).isZero();
      assertThat(JSON.readTree(CustosProcess.run(env, "operator", "status", "--output", "json").stdout())
          .get("sealed").asBoolean()).isTrue();
      assertThat(server.terminate()).isZero();
    }

    try (CustosProcess server = startServer(data, cert, key)) {
      Map<String, String> env = env(server, cert);
      CustosProcess after = CustosProcess.run(env, "operator", "status", "--output", "json");
      JsonNode s = JSON.readTree(after.stdout());
      assertThat(s.get("initialized").asBoolean()).isTrue();
      assertThat(s.get("sealed").asBoolean()).isTrue();
      assertThat(server.terminate()).isZero();
    }

    CustosProcess export = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "audit", "export");
    assertThat(export.exit()).as(export.stderr()).isZero();
    assertThat(export.stdout()).contains("\"action\":\"operator.init\"", "\"action\":\"operator.unseal\"",
        "\"action\":\"operator.seal\"");
    for (String share : shares) {
      assertThat(export.stdout()).doesNotContain(share.substring("custos-share-v1:".length()));
    }
    assertThat(export.stdout()).doesNotContain(rootToken);
    CustosProcess verify = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "audit", "verify");
    assertThat(verify.exit()).as(verify.stderr()).isZero();
  }

  private static java.security.KeyPair keyPair(String algorithm, java.security.spec.AlgorithmParameterSpec spec, int bits)
      throws Exception {
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance(algorithm);
    if (spec != null) {
      g.initialize(spec);
    } else {
      g.initialize(bits);
    }
    return g.generateKeyPair();
  }

  private static void writePem(Path file, String label, byte[] der) throws Exception {
    String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
    java.nio.file.Files.writeString(file, "-----BEGIN " + label + "-----\n" + b64 + "\n-----END " + label + "-----\n");
  }

  private static String sha256Hex(byte[] der) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(der));
  }

  @Test
  @DisplayName("SS-002 11.3.7 — init with custodian keys: each share encrypted to one custodian, unsealed with their private keys")
  void custodianKeys() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    CustosProcess.selfSignedLoopbackCertificate(cert, key);
    // Three custodians: RSA-3072 and P-384 public keys made here, and a P-256 certificate made by openssl.
    java.security.KeyPair rsa = keyPair("RSA", null, 3072);
    java.security.KeyPair p384 = keyPair("EC", new java.security.spec.ECGenParameterSpec("secp384r1"), 0);
    Path aPub = dir.resolve("alice.pub.pem");
    Path aKey = dir.resolve("alice.key.pem");
    Path bPub = dir.resolve("bob.pub.pem");
    Path bKey = dir.resolve("bob.key.pem");
    Path cCert = dir.resolve("carol.crt");
    Path cKey = dir.resolve("carol.key");
    writePem(aPub, "PUBLIC KEY", rsa.getPublic().getEncoded());
    writePem(aKey, "PRIVATE KEY", rsa.getPrivate().getEncoded());
    writePem(bPub, "PUBLIC KEY", p384.getPublic().getEncoded());
    writePem(bKey, "PRIVATE KEY", p384.getPrivate().getEncoded());
    CustosProcess.selfSignedLoopbackCertificate(cCert, cKey);
    String keys = aPub + "," + bPub + "," + cCert;
    Path data = dir.resolve("data");
    List<String> shares = new ArrayList<>();
    String carolsShare;

    try (CustosProcess server = startServer(data, cert, key)) {
      Map<String, String> env = env(server, cert);
      CustosProcess tooFew = CustosProcess.run(env, "operator", "init", "--shares", "3", "--threshold", "2",
          "--custodian-keys", aPub + "," + bPub);
      assertThat(tooFew.exit()).isEqualTo(2);
      assertThat(tooFew.stderr()).contains("names 2 files for 3 shares");
      CustosProcess privateGiven = CustosProcess.run(env, "operator", "init", "--shares", "3", "--threshold", "2",
          "--custodian-keys", aPub + "," + bKey + "," + cCert);
      assertThat(privateGiven.exit()).isEqualTo(2);
      assertThat(privateGiven.stderr()).contains("never the private key");
      CustosProcess stillNew = CustosProcess.run(env, "operator", "status", "--output", "json");
      assertThat(JSON.readTree(stillNew.stdout()).get("initialized").asBoolean()).isFalse();

      CustosProcess init = CustosProcess.run(env, "operator", "init", "--shares", "3", "--threshold", "2",
          "--custodian-keys", keys, "--output", "json");
      assertThat(init.exit()).as(init.stderr()).isZero();
      JsonNode r = JSON.readTree(init.stdout());
      r.get("shares").forEach(s -> shares.add(s.asText()));
      assertThat(shares).hasSize(3).allMatch(s -> s.startsWith("custos-share-enc-v1:"));
      assertThat(r.get("threshold").asInt()).isEqualTo(2);
      assertThat(r.get("root_token").asText()).startsWith("cus.");
      assertThat(r.get("encrypted_to")).hasSize(3);
      assertThat(r.get("encrypted_to").get(0).asText()).isEqualTo(sha256Hex(rsa.getPublic().getEncoded()));
      assertThat(r.get("encrypted_to").get(1).asText()).isEqualTo(sha256Hex(p384.getPublic().getEncoded()));

      CustosProcess noKey = CustosProcess.run(env, "operator", "unseal", shares.get(0));
      assertThat(noKey.exit()).isEqualTo(2);
      assertThat(noKey.stderr()).contains("pass --custodian-key");
      CustosProcess wrongKey = CustosProcess.run(env, "operator", "unseal", "--custodian-key", bKey.toString(), shares.get(0));
      assertThat(wrongKey.exit()).isEqualTo(1);
      assertThat(wrongKey.stderr()).contains("this share is encrypted to another key (SPKI sha256 "
          + r.get("encrypted_to").get(0).asText());
      CustosProcess missingKey = CustosProcess.run(env, "operator", "unseal", "--custodian-key",
          dir.resolve("nope.pem").toString(), shares.get(0));
      assertThat(missingKey.exit()).isEqualTo(2);

      CustosProcess first = CustosProcess.run(env, "operator", "unseal", "--custodian-key", aKey.toString(),
          shares.get(0), "--output", "json");
      assertThat(first.exit()).as(first.stderr()).isZero();
      assertThat(JSON.readTree(first.stdout()).get("progress").asInt()).isEqualTo(1);

      // A custodian who unseals by another route decrypts their share offline: only the share on stdout.
      CustosProcess decrypted = CustosProcess.run(Map.of(), "operator", "decrypt-share", "--custodian-key",
          cKey.toString(), shares.get(2));
      assertThat(decrypted.exit()).as(decrypted.stderr()).isZero();
      assertThat(decrypted.out).hasSize(1);
      carolsShare = decrypted.stdout().strip();
      assertThat(carolsShare).startsWith("custos-share-v1:");

      // Bob's encrypted share on stdin, decrypted by the CLI with his P-384 key.
      ProcessBuilder viaStdin = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
          "--enable-native-access=ALL-UNNAMED", "-jar", CustosProcess.JAR.toString(), "operator", "unseal",
          "--custodian-key", bKey.toString(), "--output", "json");
      viaStdin.environment().putAll(env);
      Process p = viaStdin.start();
      p.getOutputStream().write((shares.get(1) + "\n").getBytes());
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes());
      String err = new String(p.getErrorStream().readAllBytes());
      assertThat(p.waitFor()).as(err).isZero();
      assertThat(JSON.readTree(out).get("sealed").asBoolean()).isFalse();

      CustosProcess health = CustosProcess.run(env, "operator", "status", "--output", "json");
      assertThat(JSON.readTree(health.stdout()).get("sealed").asBoolean()).isFalse();
      assertThat(server.terminate()).isZero();
    }

    CustosProcess export = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "audit", "export");
    assertThat(export.exit()).as(export.stderr()).isZero();
    assertThat(export.stdout()).contains("\"action\":\"operator.init\"", "custodian_keys");
    assertThat(export.stdout()).doesNotContain(carolsShare.substring("custos-share-v1:".length()));
    for (String share : shares) {
      assertThat(export.stdout()).doesNotContain(share.substring("custos-share-enc-v1:".length(), 60));
    }
  }
}
