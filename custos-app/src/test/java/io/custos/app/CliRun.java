package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code custos} CLI (the built jar) and the real tools the process tests check it with
 * ({@code openssl}) as child processes, with no stdin and no inherited {@code CUSTOS_*} settings.
 */
final class CliRun {
  private CliRun() {}

  /** A finished command: exit status, standard output and standard error. */
  record Run(int exit, String out, String err) {}

  static Run exec(Map<String, String> env, List<String> cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("CUSTOS_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish");
    }
    return new Run(p.exitValue(), new String(out.get(), StandardCharsets.UTF_8),
        new String(err.get(), StandardCharsets.UTF_8));
  }

  /** {@code custos args} from the built jar, with {@code env} (e.g. CUSTOS_ADDR, CUSTOS_TOKEN). */
  static Run custos(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-jar", CustosProcess.JAR.toString()));
    cmd.addAll(List.of(args));
    return exec(env, cmd);
  }

  static Run openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    return exec(Map.of(), cmd);
  }

  /** The run, after asserting it exited 0 (its output is the failure message otherwise). */
  static Run ok(Run r) {
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    return r;
  }

  /** The certificates of a PEM bundle, each as its own PEM block, in order. */
  static List<String> pemBlocks(String pem) {
    List<String> out = new ArrayList<>();
    String end = "-----END CERTIFICATE-----";
    int at = 0;
    for (int b; (b = pem.indexOf("-----BEGIN CERTIFICATE-----", at)) >= 0; ) {
      int e = pem.indexOf(end, b) + end.length();
      out.add(pem.substring(b, e) + "\n");
      at = e;
    }
    return out;
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      return new byte[0];
    }
  }
}
