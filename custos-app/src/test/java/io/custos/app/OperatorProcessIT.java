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
    String line = server.await(server.err, l -> l.contains("listening on https://"), Duration.ofSeconds(30));
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

      // Sealing needs operator:seal, and no access policies exist yet: denied, naming the control.
      CustosProcess seal = CustosProcess.run(env, "operator", "seal");
      assertThat(seal.exit()).isEqualTo(1);
      assertThat(seal.stderr()).contains("HTTP 403", "SS-002 11.3.5");
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
}
