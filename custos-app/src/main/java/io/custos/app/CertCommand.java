package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

@Command(name = "cert", mixinStandardHelpOptions = true,
    description = {"Certificates: issue from a PKCS#10 request under a profile, and the inventory (SS-002 11.5.2)",
        "with every certificate's owner and contact. Never a private key."},
    subcommands = {CertCommand.Issue.class, CertCommand.ListCerts.class, CertCommand.Show.class, CertCommand.Revoke.class})
final class CertCommand {
  @ParentCommand CustosCommand root;

  private static String q(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8);
  }

  @Command(name = "issue", mixinStandardHelpOptions = true,
      description = {"Issue a certificate for a CSR under a profile (tls-server, tls-client, code-signing, ocsp-signing).",
          "Needs ca:issue on ca/NAME/profiles/PROFILE for every requested name. A refusal lists every violated rule."})
  static final class Issue implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--ca", required = true, paramLabel = "NAME") String ca;
    @Option(names = "--profile", required = true, paramLabel = "PROFILE") String profile;
    @Option(names = "--csr", required = true, paramLabel = "FILE", description = "PKCS#10 request (PEM)") Path csr;
    @Option(names = "--owner", required = true, paramLabel = "PRINCIPAL",
        description = "the principal who owns the certificate (its name and contact go to the inventory)") String owner;
    @Option(names = "--validity", paramLabel = "DURATION", description = "e.g. 90d; default the profile's maximum")
    String validity;
    @Option(names = "--out", paramLabel = "FILE", description = "write certificate and chain (PEM) here, not stdout")
    Path out;

    @Override
    public Integer call() throws IOException {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("csr", CaCommand.readPem(csr));
      body.put("profile", profile);
      body.put("owner", owner);
      if (validity != null) {
        body.put("validity", validity);
      }
      JsonNode r = KeyCommand.post(CaCommand.path(ca, "/issue"), body);
      String pem = r.path("certificate").asText() + r.path("chain").asText();
      if (out != null) {
        Files.writeString(out, pem, StandardCharsets.US_ASCII);
        KeyCommand.println(spec, "serial " + r.path("serial").asText() + ", valid until " + r.path("not_after").asText()
            + "; certificate and chain written to " + out);
      } else {
        spec.commandLine().getOut().print(pem);
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The certificate inventory, filtered.")
  static final class ListCerts implements Callable<Integer> {
    @ParentCommand CertCommand cert;
    @Spec CommandSpec spec;
    @Option(names = "--expiring", paramLabel = "DURATION", description = "only those expiring within, e.g. 30d")
    String expiring;
    @Option(names = "--owner", paramLabel = "PRINCIPAL") String owner;
    @Option(names = "--ca", paramLabel = "NAME") String ca;
    @Option(names = "--status", paramLabel = "STATUS", description = "good, revoked or hold") String status;

    @Override
    public Integer call() throws IOException {
      StringBuilder query = new StringBuilder("limit=1000");
      if (expiring != null) {
        query.append("&expiring=").append(q(expiring));
      }
      if (owner != null) {
        query.append("&owner=").append(q(owner));
      }
      if (ca != null) {
        query.append("&ca=").append(q(ca));
      }
      if (status != null) {
        query.append("&status=").append(q(status));
      }
      ArrayNode all = Output.JSON_MAPPER.createArrayNode();
      String after = null;
      do {
        JsonNode page = KeyCommand.get("/v1/certs?" + query + (after == null ? "" : "&after=" + q(after)));
        page.path("certificates").forEach(all::add);
        after = page.hasNonNull("next_after") ? page.get("next_after").asText() : null;
      } while (after != null);
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode c : all) {
        rows.add(List.of(c.path("serial").asText(), c.path("ca").asText(), c.path("subject").asText(),
            c.path("profile").asText(), c.path("owner").asText(), c.path("owner_contact").asText(),
            c.path("not_after").asText(), c.path("status").asText()));
      }
      cert.root.output.list(spec.commandLine().getOut(), all, List.of("Serial", "CA", "Subject", "Profile", "Owner",
          "Contact", "Not after", "Status"), rows);
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One certificate, with its PEM.")
  static final class Show implements Callable<Integer> {
    @ParentCommand CertCommand cert;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "SERIAL") String serial;

    @Override
    public Integer call() throws IOException {
      JsonNode c = KeyCommand.get("/v1/certs/" + q(serial));
      List<Map.Entry<String, String>> rows = new ArrayList<>();
      c.fields().forEachRemaining(e -> rows.add(Map.entry(e.getKey(),
          e.getValue().isArray() ? String.join(", ", toList(e.getValue())) : e.getValue().asText())));
      cert.root.output.keyValues(spec.commandLine().getOut(), c, rows);
      return 0;
    }

    private static List<String> toList(JsonNode array) {
      List<String> out = new ArrayList<>();
      array.forEach(n -> out.add(n.asText()));
      return out;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = {"Revoke a certificate at once (SS-002 11.6.1), put it on hold (certificateHold) or release a hold",
          "(removeFromCRL). Revoking again changes nothing. The CA's next CRL follows within seconds. Needs ca:revoke."})
  static final class Revoke implements Callable<Integer> {
    @ParentCommand CertCommand cert;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "SERIAL", description = "hex, colons allowed") String serial;
    @Option(names = "--reason", required = true, paramLabel = "REASON",
        description = "keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, "
            + "certificateHold, privilegeWithdrawn, unspecified; removeFromCRL releases a hold") String reason;

    @Override
    public Integer call() throws IOException {
      JsonNode r = KeyCommand.post("/v1/certs/" + q(serial.replace(":", "")) + "/revoke", Map.of("reason", reason));
      String what = switch (r.path("status").asText()) {
        case "hold" -> "on hold";
        case "good" -> "released from hold";
        default -> "revoked (" + r.path("reason").asText() + ")";
      };
      KeyCommand.println(spec, "certificate " + r.path("serial").asText() + " of CA " + r.path("ca").asText() + " "
          + (r.path("changed").asBoolean() ? "is now " + what + "; the CA's CRL follows within "
              + r.path("crl_within_seconds").asText() + " s" : "was already " + what + "; nothing changed"));
      return 0;
    }
  }
}
