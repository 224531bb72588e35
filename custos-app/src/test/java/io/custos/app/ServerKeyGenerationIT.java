package io.custos.app;

import static io.custos.app.CliRun.custos;
import static io.custos.app.CliRun.ok;
import static io.custos.app.CliRun.openssl;
import static io.custos.app.CliRun.pemBlocks;
import static org.assertj.core.api.Assertions.assertThat;

import io.custos.app.CliRun.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server-side key generation (SS-002 11.1.2) against real tools: the dev server generates the
 * key, {@code custos cert issue --generate-key} writes it encrypted (0600), {@code openssl pkcs8}
 * decrypts it with the password file, its public key is the certificate's and the chain passes
 * {@code openssl verify}; a key wrapped for an openssl-made RSA key opens with {@code cert open-key}.
 */
class ServerKeyGenerationIT {
  @TempDir Path dir;

  /** The public key of {@code cert} and of the plain key, as openssl prints them. */
  private void assertSamePublicKey(Path plainKey, Path leaf) throws Exception {
    String fromKey = ok(openssl("pkey", "-in", plainKey.toString(), "-pubout")).out();
    String fromCert = ok(openssl("x509", "-in", leaf.toString(), "-noout", "-pubkey")).out();
    assertThat(fromKey).startsWith("-----BEGIN PUBLIC KEY-----").isEqualTo(fromCert);
  }

  private void assertChainVerifies(Path bundle, String name) throws Exception {
    List<String> blocks = pemBlocks(Files.readString(bundle));
    assertThat(blocks).hasSize(3);
    Path leaf = dir.resolve(name + "-leaf.pem");
    Path issuing = dir.resolve(name + "-issuing.pem");
    Path root = dir.resolve(name + "-root.pem");
    Files.writeString(leaf, blocks.get(0));
    Files.writeString(issuing, blocks.get(1));
    Files.writeString(root, blocks.get(2));
    Run verified = openssl("verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", root.toString(), "-untrusted",
        issuing.toString(), leaf.toString());
    assertThat(verified.out()).as(verified.err()).contains(": OK");
  }

