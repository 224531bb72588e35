package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dual control from the command line, against a dev server configured to need approvals for backups. */
class ApprovalProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  private static Run run(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-jar", CustosProcess.JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("CUSTOS_"));
    pb.environment().put("CUSTOS_TOKEN_FILE", "/nonexistent/custos-token");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
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
    assertThat(r.exit()).as(r.err()).isZero();
    return r;
  }

  @Test
  @DisplayName("key backup asks for approval (exit 1, id printed); the requester cannot approve; a denial ends it")
  void backupNeedsApproval() throws Exception {
    try (CustosProcess server = CustosProcess.start(Map.of("CUSTOS_ACCESS_APPROVALS", "kms:backup=2"),
        "--data-dir", dir.resolve("data").toString(), "server", "--dev", "--listen", "127.0.0.1:0")) {
      String line = server.await(server.out, l -> l.trim().startsWith("Address:"), Duration.ofSeconds(30));
      Map<String, String> env = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim());
      ok(run(env, "key", "create", "k", "--purpose", "encrypt", "--algorithm", "aes-256-gcm", "--owner", "alice"));
      ok(run(env, "key", "create", "kek", "--purpose", "wrap", "--algorithm", "aes-256-kwp", "--owner", "alice"));

      Run asked = run(env, "key", "backup", "k", "--wrap-with", "kek");
      assertThat(asked.exit()).isEqualTo(1);
      assertThat(asked.out()).isEmpty();
      Matcher m = Pattern.compile("approval requested: ([0-9a-f]{32}) \\(needs 2 approvals\\)").matcher(asked.err());
      assertThat(m.find()).as(asked.err()).isTrue();
      String id = m.group(1);

      JsonNode list = JSON.readTree(ok(run(env, "approval", "list", "--status", "pending", "--output", "json")).out());
      assertThat(list).hasSize(1);
      assertThat(list.get(0).get("capability").asText()).isEqualTo("kms:backup");
      assertThat(ok(run(env, "approval", "show", id)).out()).contains("kms:backup", "keys/k", "0 of 2");

      // The dev root asked, so the dev root may not approve.
      Run self = run(env, "approval", "approve", id);
      assertThat(self.exit()).isEqualTo(1);
      assertThat(self.err()).contains("HTTP 403", "SS-002 11.3.11", "requester-not-approver");

      assertThat(ok(run(env, "approval", "deny", id, "--reason", "no change ticket")).out()).contains("Denied " + id);
      Run again = run(env, "key", "backup", "k", "--wrap-with", "kek", "--approval", id);
      assertThat(again.exit()).isEqualTo(1);
      assertThat(again.err()).contains("HTTP 409", "denied", "no change ticket");
    }
  }
}
