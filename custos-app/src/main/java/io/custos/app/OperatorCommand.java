package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "operator", mixinStandardHelpOptions = true,
    description = "The root of trust: init, unseal, seal, status (against CUSTOS_ADDR).",
    subcommands = {OperatorCommand.Init.class, OperatorCommand.Unseal.class, OperatorCommand.SealNow.class,
        OperatorCommand.Status.class, OperatorCommand.Rotate.class})
final class OperatorCommand {
  @ParentCommand CustosCommand root;

  static void printStatus(OperatorCommand op, CommandSpec spec, JsonNode s) {
    op.root.output.keyValues(spec.commandLine().getOut(), s, List.of(
        Map.entry("Initialized", s.path("initialized").asText()),
        Map.entry("Sealed", s.path("sealed").asText()),
        Map.entry("Threshold", s.path("t").asText()),
        Map.entry("Shares", s.path("n").asText()),
        Map.entry("Unseal progress", s.path("progress").asText() + "/" + s.path("t").asText()),
        Map.entry("Barrier", s.path("barrier").asText())));
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Create the root of trust, once: a 256-bit root key split into N unseal shares, any M of",
          "which unseal; prints each share and the initial root token once (--output json for scripts)."})
  static final class Init implements Callable<Integer> {
    @ParentCommand OperatorCommand op;
    @Spec CommandSpec spec;
    @Option(names = "--shares", defaultValue = "5", description = "N, 2 to 16 (default 5).") int shares;
    @Option(names = "--threshold", defaultValue = "3", description = "M, 2 to N (default 3).") int threshold;

    @Override
    public Integer call() throws IOException {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        byte[] body = Output.JSON_MAPPER.writeValueAsBytes(Map.of("secret_shares", shares, "secret_threshold", threshold));
        JsonNode r = Output.JSON_MAPPER.readTree(client.ok(client.put("/v1/sys/init", body)));
        PrintWriter out = spec.commandLine().getOut();
        if (op.root.output == Output.JSON) {
          var doc = Output.JSON_MAPPER.createObjectNode();
          doc.set("shares", r.get("shares"));
          doc.put("threshold", r.get("threshold").asInt());
          doc.put("root_token", r.get("root_token").asText());
          Output.printJson(out, doc);
          return 0;
        }
        int i = 1;
        for (JsonNode s : r.get("shares")) {
          out.println("Unseal Share " + i++ + ": " + s.asText());
        }
        out.println();
        out.println("Initial Root Token: " + r.get("root_token").asText());
        out.println();
        out.println("Custos is initialised with " + shares + " shares and a threshold of " + threshold + ".");
        out.println("Give each share to a different custodian; it is never shown again. The node is sealed:");
        out.println(threshold + " custodians must each run `custos operator unseal`.");
        out.flush();
      }
      return 0;
    }
  }

  @Command(name = "unseal", mixinStandardHelpOptions = true,
      description = {"Submit one unseal share: as an argument, on stdin, or typed at a prompt without echo.",
          "--reset forgets the shares submitted so far."})
  static final class Unseal implements Callable<Integer> {
    @ParentCommand OperatorCommand op;
    @Spec CommandSpec spec;
    @Parameters(arity = "0..1", paramLabel = "SHARE") String share;
    @Option(names = "--reset") boolean reset;

    @Override
    public Integer call() throws IOException {
      byte[] body;
      if (reset) {
        body = Output.JSON_MAPPER.writeValueAsBytes(Map.of("reset", true));
      } else {
        String s = share != null ? share : readShare();
        body = Output.JSON_MAPPER.writeValueAsBytes(Map.of("key", s.trim()));
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        printStatus(op, spec, Output.JSON_MAPPER.readTree(client.ok(client.put("/v1/sys/unseal", body))));
      }
      return 0;
    }

    private static String readShare() throws IOException {
      Console console = System.console();
      if (console != null) {
        char[] typed = console.readPassword("Unseal share (will be hidden): ");
        if (typed == null || typed.length == 0) {
          throw new UsageFailure("no share given");
        }
        return new String(typed);
      }
      String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      if (line == null || line.isBlank()) {
        throw new UsageFailure("no share given (pass it as an argument or on stdin)");
      }
      return line;
    }
  }

  @Command(name = "seal", mixinStandardHelpOptions = true, description = "Wipe all key material from the server's memory.")
  static final class SealNow implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        client.ok(client.put("/v1/sys/seal", new byte[0]));
      }
      spec.commandLine().getOut().println("Custos is sealed.");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Add a barrier key version; older versions stay readable and records move forward in the background.")
  static final class Rotate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        JsonNode r = Output.JSON_MAPPER.readTree(client.ok(client.put("/v1/sys/rotate", new byte[0])));
        spec.commandLine().getOut().println("Barrier key version " + r.get("key_version").asInt()
            + " is in use; older records are being rewrapped.");
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Seal state and unseal progress.")
  static final class Status implements Callable<Integer> {
    @ParentCommand OperatorCommand op;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        printStatus(op, spec, Output.JSON_MAPPER.readTree(client.ok(client.get("/v1/sys/seal-status"))));
      }
      return 0;
    }
  }
}
