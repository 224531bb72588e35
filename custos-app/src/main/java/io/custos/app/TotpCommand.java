package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "totp", mixinStandardHelpOptions = true,
    description = {"Your second factor (SS-002 11.3.11): a TOTP authenticator app (RFC 6238, 6 digits, 30 s).",
        "Privileged capabilities need a code verified on your token within the last minutes."},
    subcommands = {TotpCommand.Enroll.class, TotpCommand.Confirm.class, TotpCommand.Verify.class})
final class TotpCommand {
  @ParentCommand CustosCommand root;

  static String code(String code) {
    String c = code.trim().replace(" ", "");
    if (!c.matches("[0-9]{6}")) {
      throw new UsageFailure("a code is the 6 digits the authenticator app shows");
    }
    return c;
  }

  @Command(name = "enroll", mixinStandardHelpOptions = true,
      description = "Enrol an authenticator app for yourself; prints the otpauth:// URI and secret once.")
  static final class Enroll implements Callable<Integer> {
    @ParentCommand TotpCommand totp;
    @Spec CommandSpec spec;
    @Option(names = "--algorithm", paramLabel = "ALG", defaultValue = "SHA1",
        description = "SHA1 (what authenticator apps use; HMAC-SHA-1 is approved for HMAC) or SHA256; default ${DEFAULT-VALUE}.")
    String algorithm;

    @Override
    public Integer call() throws IOException {
      JsonNode r = KeyCommand.post("/v1/auth/totp/enroll", Map.of("algorithm", algorithm));
      totp.root.output.keyValues(spec.commandLine().getOut(), r, List.of(
          Map.entry("Principal", r.path("principal").asText()), Map.entry("Algorithm", r.path("algorithm").asText()),
          Map.entry("Secret", r.path("secret").asText()), Map.entry("URI", r.path("uri").asText())));
      if (totp.root.output == Output.TABLE) {
        KeyCommand.println(spec, "Add the URI (or the secret) to your authenticator app, then: custos totp confirm CODE."
            + " This secret is not shown again.");
      }
      return 0;
    }
  }

  @Command(name = "confirm", mixinStandardHelpOptions = true, description = "Activate the enrolment with a first code.")
  static final class Confirm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "CODE") String code;

    @Override
    public Integer call() throws IOException {
      KeyCommand.post("/v1/auth/totp/confirm", Map.of("code", code(code)));
      KeyCommand.println(spec, "Second factor confirmed.");
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Prove your second factor on the current token (CUSTOS_TOKEN or the login token).")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "CODE") String code;

    @Override
    public Integer call() throws IOException {
      JsonNode r = KeyCommand.post("/v1/auth/totp/verify", Map.of("code", code(code)));
      KeyCommand.println(spec, "Second factor verified at " + r.path("second_factor_at").asText()
          + "; privileged operations are allowed on this token for the next minutes.");
      return 0;
    }
  }
}
