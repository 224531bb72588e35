package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "token", mixinStandardHelpOptions = true,
    description = {"Bearer tokens: 256 random bits, shown once, stored only as a keyed hash, with a TTL and a",
        "maximum TTL that renewal never passes. Clients send them as Authorization: Bearer TOKEN (or X-Custos-Token)."},
    subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Lookup.class,
        TokenCommand.Renew.class, TokenCommand.Revoke.class})
final class TokenCommand {

  static void printInfo(CommandSpec spec, JsonNode t) {
    List<Map.Entry<String, String>> rows = new ArrayList<>();
    rows.add(Map.entry("Principal", t.path("principal").asText()));
    rows.add(Map.entry("Name", KeyCommand.text(t, "name", "-")));
    rows.add(Map.entry("Auth method", KeyCommand.text(t, "auth_method", "token")));
    rows.add(Map.entry("Roles", AccessCommand.join(t.path("roles"))));
    rows.add(Map.entry("Policies", AccessCommand.join(t.path("policies"))));
    rows.add(Map.entry("Accessor", KeyCommand.text(t, "accessor", "-")));
    rows.add(Map.entry("Expires", KeyCommand.text(t, "expires_at", "never (root token)")));
    rows.add(Map.entry("Max expires", KeyCommand.text(t, "max_expires_at", "-")));
    rows.add(Map.entry("Second factor", KeyCommand.text(t, "second_factor_at", "-")));
    AccessCommand.output(spec).keyValues(spec.commandLine().getOut(), t, rows);
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "A new token for a principal; it is printed once and cannot be shown again.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--principal", required = true, paramLabel = "PRINCIPAL") String principal;
    @Option(names = "--ttl", paramLabel = "DURATION", description = "Lifetime, e.g. 1h (default 1h).") String ttl;
    @Option(names = "--max-ttl", paramLabel = "DURATION", description = "Renewal never passes this, e.g. 24h (default 24h).")
    String maxTtl;

    @Override
    public Integer call() throws IOException {
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      body.put("principal", principal);
      if (ttl != null) {
        body.put("ttl", ttl);
      }
      if (maxTtl != null) {
        body.put("max_ttl", maxTtl);
      }
      JsonNode t = KeyCommand.post("/v1/access/tokens", body);
      if (AccessCommand.output(spec) == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), t);
      } else {
        AccessCommand.output(spec).keyValues(spec.commandLine().getOut(), t, List.of(
            Map.entry("Token", t.path("token").asText()), Map.entry("Accessor", t.path("accessor").asText()),
            Map.entry("Principal", t.path("principal").asText()), Map.entry("Expires", t.path("expires_at").asText()),
            Map.entry("Max expires", t.path("max_expires_at").asText())));
        spec.commandLine().getErr().println("The token is shown once; hand it over securely (custos login reads it without echo).");
        spec.commandLine().getErr().flush();
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Token accessors and lifetimes (never the tokens), of one principal or all.")
  static final class ListTokens implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--principal", paramLabel = "PRINCIPAL") String principal;

    @Override
    public Integer call() throws IOException {
      JsonNode all = KeyCommand.get("/v1/access/tokens"
          + (principal == null ? "" : "?principal=" + URLEncoder.encode(principal, StandardCharsets.UTF_8))).get("tokens");
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode t : all) {
        rows.add(List.of(t.path("accessor").asText(), t.path("principal").asText(), t.path("created_at").asText(),
            t.path("expires_at").asText(), t.path("max_expires_at").asText(), t.path("expired").asText(),
            t.path("created_by").asText()));
      }
      AccessCommand.output(spec).list(spec.commandLine().getOut(), all,
          List.of("Accessor", "Principal", "Created", "Expires", "Max expires", "Expired", "Created by"), rows);
      return 0;
    }
  }

  @Command(name = "lookup", mixinStandardHelpOptions = true, description = "The token this CLI uses: who it is and until when.")
  static final class Lookup implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      printInfo(spec, KeyCommand.get("/v1/access/tokens/self"));
      return 0;
    }
  }

  @Command(name = "renew", mixinStandardHelpOptions = true, description = "Extend the token this CLI uses, never past its max TTL.")
  static final class Renew implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--increment", paramLabel = "DURATION", description = "From now, e.g. 1h (default 1h).") String increment;

    @Override
    public Integer call() throws IOException {
      JsonNode t = KeyCommand.post("/v1/access/tokens/self/renew",
          increment == null ? Map.of() : Map.of("increment", increment));
      printInfo(spec, t);
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke a token (given, or '-' to read it from stdin) or, with --accessor, the token behind an accessor.")
  static final class Revoke implements Callable<Integer> {
    @Spec CommandSpec spec;

    static final class Target {
      @Parameters(paramLabel = "TOKEN", description = "The token, or '-' for stdin.") String token;
      @Option(names = "--accessor", paramLabel = "ACCESSOR") String accessor;
    }

    @ArgGroup(exclusive = true, multiplicity = "1") Target target;

    @Override
    public Integer call() throws IOException {
      Map<String, String> body;
      if (target.accessor != null) {
        body = Map.of("accessor", target.accessor);
      } else {
        String t = target.token.equals("-") ? KeyCommand.textInput(null, null, "token") : target.token;
        body = Map.of("token", t);
      }
      JsonNode r = KeyCommand.post("/v1/access/tokens/revoke", body);
      if (AccessCommand.output(spec) == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), r);
      } else {
        KeyCommand.println(spec, r.path("revoked").asBoolean()
            ? "Token " + r.path("accessor").asText() + " is revoked; it is refused from the next request on."
            : "No live token matched; nothing was revoked.");
      }
      return 0;
    }
  }
}
