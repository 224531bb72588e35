package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "policy", mixinStandardHelpOptions = true,
    description = {"Policies: versioned documents (YAML or JSON) of grants - a capability on a resource pattern,",
        "with optional constraints - and the capabilities that need a fresh second factor. Everything not",
        "granted is denied. Built-in roles are listed as role:NAME and are read-only."},
    subcommands = {PolicyCommand.Write.class, PolicyCommand.Read.class, PolicyCommand.ListPolicies.class,
        PolicyCommand.Delete.class})
final class PolicyCommand {
  static final int MAX_DOCUMENT = 1 << 20;
  private static final YAMLMapper YAML = YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build();

  static String path(String name) {
    return "/v1/access/policies/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("%3A", ":");
  }

  @Command(name = "write", mixinStandardHelpOptions = true,
      description = "Store a policy document from FILE or '-' (stdin); each write is a new version.")
  static final class Write implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME", description = "[a-z0-9][a-z0-9._-]{0,63}.") String name;
    @Parameters(index = "1", paramLabel = "FILE|-", description = "YAML or JSON (.json files and documents starting "
        + "with '{' are sent as JSON).") String file;

    @Override
    public Integer call() throws IOException {
      byte[] doc;
      try (InputStream in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file))) {
        doc = in.readNBytes(MAX_DOCUMENT + 1);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new UsageFailure("policy file " + file + " does not exist");
      }
      if (doc.length > MAX_DOCUMENT) {
        throw new UsageFailure("a policy document is at most 1 MiB");
      }
      String text = new String(doc, StandardCharsets.UTF_8);
      boolean json = file.endsWith(".json") || text.stripLeading().startsWith("{");
      JsonNode p;
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        p = Output.JSON_MAPPER.readTree(client.ok(client.putText(path(name), doc,
            json ? "application/json" : "application/yaml")));
      }
      if (AccessCommand.output(spec) == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), p);
      } else {
        KeyCommand.println(spec, "Policy " + name + " is at version " + p.path("version").asInt() + " with "
            + p.path("grants").size() + " grant(s).");
      }
      return 0;
    }
  }

  @Command(name = "read", mixinStandardHelpOptions = true,
      description = "A policy as a YAML document (write accepts it back), or --output json.")
  static final class Read implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", description = "A policy, or role:NAME for a built-in role.") String name;

    @Override
    public Integer call() throws IOException {
      JsonNode p = KeyCommand.get(path(name));
      if (AccessCommand.output(spec) == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), p);
        return 0;
      }
      ObjectNode doc = Output.JSON_MAPPER.createObjectNode();
      doc.put("description", p.path("description").asText());
      doc.set("grants", p.path("grants"));
      if (!p.path("step_up").isEmpty()) {
        doc.set("step_up", p.path("step_up"));
      }
      doc.put("step_up_within", p.path("step_up_within").asText());
      String header = "# " + p.path("name").asText() + " version " + p.path("version").asInt()
          + (p.path("built_in").asBoolean() ? " (built in, read-only)" : "");
      KeyCommand.println(spec, header + "\n" + YAML.writeValueAsString(doc).stripTrailing());
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Stored policies and built-in roles.")
  static final class ListPolicies implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      JsonNode all = KeyCommand.get("/v1/access/policies").get("policies");
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode p : all) {
        rows.add(List.of(p.path("name").asText(), p.path("version").asText(), p.path("built_in").asText(),
            String.valueOf(p.path("grants").size()), p.path("description").asText()));
      }
      AccessCommand.output(spec).list(spec.commandLine().getOut(), all,
          List.of("Name", "Version", "Built in", "Grants", "Description"), rows);
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a policy no principal uses.")
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws IOException {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        client.ok(client.delete(path(name)));
      }
      KeyCommand.println(spec, "Policy " + name + " is deleted.");
      return 0;
    }
  }
}
