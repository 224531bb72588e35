package io.custos.app;

import static io.custos.app.CliRun.custos;
import static io.custos.app.CliRun.exec;
import static io.custos.app.CliRun.ok;
import static io.custos.app.CliRun.openssl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.app.CliRun.Run;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key compromise through the CLI against a running dev server (issue 8): the recovery plan, a
 * leaf key declared compromised from its certificate file, and the dev issuing CA's key — marked
 * availability-first in the configuration — declared only with the override, after which the CA
 * issues nothing.
 */
class CompromiseProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private Path csr(String name, String cn) throws Exception {
    Path req = dir.resolve(name + ".csr");
    ok(exec(Map.of(), List.of("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", dir.resolve(name + ".key").toString(), "-out", req.toString(), "-subj", "/CN=" + cn,
        "-addext", "subjectAltName=DNS:" + cn)));
    return req;
  }

  @Test
  @DisplayName("SS-002 11.6.1–11.6.3 — compromise plan and declare through the CLI: a leaf key by its certificate, then "
      + "the availability-first issuing CA only with the override; the CA then refuses to issue")
  void planAndDeclare() throws Exception {
    Map<String, String> serverEnv = Map.of("CUSTOS_COMPROMISE_AVAILABILITY_FIRST", "dev-issuing",
        "CUSTOS_COMPROMISE_CONTACTS", "Security Operations <soc@example.com>");
    try (CustosProcess server = CustosProcess.start(serverEnv, "--data-dir", dir.resolve("data").toString(),
        "server", "--dev", "--dev-root-token", "T", "--listen", "127.0.0.1:0")) {
      String line = server.await(server.out, l -> l.trim().startsWith("Address:"), CustosProcess.START_TIMEOUT);
      server.await(server.out, l -> l.contains("custos cert issue --ca dev-issuing"), CustosProcess.START_TIMEOUT);
      Map<String, String> env = Map.of("CUSTOS_ADDR", line.substring(line.indexOf("http")).trim(), "CUSTOS_TOKEN", "T");
      Path leaf = dir.resolve("leaf.pem");
      ok(custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-server", "--csr",
          csr("leaf", "app.example.com").toString(), "--owner", "dev-root", "--out", leaf.toString()));
      ok(custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-server", "--csr",
          csr("other", "other.example.com").toString(), "--owner", "dev-root"));

      String md = ok(custos(env, "compromise", "plan", "--ca", "dev-issuing")).out();
      assertThat(md).contains("# Key compromise recovery plan — CA dev-issuing").contains("Security Operations")
          .contains("Availability first");
      for (String part : List.of("a", "b", "c", "d", "e", "f", "g", "h")) {
        assertThat(md).contains("## \\(" + part + "\\)");
      }
      JsonNode plan = JSON.readTree(ok(custos(env, "compromise", "plan", "--ca", "dev-issuing", "--format", "json")).out());
      assertThat(plan.get("parts")).hasSize(8);
      assertThat(ok(custos(env, "compromise", "plan", "--key", "ca.dev-issuing", "--format", "html")).out())
          .startsWith("<!DOCTYPE html>");

      JsonNode leafDone = JSON.readTree(ok(custos(env, "--output", "json", "compromise", "declare", "--public-key",
          leaf.toString(), "--reason", "key left on a build agent")).out());
      assertThat(leafDone.get("certificates_revoked").get("dev-issuing")).hasSize(1);
      String serial = leafDone.get("certificates_revoked").get("dev-issuing").get(0).asText();
      assertThat(JSON.readTree(ok(custos(env, "--output", "json", "cert", "show", serial)).out()).get("status").asText())
          .isEqualTo("revoked");

      Run refused = custos(env, "compromise", "declare", "--key", "ca.dev-issuing", "--reason", "suspected");
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.err()).contains("SS-002 11.6.2").contains("--override-availability");
      String caDone = ok(custos(env, "compromise", "declare", "--key", "ca.dev-issuing", "--reason", "confirmed",
          "--override-availability")).out();
      assertThat(caDone).contains("revoked in CA dev-root").contains("revoked in CA dev-issuing")
          .contains("ca.dev-issuing");
      Run issue = custos(env, "cert", "issue", "--ca", "dev-issuing", "--profile", "tls-server", "--csr",
          csr("late", "late.example.com").toString(), "--owner", "dev-root");
      assertThat(issue.exit()).isNotZero();
      assertThat(issue.err()).contains("SS-002 11.6.1");
      assertThat(ok(custos(env, "audit", "search", "--action", "compromise.declare")).out()).contains("compromise.declare");
    }
  }
}