  @Test
  @DisplayName("SS-002 11.1.2 — a server-generated key decrypts with openssl pkcs8 and the password file, matches the certificate, and the chain verifies")
  void generatedKeyWithRealTools() throws Exception {
    try (CustosProcess server = CustosProcess.start(Map.of(), "--data-dir", dir.resolve("data").toString(),
        "server", "--dev", "--dev-root-token", "T", "--listen", "127.0.0.1:0")) {
      String line = server.await(server.out, l -> l.trim().startsWith("Address:"), CustosProcess.START_TIMEOUT);
      server.await(server.out, l -> l.contains("custos cert issue --ca dev-issuing"), CustosProcess.START_TIMEOUT);
      Map<String, String> env = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim(), "CUSTOS_TOKEN", "T");

      Path pw = dir.resolve("key.pw");
      Files.writeString(pw, "a passphrase of more than sixteen characters\n");
      Path key = dir.resolve("laptop.key");
      Path bundle = dir.resolve("laptop.pem");
      ok(custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-client", "--generate-key", "ecdsa-p256",
          "--subject", "CN=laptop-17.example.com,O=Example Ltd", "--dns", "laptop-17.example.com", "--ip", "10.0.0.17",
          "--owner", "dev-root", "--key-password-file", pw.toString(), "--key-out", key.toString(), "--out",
          bundle.toString()));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
      assertThat(Files.readString(key)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
      Run params = ok(openssl("asn1parse", "-in", key.toString()));
      assertThat(params.out()).contains("PBES2").contains("PBKDF2").contains("hmacWithSHA256").contains("aes-256-cbc")
          .contains(":0927C0"); // 600,000 iterations
      Path plain = dir.resolve("laptop.pk8");
      ok(openssl("pkcs8", "-in", key.toString(), "-passin", "file:" + pw, "-out", plain.toString()));
      Path leaf = dir.resolve("laptop-leaf.pem");
      Files.writeString(leaf, pemBlocks(Files.readString(bundle)).getFirst());
      assertSamePublicKey(plain, leaf);
      assertChainVerifies(bundle, "laptop");
      Path wrong = dir.resolve("wrong.pw");
      Files.writeString(wrong, "not the passphrase at all, sorry\n");
      assertThat(openssl("pkcs8", "-in", key.toString(), "-passin", "file:" + wrong, "-out",
          dir.resolve("nope.pk8").toString()).exit()).isNotZero();

      // Wrapped for the requester's own RSA-3072 key (made by openssl), opened offline with cert open-key.
      Path mine = dir.resolve("mine.key");
      Path minePub = dir.resolve("mine.pub");
      ok(openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", mine.toString()));
      ok(openssl("pkey", "-in", mine.toString(), "-pubout", "-out", minePub.toString()));
      Path wrapped = dir.resolve("device.wrapped");
      Path bundle2 = dir.resolve("device.pem");
      ok(custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-client", "--generate-key", "ed25519",
          "--subject", "CN=device-9.example.com", "--dns", "device-9.example.com", "--owner", "dev-root",
          "--wrap-for", minePub.toString(), "--key-out", wrapped.toString(), "--out", bundle2.toString()));
      assertThat(Files.readString(wrapped)).startsWith("custos-share-enc-v1:");
      Path opened = dir.resolve("device.pk8");
      ok(custos(Map.of(), "cert", "open-key", "--in", wrapped.toString(), "--key", mine.toString(), "--out",
          opened.toString()));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(opened))).isEqualTo("rw-------");
      Path leaf2 = dir.resolve("device-leaf.pem");
      Files.writeString(leaf2, pemBlocks(Files.readString(bundle2)).getFirst());
      assertSamePublicKey(opened, leaf2);
      assertChainVerifies(bundle2, "device");

      // Where the profile does not allow it, nothing is made and the control is named.
      Run refused = custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-server", "--generate-key",
          "ecdsa-p256", "--subject", "CN=web.example.com", "--dns", "web.example.com", "--owner", "dev-root",
          "--key-password-file", pw.toString(), "--key-out", dir.resolve("web.key").toString());
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.err()).contains("SS-002 11.1.2");
      assertThat(dir.resolve("web.key")).doesNotExist();
      Run existing = custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-client", "--generate-key",
          "ecdsa-p256", "--subject", "CN=x.example.com", "--owner", "dev-root", "--key-password-file", pw.toString(),
          "--key-out", key.toString());
      assertThat(existing.exit()).isNotZero();
      assertThat(existing.err()).contains("never overwritten");
    }
  }

  @Test
  @DisplayName("SS-002 11.1.6, 11.1.8 — custom profile from the CLI: put from YAML, listed, in the CPS, issues with its policy OID and EKU (openssl), bad documents refused, deleted")
  void customProfileWithRealTools() throws Exception {
    try (CustosProcess server = CustosProcess.start(Map.of(), "--data-dir", dir.resolve("data").toString(),
        "server", "--dev", "--dev-root-token", "T", "--listen", "127.0.0.1:0")) {
      String line = server.await(server.out, l -> l.trim().startsWith("Address:"), CustosProcess.START_TIMEOUT);
      server.await(server.out, l -> l.contains("custos cert issue --ca dev-issuing"), CustosProcess.START_TIMEOUT);
      Map<String, String> env = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim(), "CUSTOS_TOKEN", "T");

      Path doc = dir.resolve("partner.yaml");
      Files.writeString(doc, """
          description: Partner API clients
          key_algorithms: [ecdsa-p256, ecdsa-p384]
          key_usage: [digitalSignature]
          extended_key_usage: [clientAuth]
          san_types: [dns]
          require_san: true
          required_subject_fields: [CN, O]
          max_lifetime: 30d
          policy_oids: [1.3.6.1.4.1.99999.42.1]
          server_keygen: true
          """);
      ok(custos(env, "ca", "profile", "put", "partner", "--file", doc.toString()));
      String list = ok(custos(env, "ca", "profile", "list", "--output", "json")).out();
      assertThat(list).contains("\"partner\"").contains("\"api\"").contains("\"built-in\"");
      assertThat(ok(custos(env, "ca", "profile", "show", "partner")).out()).contains("1.3.6.1.4.1.99999.42.1");
      assertThat(ok(custos(env, "ca", "cps", "dev-issuing")).out()).contains("partner").contains("1.3.6.1.4.1.99999.42.1");

      Path pw = dir.resolve("pw");
      Files.writeString(pw, "partner passphrase, long enough\n");
      Path bundle = dir.resolve("partner.pem");
      ok(custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "partner", "--generate-key", "ecdsa-p384",
          "--subject", "CN=api.partner.example,O=Partner Ltd", "--dns", "api.partner.example", "--owner", "dev-root",
          "--key-password-file", pw.toString(), "--key-out", dir.resolve("partner.key").toString(), "--validity", "20d",
          "--out", bundle.toString()));
      Path leaf = dir.resolve("partner-leaf.pem");
      Files.writeString(leaf, pemBlocks(Files.readString(bundle)).getFirst());
      String text = ok(openssl("x509", "-in", leaf.toString(), "-noout", "-text")).out();
      assertThat(text).contains("Policy: 1.3.6.1.4.1.99999.42.1").contains("TLS Web Client Authentication")
          .doesNotContain("TLS Web Server Authentication");
      assertChainVerifies(bundle, "partner");

      Path bad = dir.resolve("bad.yaml");
      Files.writeString(bad, "key_algorithms: [rsa]\nmin_rsa_bits: 1024\nkey_usage: [digitalSignature]\n"
          + "extended_key_usage: [serverAuth, codeSigning]\nmax_lifetime: 3y\n");
      Run refused = custos(env, "ca", "profile", "put", "bad", "--file", bad.toString());
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.err()).contains("SS-002 11.3.9").contains("SS-002 11.3.3").contains("SS-002 11.1.9");
      Run builtIn = custos(env, "ca", "profile", "put", "tls-server", "--file", doc.toString());
      assertThat(builtIn.exit()).isNotZero();
      assertThat(builtIn.err()).contains("built in");

      ok(custos(env, "ca", "profile", "delete", "partner"));
      assertThat(custos(env, "ca", "profile", "show", "partner").exit()).isNotZero();
    }
  }
}
