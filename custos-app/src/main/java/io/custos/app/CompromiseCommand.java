package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "compromise", mixinStandardHelpOptions = true,
    description = {"Key compromise (SS-002 11.6.1–11.6.3): declare a key compromised, revoking every certificate and",
        "authorisation tied to it in one audited action, and print the recovery plan from live data."},
    subcommands = {CompromiseCommand.Declare.class, CompromiseCommand.Plan.class})
final class CompromiseCommand {
  @ParentCommand CustosCommand root;

  /** Exactly one way of naming the compromised key. */
  static final class Target {
    @Option(names = "--public-key", paramLabel = "FILE",
        description = "The public key (PEM SubjectPublicKeyInfo) or a certificate (PEM) carrying it.") Path publicKey;
    @Option(names = "--key", paramLabel = "NAME", description = "A managed key; a CA's key is ca.<CA name>.") String key;
    @Option(names = "--cert", paramLabel = "SERIAL", description = "A certificate's serial (hex): its key is the one.")
    String cert;
  }

  @Command(name = "declare", mixinStandardHelpOptions = true,
      description = {"Declare a key compromised: revoke every certificate carrying it in every CA (keyCompromise, or",
          "cACompromise for a CA key), mark the managed key compromised, revoke client-certificate bindings, tokens",
          "obtained through them and grants naming it. A CA's key also stops the CA, revokes its certificate through",
          "its parent (or names the root ceremony to run) and revokes everything it issued.",
          "Needs compromise:declare with a second factor proved within minutes."})
  static final class Declare implements Callable<Integer> {
    @ParentCommand CompromiseCommand compromise;
    @Spec CommandSpec spec;
    @ArgGroup(exclusive = true, multiplicity = "1") Target target;
    @Option(names = "--ca", paramLabel = "NAME", description = "With --cert: the CA the serial belongs to.") String ca;
    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "What happened, for the record.")
    String reason;
    @Option(names = "--override-availability",
        description = "Declare even where the recovery plan puts availability first (SS-002 11.6.2).")
    boolean overrideAvailability;

    @Override
    public Integer call() throws IOException {
      if (ca != null && target.cert == null) {
        throw new UsageFailure("--ca goes with --cert only");
      }
      Map<String, Object> body = new LinkedHashMap<>();
      if (target.publicKey != null) {
        body.put("public_key", CaCommand.readPem(target.publicKey));
      } else if (target.key != null) {
        body.put("key", target.key);
      } else {
        body.put("cert", target.cert);
      }
      if (ca != null) {
        body.put("ca", ca);
      }
      body.put("reason", reason);
      if (overrideAvailability) {
        body.put("override_availability", true);
      }
      JsonNode r = KeyCommand.post("/v1/compromise", body);
      List<Map.Entry<String, String>> rows = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = r.path("certificates_revoked").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        List<String> serials = new ArrayList<>();
        e.getValue().forEach(s -> serials.add(s.asText()));
        rows.add(Map.entry("revoked in CA " + e.getKey(), serials.size() + ": " + String.join(" ", serials)));
      }
      for (String f : List.of("keys_marked_compromised", "cas_disabled", "bindings_revoked", "tokens_revoked",
          "grants_revoked", "notes")) {
        List<String> items = new ArrayList<>();
        r.path(f).forEach(i -> items.add(i.asText()));
        rows.add(Map.entry(f.replace('_', ' '), items.isEmpty() ? "none" : String.join("; ", items)));
      }
      rows.add(Map.entry("issued by compromised CAs", String.valueOf(r.path("issued_by_compromised_cas").size())));
      for (JsonNode c : r.path("ceremonies_required")) {
        rows.add(Map.entry("ceremony required (CA " + c.path("ca").asText() + ")", c.path("command").asText()));
      }
      compromise.root.output.keyValues(spec.commandLine().getOut(), r, rows);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "plan", mixinStandardHelpOptions = true,
      description = {"Print the key compromise recovery plan (SS-002 11.6.3) for a key, a CA or the whole node, built",
          "from live data: who is notified and who recovers (with contacts), the re-key method, the key inventory,",
          "monitoring, what may be compromised, distribution and installation. Needs compromise:read."})
  static final class Plan implements Callable<Integer> {
    @ParentCommand CompromiseCommand compromise;
    @Spec CommandSpec spec;
    @Option(names = "--key", paramLabel = "NAME", description = "A managed key.") String key;
    @Option(names = "--ca", paramLabel = "NAME", description = "A CA.") String ca;
    @Option(names = "--format", paramLabel = "md|html|json",
        description = "Markdown (default), HTML or JSON; --output json also gives JSON.") String format;

    @Override
    public Integer call() {
      if (key != null && ca != null) {
        throw new UsageFailure("a plan is for --key or --ca, not both");
      }
      String f = format != null ? format : compromise.root.output == Output.JSON ? "json" : "md";
      if (!List.of("md", "html", "json").contains(f)) {
        throw new UsageFailure("--format is md, html or json");
      }
      StringBuilder path = new StringBuilder("/v1/compromise/plan?format=" + f);
      if (key != null) {
        path.append("&key=").append(URLEncoder.encode(key, StandardCharsets.UTF_8));
      }
      if (ca != null) {
        path.append("&ca=").append(URLEncoder.encode(ca, StandardCharsets.UTF_8));
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        spec.commandLine().getOut().print(new String(client.ok(client.get(path.toString())), StandardCharsets.UTF_8));
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }
}
