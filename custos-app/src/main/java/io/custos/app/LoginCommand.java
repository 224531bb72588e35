package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "login", mixinStandardHelpOptions = true,
    description = {"Verify a token with the server and store it for this CLI in CUSTOS_TOKEN_FILE",
        "(default ~/.custos/token, mode 0600). Without TOKEN it is read from the terminal without echo,",
        "or from stdin. CUSTOS_TOKEN, when set, still takes precedence over the stored token."})
final class LoginCommand implements Callable<Integer> {
  static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

  @Spec CommandSpec spec;
  @Parameters(arity = "0..1", paramLabel = "TOKEN", description = "The token; omit it to type it unseen or pipe it in.")
  String token;

  @Option(names = "--totp", paramLabel = "CODE",
      description = "Also prove your second factor now (RFC 6238 code), for privileged capabilities in the next minutes.")
  String totp;

  @Override
  public Integer call() throws IOException {
    String t = token != null ? token.trim() : read();
    if (t.isEmpty()) {
      throw new UsageFailure("no token given");
    }
    Map<String, String> env = System.getenv();
    JsonNode self;
    try (ApiClient client = ApiClient.withToken(env, t)) {
      var r = client.get("/v1/access/tokens/self");
      if (r.statusCode() == 401) {
        throw new ClientFailure("the server refused that token (unknown, expired or revoked); nothing was stored");
      }
      self = Output.JSON_MAPPER.readTree(client.ok(r));
      if (totp != null) {
        if (!totp.matches("[0-9]{6,8}")) {
          throw new UsageFailure("--totp takes the 6-digit code from your authenticator app");
        }
        var v = client.postJson("/v1/auth/totp/verify", Output.JSON_MAPPER.writeValueAsBytes(Map.of("code", totp)));
        if (v.statusCode() / 100 != 2) {
          client.ok(v); // throws with the server's reason; the token is not stored
        }
      }
    }
    Path file = ApiClient.tokenFile(env);
    store(file, t);
    if (AccessCommand.output(spec) == Output.JSON) {
      Output.printJson(spec.commandLine().getOut(), self);
    } else {
      String roles = AccessCommand.join(self.path("roles"));
      String policies = AccessCommand.join(self.path("policies"));
      KeyCommand.println(spec, "Logged in as " + self.path("principal").asText()
          + (self.path("name").isTextual() ? " (" + self.path("name").asText() + ")" : "")
          + "; roles " + roles + ", policies " + policies + ".");
      KeyCommand.println(spec, "Token " + KeyCommand.text(self, "accessor", "root") + " expires "
          + KeyCommand.text(self, "expires_at", "never") + "; stored in " + file + " (mode 0600).");
      if (env.get("CUSTOS_TOKEN") != null && !env.get("CUSTOS_TOKEN").isBlank()) {
        spec.commandLine().getErr().println("note: CUSTOS_TOKEN is set and takes precedence over the stored token");
        spec.commandLine().getErr().flush();
      }
    }
    return 0;
  }

  private static String read() throws IOException {
    Console console = System.console();
    if (console != null && console.isTerminal()) {
      char[] typed = console.readPassword("Token (will be hidden): ");
      if (typed == null) {
        throw new UsageFailure("no token given");
      }
      String t = new String(typed).trim();
      java.util.Arrays.fill(typed, '\0');
      return t;
    }
    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    if (line == null || line.isBlank()) {
      throw new UsageFailure("no token given (as an argument, typed at the prompt or on stdin)");
    }
    return line.trim();
  }

  /** Writes the token readable by its owner only: a 0700 directory and a 0600 file, replaced atomically. */
  static void store(Path file, String token) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (!Files.isDirectory(dir)) {
      if (posix) {
        try {
          Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (FileAlreadyExistsException e) {
          // raced: fine
        }
      } else {
        Files.createDirectories(dir);
      }
    }
    Path tmp = posix ? Files.createTempFile(dir, ".token-", ".tmp", PosixFilePermissions.asFileAttribute(FILE_MODE))
        : Files.createTempFile(dir, ".token-", ".tmp");
    try {
      Files.writeString(tmp, token + "\n", StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    if (posix) {
      Files.setPosixFilePermissions(file, FILE_MODE);
    }
  }

  @Command(name = "logout", mixinStandardHelpOptions = true,
      description = "Forget the token stored by custos login; with --revoke, revoke it at the server first.")
  static final class Logout implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--revoke", description = "Also revoke the stored token, so no copy of it works either.") boolean revoke;

    @Override
    public Integer call() throws IOException {
      Map<String, String> env = System.getenv();
      Path file = ApiClient.tokenFile(env);
      if (!Files.isRegularFile(file)) {
        KeyCommand.println(spec, "No stored token at " + file + ".");
        return 0;
      }
      String stored = Files.readString(file).trim();
      if (revoke && !stored.isEmpty()) {
        try (ApiClient client = ApiClient.withToken(env, stored)) {
          client.ok(client.postJson("/v1/access/tokens/revoke",
              Output.JSON_MAPPER.writeValueAsBytes(Map.of("token", stored))));
        }
      }
      Files.delete(file);
      KeyCommand.println(spec, (revoke ? "Revoked and removed" : "Removed") + " the stored token " + file + ".");
      return 0;
    }
  }
}
