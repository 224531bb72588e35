package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "principal", mixinStandardHelpOptions = true,
    description = {"People and machines that authenticate to Custos and own keys and certificates (SS-002 11.3.10),",
        "with built-in roles and policies granting capabilities."},
    subcommands = {PrincipalCommand.Create.class, PrincipalCommand.ListPrincipals.class, PrincipalCommand.Show.class,
        PrincipalCommand.Disable.class, PrincipalCommand.BindCert.class})
final class PrincipalCommand {

  static String path(String id) {
    return "/v1/access/principals/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  static void print(CommandSpec spec, JsonNode p) {
    List<Map.Entry<String, String>> rows = new ArrayList<>();
    rows.add(Map.entry("Id", p.path("id").asText()));
    rows.add(Map.entry("Kind", p.path("kind").asText()));
    rows.add(Map.entry("Name", p.path("name").asText()));
    rows.add(Map.entry("Contact", p.path("email").asText()));
    rows.add(Map.entry("Phone", KeyCommand.text(p, "phone", "-")));
    rows.add(Map.entry("Roles", AccessCommand.join(p.path("roles"))));
    rows.add(Map.entry("Policies", AccessCommand.join(p.path("policies"))));
    rows.add(Map.entry("Client certificates", AccessCommand.join(p.path("client_certificates"))));
    rows.add(Map.entry("Disabled", p.path("disabled").asText()));
    rows.add(Map.entry("Created", p.path("created_at").asText()));
    AccessCommand.output(spec).keyValues(spec.commandLine().getOut(), p, rows);
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a principal.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", description = "The principal's id: [A-Za-z0-9][A-Za-z0-9._@-]{0,127}.") String id;
    @Option(names = "--kind", required = true, paramLabel = "person|machine", description = "A person or a machine.") String kind;
    @Option(names = "--name", required = true, paramLabel = "TEXT", description = "Display name.") String name;
    @Option(names = "--contact", required = true, paramLabel = "EMAIL", description = "Contact e-mail address.") String contact;
    @Option(names = "--phone", paramLabel = "PHONE", description = "Contact phone number.") String phone;
    @Option(names = "--role", paramLabel = "ROLE",
        description = "A built-in role (repeatable): admin, approver, auditor, crypto-officer, custodian, operator, requester.")
    List<String> roles = new ArrayList<>();
    @Option(names = "--policy", paramLabel = "POLICY", description = "A stored policy (repeatable).")
    List<String> policies = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      body.put("id", id);
      body.put("kind", kind);
      body.put("name", name);
      body.put("email", contact);
      if (phone != null) {
        body.put("phone", phone);
      }
      body.set("roles", Output.JSON_MAPPER.valueToTree(roles));
      body.set("policies", Output.JSON_MAPPER.valueToTree(policies));
      print(spec, KeyCommand.post("/v1/access/principals", body));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every principal; --output table, json or csv.")
  static final class ListPrincipals implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      JsonNode all = KeyCommand.get("/v1/access/principals").get("principals");
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode p : all) {
        rows.add(List.of(p.path("id").asText(), p.path("kind").asText(), p.path("name").asText(),
            p.path("email").asText(), AccessCommand.join(p.path("roles")), AccessCommand.join(p.path("policies")),
            String.valueOf(p.path("client_certificates").size()), p.path("disabled").asText()));
      }
      AccessCommand.output(spec).list(spec.commandLine().getOut(), all,
          List.of("Id", "Kind", "Name", "Contact", "Roles", "Policies", "Certificates", "Disabled"), rows);
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One principal.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String id;

    @Override
    public Integer call() throws IOException {
      print(spec, KeyCommand.get(path(id)));
      return 0;
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = "Disable a principal: its tokens and client certificates stop authenticating on the next request.")
  static final class Disable implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String id;

    @Override
    public Integer call() throws IOException {
      JsonNode p = KeyCommand.post(path(id) + "/disable", Map.of());
      if (AccessCommand.output(spec) == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), p);
      } else {
        KeyCommand.println(spec, "Principal " + id + " is disabled; its tokens and certificates no longer authenticate.");
      }
      return 0;
    }
  }

  @Command(name = "bind-cert", mixinStandardHelpOptions = true,
      description = "Bind a client certificate (PEM) to a principal for mutual TLS, by the SHA-256 of its public key.")
  static final class BindCert implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String id;
    @Parameters(index = "1", paramLabel = "FILE", description = "PEM certificate.") Path file;

    @Override
    public Integer call() throws IOException {
      JsonNode r = KeyCommand.post(path(id) + "/certificates", Map.of("certificate", AccessCommand.readPem(file)));
      if (AccessCommand.output(spec) == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), r);
      } else {
        KeyCommand.println(spec, "Certificate " + r.path("subject").asText() + " (public key SHA-256 "
            + r.path("spki_sha256").asText() + ") now authenticates " + id + ".");
      }
      return 0;
    }
  }
}
