package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "access", mixinStandardHelpOptions = true,
    description = {"Revocation of every authorisation tied to a principal, token, client certificate or key",
        "(SS-002 11.6.1), and the access review (SS-002 11.8.1)."},
    subcommands = {AccessCommand.Revoke.class, AccessCommand.Review.class})
final class AccessCommand {
  private static final int MAX_PEM = 64 * 1024;

  /** The --output the user chose (an inherited option of the root command). */
  static Output output(CommandSpec spec) {
    return ((CustosCommand) spec.root().userObject()).output;
  }

  static String join(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.forEach(n -> out.add(n.asText()));
    return out.isEmpty() ? "-" : String.join(" ", out);
  }

  static String readPem(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new UsageFailure("certificate file " + file + " does not exist or is not a file");
    }
    if (Files.size(file) > MAX_PEM) {
      throw new UsageFailure("certificate file " + file + " is larger than 64 KiB; it is not one PEM certificate");
    }
    return Files.readString(file, StandardCharsets.US_ASCII);
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = {"Revoke at once, effective on the very next request: a principal (disabled, every token and",
          "certificate binding revoked), a token (or accessor), a client certificate's binding, or every grant",
          "naming a key."})
  static final class Revoke implements Callable<Integer> {
    @Spec CommandSpec spec;

    static final class Target {
      @Option(names = "--principal", paramLabel = "PRINCIPAL") String principal;
      @Option(names = "--token", paramLabel = "TOKEN|ACCESSOR") String token;
      @Option(names = "--client-cert", paramLabel = "FILE", description = "PEM client certificate.") Path clientCert;
      @Option(names = "--key", paramLabel = "NAME") String key;
    }

    @ArgGroup(exclusive = true, multiplicity = "1") Target target;

    @Override
    public Integer call() throws IOException {
      Map<String, String> body;
      if (target.principal != null) {
        body = Map.of("principal", target.principal);
      } else if (target.token != null) {
        body = Map.of("token", target.token);
      } else if (target.clientCert != null) {
        body = Map.of("certificate", readPem(target.clientCert));
      } else {
        body = Map.of("key", target.key);
      }
      JsonNode r = KeyCommand.post("/v1/access/revoke", body);
      if (output(spec) == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), r);
        return 0;
      }
      JsonNode v = r.path("revoked");
      String line;
      if (v.has("principal") && v.has("disabled")) {
        line = "Principal " + v.path("principal").asText() + " is disabled; " + v.path("tokens").asInt()
            + " token(s) and " + v.path("certificates").asInt() + " certificate binding(s) revoked.";
      } else if (v.has("token")) {
        line = "Token " + v.path("token").asText() + " is revoked.";
      } else if (v.has("certificate")) {
        line = "Certificate " + v.path("certificate").asText() + " no longer authenticates " + join(v.path("principals")) + ".";
      } else {
        line = "Grants naming keys/" + v.path("key").asText() + " removed from policies: " + join(v.path("policies_changed"))
            + ". " + v.path("note").asText();
      }
      KeyCommand.println(spec, line);
      return 0;
    }
  }

  @Command(name = "review", mixinStandardHelpOptions = true,
      description = {"The access review: principals, roles, grants and when each was last used, unused grants,",
          "dormant principals, tokens and pending approvals; --output table, json or csv."})
  static final class Review implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--dormant-days", paramLabel = "DAYS", defaultValue = "90",
        description = "A principal is dormant after this many days without authenticating (default ${DEFAULT-VALUE}).")
    int dormantDays;

    @Override
    public Integer call() throws IOException {
      JsonNode r = KeyCommand.get("/v1/access/review?dormant_days=" + dormantDays);
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode p : r.path("principals")) {
        List<String> head = List.of(p.path("id").asText(), p.path("kind").asText(), join(p.path("roles")),
            join(p.path("policies")), p.path("tokens").asText(), KeyCommand.text(p, "last_authenticated", "never"),
            p.path("dormant").asText(), p.path("disabled").asText());
        if (p.path("grants").isEmpty()) {
          List<String> row = new ArrayList<>(head);
          row.addAll(List.of("-", "-"));
          rows.add(row);
        }
        for (JsonNode g : p.path("grants")) {
          List<String> row = new ArrayList<>(head);
          row.add(g.path("policy").asText() + " #" + g.path("grant").asText() + ": " + g.path("capability").asText()
              + " on " + g.path("resource").asText());
          row.add(KeyCommand.text(g, "last_used", "never"));
          rows.add(row);
        }
      }
      Output out = output(spec);
      out.list(spec.commandLine().getOut(), r, List.of("Principal", "Kind", "Roles", "Policies", "Tokens",
          "Last authenticated", "Dormant", "Disabled", "Grant", "Last used"), rows);
      if (out == Output.TABLE) {
        var w = spec.commandLine().getOut();
        w.println();
        w.println("Unused grants: " + r.path("unused_grants").size());
        w.println("Dormant principals (" + r.path("dormant_after_days").asInt() + " days): "
            + join(r.path("dormant_principals")));
        w.println("Pending approvals: " + (r.path("pending_approvals").isEmpty() ? "none"
            : String.valueOf(r.path("pending_approvals").size())));
        r.path("notes").forEach(n -> w.println("Note: " + n.asText()));
        w.flush();
      }
      return 0;
    }
  }
}
