package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line, in process: help, version, completion and usage errors. */
class CliTest {
  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  @DisplayName("--help lists the commands and the exit codes")
  void help() {
    Run r = run("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("server", "status", "completion", "--output", "--data-dir", "Exit codes");
  }

  @Test
  @DisplayName("--version names the release and the commit")
  void version() {
    Run r = run("--version");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("custos " + VersionInfo.CURRENT.version() + " (commit ");
    assertThat(VersionInfo.CURRENT.version()).doesNotContain("${");
  }

  @Test
  @DisplayName("completion bash prints a bash completion script covering the subcommands")
  void completion() {
    Run r = run("completion", "bash");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("complete -F", "server", "status", "--tls-cert");
  }

  @Test
  @DisplayName("usage errors exit 2 with a message")
  void usageErrors() {
    assertThat(run("bogus").exit()).isEqualTo(2);
    Run badOutput = run("status", "--output", "xml");
    assertThat(badOutput.exit()).isEqualTo(2);
    assertThat(badOutput.err()).contains("--output");
    assertThat(run("completion", "fish").exit()).isEqualTo(2);
  }

  @Test
  @DisplayName("a server without TLS outside dev mode is a configuration error (exit 2)")
  void serverWithoutTls() {
    Run r = run("server", "--listen", "127.0.0.1:0");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("custos: outside dev mode the server needs TLS (SS-002 11.3.4)");
  }
}
