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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "profile", mixinStandardHelpOptions = true,
    description = {"Certificate profiles (SS-002 11.1.6, 11.1.8): the built-in ones, those of the configuration",
        "(ca.profiles) and custom ones made here. Each fixes key algorithms, key usage and one extended key usage,",
        "SAN types, required subject fields, maximum lifetime, policy OIDs and server-side key generation."},
    subcommands = {CaProfileCommand.ListProfiles.class, CaProfileCommand.Show.class, CaProfileCommand.Put.class,
        CaProfileCommand.Delete.class})
final class CaProfileCommand {
  static final int MAX_DOCUMENT = 64 * 1024;
  private static final YAMLMapper YAML = YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .build();

  @ParentCommand CaCommand ca;

  static String path(String name) {
    return "/v1/ca/profiles/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every profile, with where it comes from.")
  static final class ListProfiles implements Callable<Integer> {
    @ParentCommand CaProfileCommand profile;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      JsonNode all = KeyCommand.get("/v1/ca/profiles").path("profiles");
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode p : all) {
        rows.add(List.of(p.path("name").asText(), p.path("source").asText(), join(p.path("extended_key_usage")),
            join(p.path("key_algorithms")), p.path("max_lifetime").asText(),
            p.path("server_keygen").asBoolean() ? "allowed" : "no", p.path("description").asText()));
      }
      profile.ca.root.output.list(spec.commandLine().getOut(), all, List.of("Name", "Source", "EKU", "Key algorithms",
          "Max lifetime", "Server keygen", "Description"), rows);
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "One profile as a YAML document (put accepts it back), or --output json.")
  static final class Show implements Callable<Integer> {
    @ParentCommand CaProfileCommand profile;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws IOException {
      JsonNode p = KeyCommand.get(path(name));
      if (profile.ca.root.output == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), p);
        return 0;
      }
      ObjectNode doc = ((ObjectNode) p).deepCopy();
      doc.remove("name");
      doc.remove("source");
      KeyCommand.println(spec, "# " + p.path("name").asText() + " (" + p.path("source").asText() + ")\n"
          + YAML.writeValueAsString(doc).stripTrailing());
      return 0;
    }
  }

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = {"Create or replace a custom profile from a YAML or JSON document (see docs/profiles.md).",
          "Built-in and configured profiles are read-only. A bad document is refused with every reason."})
  static final class Put implements Callable<Integer> {
    @ParentCommand CaProfileCommand profile;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", description = "[a-z0-9][a-z0-9-]{0,47}") String name;
    @Option(names = "--file", required = true, paramLabel = "FILE|-", description = "the profile document") String file;

    @Override
    public Integer call() throws IOException {
      byte[] raw;
      try (InputStream in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file))) {
        raw = in.readNBytes(MAX_DOCUMENT + 1);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new UsageFailure("profile file " + file + " does not exist");
      }
      if (raw.length > MAX_DOCUMENT) {
        throw new UsageFailure("a profile document is at most " + MAX_DOCUMENT / 1024 + " KiB");
      }
      JsonNode doc;
      try {
        doc = YAML.readTree(raw); // YAML is a superset of JSON
      } catch (IOException e) {
        throw new UsageFailure("profile file " + file + " is not YAML or JSON: " + e.getMessage());
      }
      if (doc == null || !doc.isObject()) {
        throw new UsageFailure("a profile document is a mapping: key_algorithms, key_usage, extended_key_usage, …");
      }
      if (doc.has("name") && !doc.get("name").asText().equals(name)) {
        throw new UsageFailure("the document names profile '" + doc.get("name").asText() + "', not '" + name + "'");
      }
      ((ObjectNode) doc).remove("name");
      ((ObjectNode) doc).remove("source");
      JsonNode p;
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        p = Output.JSON_MAPPER.readTree(client.ok(client.put(path(name), Output.JSON_MAPPER.writeValueAsBytes(doc))));
      }
      if (profile.ca.root.output == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), p);
      } else {
        KeyCommand.println(spec, "Profile " + name + " stored: " + join(p.path("extended_key_usage")) + ", at most "
            + p.path("max_lifetime").asText() + ", policies " + join(p.path("policy_oids")) + ".");
      }
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a custom profile; certificates issued under it keep its name in the inventory.")
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws IOException {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        client.ok(client.delete(path(name)));
      }
      KeyCommand.println(spec, "Profile " + name + " is deleted.");
      return 0;
    }
  }

  private static String join(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return String.join(", ", out);
  }
}
