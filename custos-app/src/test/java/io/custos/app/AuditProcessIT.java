package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log end to end: a real server, the CLI, exported files and an offline store. */
class AuditProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  @DisplayName("SS-002 11.7.1 — the log verifies live, exported and offline; a one-character change is caught")
  void exportVerifyAndTamper() throws Exception {
    Path data = dir.resolve("data");
    try (CustosProcess server = CustosProcess.start(Map.of(), "--data-dir", data.toString(),
        "server", "--dev", "--listen", "127.0.0.1:0")) {
      String line = server.await(server.out, l -> l.trim().startsWith("Address:"), CustosProcess.START_TIMEOUT);
      Map<String, String> env = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim());

      // Reading the log is itself audited, so each call below adds events.
      CustosProcess hash = CustosProcess.run(env, "audit", "hash", "s.secret-token");
      assertThat(hash.exit()).as(hash.stderr()).isZero();
      assertThat(hash.stdout()).matches("hmac-sha256:[0-9a-f]{64}");
      assertThat(CustosProcess.run(env, "audit", "hash", "s.secret-token").stdout()).isEqualTo(hash.stdout());

      CustosProcess live = CustosProcess.run(env, "audit", "verify");
      assertThat(live.exit()).as(live.stderr()).isZero();
      assertThat(live.stdout()).contains("audit log verified:");

      CustosProcess export = CustosProcess.run(env, "audit", "export");
      assertThat(export.exit()).as(export.stderr()).isZero();
      Path file = Files.writeString(dir.resolve("log.jsonl"), export.stdout() + "\n");
      List<String> lines = Files.readAllLines(file);
      assertThat(lines.getFirst()).contains("\"action\":\"server.start\"");
      assertThat(String.join("\n", lines)).doesNotContain("s.secret-token");

      CustosProcess pem = CustosProcess.run(env, "audit", "public-key");
      assertThat(pem.stdout()).startsWith("-----BEGIN PUBLIC KEY-----");
      Path key = Files.writeString(dir.resolve("audit.pem"), pem.stdout() + "\n");

      CustosProcess prove = CustosProcess.run(env, "audit", "prove", "1", "--output", "json");
      assertThat(prove.exit()).as(prove.stderr()).isZero();
      assertThat(JSON.readTree(prove.stdout()).get("seq").asLong()).isEqualTo(1);
      CustosProcess consistency = CustosProcess.run(env, "audit", "consistency", "1", "3");
      assertThat(consistency.exit()).as(consistency.stderr()).isZero();
      assertThat(consistency.stdout()).contains("Verified", "true");

      CustosProcess rotate = CustosProcess.run(env, "operator", "rotate");
      assertThat(rotate.exit()).as(rotate.stderr()).isZero();
      assertThat(rotate.stdout()).contains("Barrier key version 2");
      CustosProcess tail = CustosProcess.run(env, "audit", "tail", "-n", "3", "--output", "json");
      assertThat(tail.exit()).as(tail.stderr()).isZero();
      assertThat(JSON.readTree(tail.stdout())).hasSize(3);
      CustosProcess search = CustosProcess.run(env, "audit", "search", "--action", "audit.*", "--outcome", "ok",
          "--since", "1h", "--output", "csv");
      assertThat(search.exit()).as(search.stderr()).isZero();
      assertThat(search.stdout().lines().findFirst()).hasValue("Seq,Time,Principal,Action,Resource,Outcome,Control");
      assertThat(search.stdout().lines().skip(1)).isNotEmpty().allSatisfy(l -> assertThat(l).contains(",audit."));
      CustosProcess report = CustosProcess.run(env, "audit", "report", "--principal", "dev-root", "--since", "1d");
      assertThat(report.exit()).as(report.stderr()).isZero();
      assertThat(report.stdout()).contains("Principal dev-root since", "audit.hash", "Denials: 0");
      CustosProcess badFilter = CustosProcess.run(env, "audit", "search", "--outcome", "maybe");
      assertThat(badFilter.exit()).isEqualTo(1);
      assertThat(badFilter.stderr()).contains("outcome must be ok, denied or error");

      assertThat(server.terminate()).isZero();
      // The final checkpoint is signed at shutdown, so the exported file may have an unverified tail;
      // the offline store is complete.
      CustosProcess offline = CustosProcess.run(Map.of(), "--data-dir", data.toString(), "audit", "verify");
      assertThat(offline.exit()).as(offline.stderr()).isZero();
      assertThat(offline.stdout()).contains("audit log verified:").doesNotContain("not yet under a checkpoint");

      CustosProcess fromFile = CustosProcess.run(Map.of(), "audit", "verify", "--file", file.toString(),
          "--public-key", key.toString());
      assertThat(fromFile.exit()).as(fromFile.stderr()).isZero();

      // Change one character of event 2's action: caught at seq 2.
      List<String> tampered = new ArrayList<>(lines);
      int second = 0;
      for (int i = 0, events = 0; i < tampered.size(); i++) {
        if (!tampered.get(i).startsWith("{\"checkpoint\"") && ++events == 2) {
          second = i;
          break;
        }
      }
      JsonNode e2 = JSON.readTree(tampered.get(second));
      String action = e2.get("action").asText();
      tampered.set(second, tampered.get(second).replace("\"action\":\"" + action + "\"",
          "\"action\":\"" + action.replace('a', 'b') + "\""));
      Path bad = Files.write(dir.resolve("bad.jsonl"), (String.join("\n", tampered) + "\n").getBytes(StandardCharsets.UTF_8));
      CustosProcess caught = CustosProcess.run(Map.of(), "audit", "verify", "--file", bad.toString(),
          "--public-key", key.toString());
      assertThat(caught.exit()).isEqualTo(1);
      // A signed root pins down the range since the previous checkpoint; here events 1..3.
      assertThat(caught.stderr()).contains("FAILED verification at seq 1: events 1..");
    }
  }
}
