package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "ca", mixinStandardHelpOptions = true,
    description = {"Online certificate authorities (SS-002 11.3.1): issuing and policy CAs whose keys stay in the barrier.",
        "The offline root is made and used in ceremonies (custos ceremony); a dev server has an online dev root,",
        "marked NON-COMPLIANT."},
    subcommands = {CaCommand.Create.class, CaCommand.Activate.class, CaCommand.ListCas.class, CaCommand.Show.class, CaCommand.Cps.class,
        CaCommand.Chain.class, CaProfileCommand.class})
final class CaCommand {
  @ParentCommand CustosCommand root;

  static String path(String name, String rest) {
    return "/v1/ca/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + rest;
  }

  static String readPem(Path file) throws IOException {
    try {
      if (Files.size(file) > TrustCommand.MAX_PEM) {
        throw new UsageFailure(file + " is larger than " + TrustCommand.MAX_PEM / 1024 + " KiB");
      }
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new UsageFailure("file " + file + " does not exist");
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new UsageFailure(file + " is not a PEM text file");
    }
  }

  static void printCa(Output output, CommandSpec spec, JsonNode ca) {
    List<Map.Entry<String, String>> rows = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = ca.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals("csr")) {
        rows.add(Map.entry(e.getKey(), e.getValue().asText()));
      }
    }
    output.keyValues(spec.commandLine().getOut(), ca, rows);
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create an online CA: its key is generated in the barrier; its CSR is written for the parent",
          "(the root ceremony, or a policy CA) to sign. Needs ca:create."})
  static final class Create implements Callable<Integer> {
    @ParentCommand CaCommand ca;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--level", required = true, paramLabel = "LEVEL", description = "subordinate or policy")
    String level;
    @Option(names = "--algorithm", required = true, paramLabel = "ALG",
        description = "ecdsa-p256, ecdsa-p384, rsa-3072, rsa-4096, ed25519, ml-dsa-65, …") String algorithm;
    @Option(names = "--subject", required = true, paramLabel = "DN", description = "e.g. \"CN=Issuing CA 1,O=Example\"")
    String subject;
    @Option(names = "--csr-out", required = true, paramLabel = "FILE", description = "where to write the CSR (PEM)")
    Path csrOut;

    @Override
    public Integer call() throws IOException {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("level", level);
      body.put("algorithm", algorithm);
      body.put("subject", subject);
      JsonNode r = KeyCommand.post("/v1/ca", body);
      Files.writeString(csrOut, r.path("csr").asText(), StandardCharsets.US_ASCII);
      printCa(ca.root.output, spec, r);
      if (ca.root.output == Output.TABLE) {
        KeyCommand.println(spec, "CSR written to " + csrOut + "; have the parent sign it, then: custos ca activate "
            + name + " --cert FILE --chain FILE");
      }
      return 0;
    }
  }

  @Command(name = "activate", mixinStandardHelpOptions = true,
      description = "Bring a pending CA online with its signed certificate and the chain up to the root. Needs ca:create.")
  static final class Activate implements Callable<Integer> {
    @ParentCommand CaCommand ca;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--cert", required = true, paramLabel = "FILE", description = "the CA's certificate (PEM)")
    Path cert;
    @Option(names = "--chain", required = true, paramLabel = "FILE",
        description = "PEM bundle of the certificates above it, up to and including the root") Path chain;

    @Override
    public Integer call() throws IOException {
      JsonNode r = KeyCommand.post(path(name, "/activate"), Map.of("certificate", readPem(cert), "chain", readPem(chain)));
      printCa(ca.root.output, spec, r);
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The CAs: name, level, state, validity.")
  static final class ListCas implements Callable<Integer> {
    @ParentCommand CaCommand ca;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      JsonNode cas = KeyCommand.get("/v1/ca").path("cas");
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode c : cas) {
        rows.add(List.of(c.path("name").asText(), c.path("level").asText(), c.path("state").asText(),
            c.path("subject").asText(), c.path("not_after").asText("-"),
            c.path("compliant").asBoolean(true) ? "yes" : "NO: " + c.path("note").asText()));
      }
      ca.root.output.list(spec.commandLine().getOut(), cas, List.of("Name", "Level", "State", "Subject", "Not after",
          "Compliant"), rows);
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One CA.")
  static final class Show implements Callable<Integer> {
    @ParentCommand CaCommand ca;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws IOException {
      printCa(ca.root.output, spec, KeyCommand.get(path(name, "")));
      return 0;
    }
  }

  @Command(name = "cps", mixinStandardHelpOptions = true,
      description = "Print the Certification Practice Statement (RFC 3647 outline) rendered from live configuration.")
  static final class Cps implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @picocli.CommandLine.Option(names = "--format", defaultValue = "md", paramLabel = "md|html",
        description = "Markdown (default) or HTML.") String format;

    @Override
    public Integer call() {
      if (!format.equals("md") && !format.equals("html")) {
        throw new UsageFailure("--format is md or html");
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        spec.commandLine().getOut().print(new String(client.ok(client.get(path(name, "/cps?format=" + format))),
            StandardCharsets.UTF_8));
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }

  @Command(name = "chain", mixinStandardHelpOptions = true,
      description = "Print the CA's certificate and every certificate up to and including the root (PEM; public).")
  static final class Chain implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        spec.commandLine().getOut().print(new String(client.ok(client.get(path(name, "/chain"))),
            StandardCharsets.US_ASCII));
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }
}
