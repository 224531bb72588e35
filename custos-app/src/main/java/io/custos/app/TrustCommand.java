package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "trust", mixinStandardHelpOptions = true,
    description = {"Trust stores (SS-002 11.4.5, 11.4.6): named allow-lists of CA certificates, integrity-protected;",
        "anything not chaining to an anchor is refused. Client certificates (mutual TLS) must chain to 'clients'."},
    subcommands = {TrustCommand.ListStores.class, TrustCommand.Show.class, TrustCommand.Import.class,
        TrustCommand.Export.class, TrustCommand.Remove.class})
final class TrustCommand {
  /** The largest PEM file read: as the server's limit. */
  static final int MAX_PEM = 64 * 1024;

  @ParentCommand CustosCommand root;

  static String path(String name, String rest) {
    return "/v1/trust/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + rest;
  }

  static List<List<String>> anchorRows(JsonNode anchors) {
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode a : anchors) {
      rows.add(List.of(a.path("subject").asText(), a.path("sha256").asText(), a.path("not_after").asText()));
    }
    return rows;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The trust stores and their sizes.")
  static final class ListStores implements Callable<Integer> {
    @ParentCommand TrustCommand trust;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      JsonNode stores = KeyCommand.get("/v1/trust").get("stores");
      List<List<String>> rows = new ArrayList<>();
      stores.forEach(s -> rows.add(List.of(s.path("name").asText(), s.path("anchors").asText())));
      trust.root.output.list(spec.commandLine().getOut(), stores, List.of("Name", "Anchors"), rows);
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "A store's anchors: subject, SHA-256, not after.")
  static final class Show implements Callable<Integer> {
    @ParentCommand TrustCommand trust;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws IOException {
      JsonNode store = KeyCommand.get(path(name, ""));
      trust.root.output.list(spec.commandLine().getOut(), store, List.of("Subject", "SHA-256", "Not after"),
          anchorRows(store.path("anchors")));
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Allow-list the CA certificates in a PEM file (basicConstraints CA=true only).",
          "Needs trust:import (privileged: a fresh second factor for the built-in admin role)."})
  static final class Import implements Callable<Integer> {
    @ParentCommand TrustCommand trust;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "FILE", description = "PEM file of CA certificates") Path file;

    @Override
    public Integer call() throws IOException {
      String pem;
      try {
        if (Files.size(file) > MAX_PEM) {
          throw new UsageFailure(file + " is larger than " + MAX_PEM / 1024 + " KiB; import fewer certificates at once");
        }
        pem = Files.readString(file, StandardCharsets.US_ASCII);
      } catch (NoSuchFileException e) {
        throw new UsageFailure("file " + file + " does not exist");
      } catch (java.nio.charset.CharacterCodingException e) {
        throw new UsageFailure(file + " is not a PEM text file");
      }
      JsonNode r = KeyCommand.post(path(name, "/import"), Map.of("certificates", pem));
      trust.root.output.list(spec.commandLine().getOut(), r, List.of("Subject", "SHA-256", "Not after"),
          anchorRows(r.path("added")));
      if (trust.root.output == Output.TABLE) {
        KeyCommand.println(spec, r.path("added").size() + " added, " + r.path("already_present").asInt()
            + " already present; '" + name + "' holds " + r.path("anchors").asInt() + " anchors");
      }
      return 0;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Print a store's anchors as a PEM bundle (needs trust:export).")
  static final class Export implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        spec.commandLine().getOut().print(new String(client.ok(client.get(path(name, "/export"))), StandardCharsets.US_ASCII));
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true,
      description = "Remove one anchor by the SHA-256 fingerprint of its certificate (needs trust:import).")
  static final class Remove implements Callable<Integer> {
    @ParentCommand TrustCommand trust;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "SHA256") String sha256;

    @Override
    public Integer call() throws IOException {
      JsonNode store;
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        store = Output.JSON_MAPPER.readTree(client.ok(client.delete(path(name, "/anchors/"
            + URLEncoder.encode(sha256, StandardCharsets.UTF_8)))));
      }
      trust.root.output.list(spec.commandLine().getOut(), store, List.of("Subject", "SHA-256", "Not after"),
          anchorRows(store.path("anchors")));
      return 0;
    }
  }
}
