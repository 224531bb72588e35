package io.custos.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The built {@code custos.jar} run as a real process, its output collected line by line. */
final class CustosProcess implements AutoCloseable {
  static final Path JAR = Path.of(System.getProperty("custos.jar", "target/custos.jar"));
  private static final String JAVA = ProcessHandle.current().info().command().orElse("java");

  final Process process;
  final List<String> out = Collections.synchronizedList(new ArrayList<>());
  final List<String> err = Collections.synchronizedList(new ArrayList<>());
  private final Thread outReader;
  private final Thread errReader;

  private CustosProcess(Process p) {
    this.process = p;
    this.outReader = Thread.ofVirtual().start(() -> pump(p.getInputStream(), out));
    this.errReader = Thread.ofVirtual().start(() -> pump(p.getErrorStream(), err));
  }

  static CustosProcess start(Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("CUSTOS_"));
    pb.environment().put("CUSTOS_TOKEN_FILE", "/nonexistent/custos-token"); // never a token the machine has lying around
    pb.environment().putAll(env);
    return new CustosProcess(pb.start());
  }

  /** A self-signed P-256 certificate for 127.0.0.1 and its PKCS#8 key, made by openssl. */
  static void selfSignedLoopbackCertificate(Path cert, Path key) throws Exception {
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1").redirectErrorStream(true).start();
    String out = new String(openssl.getInputStream().readAllBytes());
    if (openssl.waitFor() != 0) {
      throw new AssertionError("openssl could not make a test certificate: " + out);
    }
  }

  /** Runs to completion (bounded) and returns the exit code. */
  static CustosProcess run(Map<String, String> env, String... args) throws Exception {
    CustosProcess p = start(env, args);
    if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
      p.process.destroyForcibly();
      throw new AssertionError("custos " + String.join(" ", args) + " did not finish");
    }
    p.outReader.join();
    p.errReader.join();
    return p;
  }

  /** Runs to completion (bounded) with {@code input} on stdin. */
  static CustosProcess runWithInput(Map<String, String> env, String input, String... args) throws Exception {
    CustosProcess p = start(env, args);
    try (var stdin = p.process.getOutputStream()) {
      stdin.write(input.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
      p.process.destroyForcibly();
      throw new AssertionError("custos " + String.join(" ", args) + " did not finish");
    }
    p.outReader.join();
    p.errReader.join();
    return p;
  }

  int exit() {
    return process.exitValue();
  }

  String stdout() {
    synchronized (out) {
      return String.join("\n", out);
    }
  }

  String stderr() {
    synchronized (err) {
      return String.join("\n", err);
    }
  }

  /** How long a node may take to start: generous, because test machines are shared and slow. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  /** Waits until a line on the given stream matches; fails if the process dies first. */
  String await(List<String> stream, Predicate<String> match, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      synchronized (stream) {
        Optional<String> hit = stream.stream().filter(match).findFirst();
        if (hit.isPresent()) {
          return hit.get();
        }
      }
      if (!process.isAlive()) {
        throw new AssertionError("custos exited " + process.exitValue() + " early; stderr:\n" + stderr());
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for output; stdout:\n" + stdout() + "\nstderr:\n" + stderr());
  }

  /** SIGTERM, then the exit code. */
  int terminate() throws Exception {
    // Process.destroy() would also close our ends of stdout/stderr and lose the last lines.
    new ProcessBuilder("kill", "-TERM", String.valueOf(process.pid())).start().waitFor();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("custos did not stop within 30s of SIGTERM");
    }
    outReader.join();
    errReader.join();
    return process.exitValue();
  }

  private static void pump(InputStream in, List<String> lines) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
      }
    } catch (IOException e) {
      // the process went away
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
