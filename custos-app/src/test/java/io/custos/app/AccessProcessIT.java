package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Principals, policies, login and revocation against a real dev server process, all through the CLI. */
class AccessProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROOT = "dev-root-for-access-it";
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  /** Runs {@code custos args} with {@code stdin} piped in; no token unless {@code env} gives one. */
  private static Run run(Map<String, String> env, String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-jar", CustosProcess.JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("CUSTOS_"));
    pb.environment().put("CUSTOS_TOKEN_FILE", "/nonexistent/custos-token");
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("custos " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), new String(out.get(), StandardCharsets.UTF_8), new String(err.get(), StandardCharsets.UTF_8));
  }

  private static byte[] readAll(java.io.InputStream in) {
    try {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      return new byte[0];
    }
  }

  private static Run ok(Run r) {
    assertThat(r.exit()).as(r.out() + "\n" + r.err()).isZero();
    return r;
  }

  private static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> m = new HashMap<>(base);
    m.put(key, value);
    return m;
  }

  @Test
  @DisplayName("crypto officer and machine principals, login with 0600 token files, a custom policy allows keys/app-* "
      + "and denies the rest, revoking the machine refuses its very next request")
  void accessFromTheCommandLine() throws Exception {
    try (CustosProcess server = CustosProcess.start(Map.of(), "--data-dir", dir.resolve("data").toString(),
        "server", "--dev", "--dev-root-token", ROOT, "--listen", "127.0.0.1:0")) {
      String line = server.await(server.out, l -> l.trim().startsWith("Address:"), Duration.ofSeconds(30));
      Map<String, String> addr = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim());
      Map<String, String> root = with(addr, "CUSTOS_TOKEN", ROOT);

      ok(run(root, "", "principal", "create", "alice", "--kind", "person", "--name", "Alice Example",
          "--contact", "alice@example.com", "--role", "crypto-officer"));
      Path policy = dir.resolve("app-encrypt.yaml");
      Files.writeString(policy, """
          description: the app service encrypts under its own keys
          grants:
            - capability: kms:encrypt
              resource: keys/app-*
          """);
      assertThat(ok(run(root, "", "policy", "write", "app-encrypt", policy.toString())).out()).contains("version 1");
      Path bad = dir.resolve("bad.yaml");
      Files.writeString(bad, "grants:\n  - capability: kms:encrypt\n    resource: keys/a\n    colour: blue\n");
      Run refused = run(root, "", "policy", "write", "bad", bad.toString());
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.err()).contains("line 4", "unknown field 'colour'");
      ok(run(root, "", "principal", "create", "svc", "--kind", "machine", "--name", "App service",
          "--contact", "ops@example.com", "--policy", "app-encrypt"));
      for (String key : List.of("app-1", "other")) {
        ok(run(root, "", "key", "create", key, "--purpose", "encrypt", "--algorithm", "aes-256-gcm", "--owner", "alice"));
      }

      String aliceToken = JSON.readTree(ok(run(root, "", "token", "create", "--principal", "alice", "--ttl", "1h",
          "--output", "json")).out()).get("token").asText();
      String svcToken = JSON.readTree(ok(run(root, "", "token", "create", "--principal", "svc", "--output", "json"))
          .out()).get("token").asText();

      // login: the token from stdin, verified, stored 0600 in a 0700 directory it creates
      Path aliceFile = dir.resolve("alice-home/.custos/token");
      Map<String, String> alice = with(addr, "CUSTOS_TOKEN_FILE", aliceFile.toString());
      Run login = ok(run(alice, aliceToken + "\n", "login"));
      assertThat(login.out()).contains("Logged in as alice", "crypto-officer").doesNotContain(aliceToken);
      assertThat(Files.readString(aliceFile).trim()).isEqualTo(aliceToken);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(aliceFile))).isEqualTo("rw-------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(aliceFile.getParent()))).isEqualTo("rwx------");
      assertThat(ok(run(alice, "", "key", "show", "app-1")).out()).contains("app-1");
      assertThat(run(alice, "", "principal", "list").exit()).isEqualTo(1);

      Path svcFile = dir.resolve("svc-home/.custos/token");
      Map<String, String> svc = with(addr, "CUSTOS_TOKEN_FILE", svcFile.toString());
      assertThat(run(svc, "cus.forged-token-that-is-not-real\n", "login").exit()).isEqualTo(1);
      assertThat(Files.exists(svcFile)).isFalse();
      ok(run(svc, "", "login", svcToken));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(svcFile))).isEqualTo("rw-------");
      assertThat(ok(run(svc, "", "token", "lookup")).out()).contains("svc", "app-encrypt");

      assertThat(ok(run(svc, "hello", "key", "encrypt", "app-1")).out()).startsWith("custos:v1:app-1:1:");
      Run denied = run(svc, "hello", "key", "encrypt", "other");
      assertThat(denied.exit()).isEqualTo(1);
      assertThat(denied.err()).contains("HTTP 403", "no grant of kms:encrypt on keys/other", "implicit deny");

      JsonNode review = JSON.readTree(ok(run(root, "", "access", "review", "--output", "json")).out());
      assertThat(review.get("principals").findValuesAsText("id")).contains("alice", "svc");
      assertThat(ok(run(root, "", "access", "review", "--output", "csv")).out())
          .startsWith("Principal,Kind,Roles,Policies,Tokens");

      Run revoked = ok(run(root, "", "access", "revoke", "--principal", "svc"));
      assertThat(revoked.out()).contains("svc is disabled", "1 token(s)");
      Run after = run(svc, "hello", "key", "encrypt", "app-1");
      assertThat(after.exit()).isEqualTo(1);
      assertThat(after.err()).contains("HTTP 401");

      // logout forgets (and here revokes) alice's stored token
      ok(run(alice, "", "logout", "--revoke"));
      assertThat(Files.exists(aliceFile)).isFalse();
      assertThat(run(with(addr, "CUSTOS_TOKEN", aliceToken), "", "token", "lookup").err()).contains("HTTP 401");
    }
  }
}
