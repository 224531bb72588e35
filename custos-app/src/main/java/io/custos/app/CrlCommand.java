package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "crl", mixinStandardHelpOptions = true,
    description = {"Certificate revocation lists (SS-002 11.6.4): fetch a CA's full or delta CRL as relying parties do,",
        "and publish the offline root's CRL signed in a ceremony."},
    subcommands = {CrlCommand.Fetch.class, CrlCommand.Import.class})
final class CrlCommand {

  @Command(name = "fetch", mixinStandardHelpOptions = true,
      description = "Fetch a CA's current CRL (public: no token needed), DER or PEM, to a file or stdout.")
  static final class Fetch implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "CA") String ca;
    @Option(names = "--delta", description = "the delta CRL instead of the full one") boolean delta;
    @Option(names = "--format", paramLabel = "der|pem", description = "default pem on a terminal, der to a file")
    String format;
    @Option(names = "--out", paramLabel = "FILE", description = "write the CRL here, not stdout") Path out;

    @Override
    public Integer call() throws IOException {
      String f = format == null ? (out == null ? "pem" : "der") : format.toLowerCase(Locale.ROOT);
      if (!f.equals("der") && !f.equals("pem")) {
        throw new UsageFailure("--format is der or pem, not '" + format + "'");
      }
      byte[] crl;
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        crl = client.ok(client.get(CaCommand.path(ca, delta ? "/crl/delta" : "/crl") + "?format=" + f));
      }
      if (out != null) {
        Files.write(out, crl);
        KeyCommand.println(spec, (delta ? "delta CRL" : "CRL") + " of CA " + ca + " (" + crl.length + " bytes, " + f
            + ") written to " + out);
      } else if (f.equals("pem")) {
        spec.commandLine().getOut().print(new String(crl, StandardCharsets.US_ASCII));
        spec.commandLine().getOut().flush();
      } else {
        System.out.write(crl);
        System.out.flush();
      }
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Publish the offline root's CRL (from `custos ceremony crl`) on this server, at the URL root-signed",
          "CA certificates carry (`ceremony sign-ca --crl-url BASE_URL/v1/ca/ROOT/crl`). Its signature is checked",
          "against the root of the online CAs' chains; its CRL number must not go back. Needs ca:create on ca/ROOT."})
  static final class Import implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "FILE", description = "the root's CRL, PEM or DER") Path file;
    @Option(names = "--ca", paramLabel = "ROOT", defaultValue = "root",
        description = "the name it is served under (default root)") String ca;

    @Override
    public Integer call() throws IOException {
      byte[] raw = Files.readAllBytes(file);
      String pem = raw.length > 0 && raw[0] == 0x30 ? io.custos.crypto.Pem.write("X509 CRL", raw)
          : new String(raw, StandardCharsets.US_ASCII);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("crl", pem);
      JsonNode r = KeyCommand.post(CaCommand.path(ca, "/crl"), body);
      KeyCommand.println(spec, "CRL number " + r.path("crl_number").asText() + " of " + ca + " published ("
          + r.path("entries").asText() + " entries, next update " + r.path("next_update").asText() + ")");
      return 0;
    }
  }
}
