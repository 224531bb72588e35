package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.crypto.CustodianEnvelope;
import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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

@Command(name = "operator", mixinStandardHelpOptions = true,
    description = "The root of trust: init, unseal, seal, status (against CUSTOS_ADDR).",
    subcommands = {OperatorCommand.Init.class, OperatorCommand.Unseal.class, OperatorCommand.SealNow.class,
        OperatorCommand.Status.class, OperatorCommand.Rotate.class, OperatorCommand.DecryptShare.class})
final class OperatorCommand {
  @ParentCommand CustosCommand root;

  static void printStatus(OperatorCommand op, CommandSpec spec, JsonNode s) {
    List<Map.Entry<String, String>> rows = new java.util.ArrayList<>(List.of(
        Map.entry("Initialized", s.path("initialized").asText()),
        Map.entry("Sealed", s.path("sealed").asText()),
        Map.entry("Threshold", s.path("t").asText()),
        Map.entry("Shares", s.path("n").asText()),
        Map.entry("Unseal progress", s.path("progress").asText() + "/" + s.path("t").asText()),
        Map.entry("Barrier", s.path("barrier").asText())));
    List<Map.Entry<String, String>> crypto = cryptoRows(s.path("crypto"));
    java.io.PrintWriter out = spec.commandLine().getOut();
    if (op.root.output == Output.CSV) {
      crypto.forEach(c -> rows.add(Map.entry("Crypto: " + c.getKey(), c.getValue())));
    }
    op.root.output.keyValues(out, s, rows);
    if (op.root.output == Output.TABLE && !crypto.isEmpty()) {
      // SS-002: which module performs and protects what.
      out.println();
      out.println("Crypto modules");
      int width = crypto.stream().mapToInt(c -> c.getKey().length()).max().orElse(0);
      crypto.forEach(c -> out.printf("  %-" + width + "s  %s%n", c.getKey(), c.getValue()));
      out.flush();
    }
  }

  /** The status's {@code crypto} object as rows; asymmetric key types grouped by who performs them. */
  static List<Map.Entry<String, String>> cryptoRows(JsonNode c) {
    if (!c.isObject()) {
      return List.of();
    }
    List<Map.Entry<String, String>> rows = new java.util.ArrayList<>();
    rows.add(Map.entry("Random numbers", c.path("drbg").asText()));
    rows.add(Map.entry("Barrier", c.path("barrier").asText()));
    rows.add(Map.entry("Key generation", c.path("key_generation").asText()));
    rows.add(Map.entry("Symmetric keys", c.path("symmetric").asText()));
    Map<String, List<String>> byPerformer = new java.util.LinkedHashMap<>();
    c.path("asymmetric").fields().forEachRemaining(e ->
        byPerformer.computeIfAbsent(e.getValue().asText(), k -> new java.util.ArrayList<>()).add(e.getKey()));
    byPerformer.forEach((performer, types) ->
        rows.add(Map.entry("Asymmetric keys", performer + ": " + String.join(", ", types))));
    rows.add(Map.entry("Asymmetric provider", c.path("provider").asText()));
    return rows;
  }

  /** The largest key file read: a PEM certificate chain or key is far smaller. */
  static final long MAX_KEY_FILE_BYTES = 64 * 1024;

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Create the root of trust, once: a 256-bit root key split into N unseal shares, any M of",
          "which unseal; prints each share and the initial root token once (--output json for scripts).",
          "With --custodian-keys each share is encrypted on the server to one custodian's public key."})
  static final class Init implements Callable<Integer> {
    @ParentCommand OperatorCommand op;
    @Spec CommandSpec spec;
    @Option(names = "--shares", defaultValue = "5", description = "N, 2 to 16 (default 5).") int shares;
    @Option(names = "--threshold", defaultValue = "3", description = "M, 2 to N (default 3).") int threshold;
    @Option(names = "--custodian-keys", split = ",", paramLabel = "FILE",
        description = {"N PEM certificates or public keys (RSA >= 3072 bits, EC P-256/P-384), comma-separated:",
            "share i is encrypted to key i and only its custodian can read it (like Vault's -pgp-keys)."})
    List<Path> custodianKeys;

    @Override
    public Integer call() throws IOException {
      if (custodianKeys == null) {
        custodianKeys = List.of();
      }
      List<CustodianEnvelope.Recipient> recipients = recipients();
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("secret_shares", shares);
      request.put("secret_threshold", threshold);
      if (!recipients.isEmpty()) {
        request.put("custodian_keys", recipients.stream().map(CustodianEnvelope.Recipient::publicKeyPem).toList());
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        byte[] body = Output.JSON_MAPPER.writeValueAsBytes(request);
        JsonNode r = Output.JSON_MAPPER.readTree(client.ok(client.put("/v1/sys/init", body)));
        List<String> encryptedTo = checkEncryption(r, recipients);
        PrintWriter out = spec.commandLine().getOut();
        if (op.root.output == Output.JSON) {
          var doc = Output.JSON_MAPPER.createObjectNode();
          doc.set("shares", r.get("shares"));
          doc.put("threshold", r.get("threshold").asInt());
          doc.put("root_token", r.get("root_token").asText());
          if (!encryptedTo.isEmpty()) {
            var to = doc.putArray("encrypted_to");
            encryptedTo.forEach(to::add);
          }
          Output.printJson(out, doc);
          return 0;
        }
        int i = 0;
        for (JsonNode s : r.get("shares")) {
          String label = "Unseal Share " + (i + 1);
          if (!encryptedTo.isEmpty()) {
            label += " (encrypted to " + custodianKeys.get(i) + ", SPKI sha256 " + encryptedTo.get(i) + ")";
          }
          out.println(label + ": " + s.asText());
          i++;
        }
        out.println();
        out.println("Initial Root Token: " + r.get("root_token").asText());
        out.println();
        out.println("Custos is initialised with " + shares + " shares and a threshold of " + threshold + ".");
        if (encryptedTo.isEmpty()) {
          out.println("Give each share to a different custodian; it is never shown again. The node is sealed:");
          out.println(threshold + " custodians must each run `custos operator unseal`.");
        } else {
          out.println("Each share is encrypted to its custodian's key; send it to that custodian. The node is sealed:");
          out.println(threshold + " custodians must each run `custos operator unseal --custodian-key THEIR-KEY.pem`.");
        }
        out.flush();
      }
      return 0;
    }

    /** The custodian keys, read and checked here before the server is asked (usage errors: exit 2). */
    private List<CustodianEnvelope.Recipient> recipients() {
      if (custodianKeys.isEmpty()) {
        return List.of();
      }
      if (custodianKeys.size() != shares) {
        throw new UsageFailure("--custodian-keys names " + custodianKeys.size() + " file"
            + (custodianKeys.size() == 1 ? "" : "s") + " for " + shares
            + " shares; give exactly one custodian key file per share, in order");
      }
      List<CustodianEnvelope.Recipient> out = new ArrayList<>();
      for (Path file : custodianKeys) {
        byte[] raw = readKeyFile(file, "custodian key");
        CustodianEnvelope.Recipient r;
        try {
          r = CustodianEnvelope.Recipient.fromPem(new String(raw, StandardCharsets.US_ASCII));
        } catch (InvalidInputException e) {
          throw new UsageFailure("custodian key " + file + ": " + e.getMessage());
        } finally {
          Arrays.fill(raw, (byte) 0);
        }
        int same = out.indexOf(r);
        if (same >= 0) {
          throw new UsageFailure("custodian keys " + custodianKeys.get(same) + " and " + file
              + " are the same key; each share must go to a different custodian");
        }
        out.add(r);
      }
      return out;
    }

    /** The server must have encrypted share i to key i; anything else is refused loudly. */
    private static List<String> checkEncryption(JsonNode r, List<CustodianEnvelope.Recipient> recipients) {
      if (recipients.isEmpty()) {
        return List.of();
      }
      List<String> expected = recipients.stream().map(CustodianEnvelope.Recipient::fingerprint).toList();
      JsonNode shareTexts = r.get("shares");
      boolean ok = shareTexts != null && shareTexts.size() == expected.size();
      for (int i = 0; ok && i < expected.size(); i++) {
        String text = shareTexts.get(i).asText();
        ok = CustodianEnvelope.isEnvelope(text) && CustodianEnvelope.recipientFingerprint(text).equals(expected.get(i));
      }
      if (!ok) {
        throw new ClientFailure("the server did not return the shares encrypted to the custodian keys given;"
            + " do not use this node and check its version");
      }
      return expected;
    }
  }

  @Command(name = "unseal", mixinStandardHelpOptions = true,
      description = {"Submit one unseal share: as an argument, on stdin, or typed at a prompt without echo.",
          "With --custodian-key, the share is encrypted to you: it is decrypted here with your private key",
          "and the plain share is submitted. --reset forgets the shares submitted so far."})
  static final class Unseal implements Callable<Integer> {
    @ParentCommand OperatorCommand op;
    @Spec CommandSpec spec;
    @Parameters(arity = "0..1", paramLabel = "SHARE") String share;
    @Option(names = "--reset") boolean reset;
    @Option(names = "--custodian-key", paramLabel = "FILE",
        description = "Your PEM PKCS#8 private key, to decrypt a share encrypted to you (custos-share-enc-v1:…).")
    Path custodianKey;

    @Override
    public Integer call() throws IOException {
      byte[] body;
      if (reset) {
        body = Output.JSON_MAPPER.writeValueAsBytes(Map.of("reset", true));
      } else {
        String s = (share != null ? share : readShare("Unseal share (will be hidden): ")).strip();
        if (custodianKey != null) {
          s = decrypt(custodianKey, s);
        } else if (CustodianEnvelope.isEnvelope(s)) {
          throw new UsageFailure("this share is encrypted to a custodian key (SPKI sha256 "
              + CustodianEnvelope.recipientFingerprint(s) + "); pass --custodian-key with your private key file");
        }
        body = Output.JSON_MAPPER.writeValueAsBytes(Map.of("key", s));
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        printStatus(op, spec, Output.JSON_MAPPER.readTree(client.ok(client.put("/v1/sys/unseal", body))));
      }
      return 0;
    }
  }

  @Command(name = "decrypt-share", mixinStandardHelpOptions = true,
      description = {"Decrypt a share encrypted to you (custos-share-enc-v1:…) with your private key and print",
          "the plain share on stdout, for custodians who unseal by another route. Needs no server."})
  static final class DecryptShare implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "0..1", paramLabel = "SHARE",
        description = "The encrypted share; read from stdin, or typed without echo, when absent.") String share;
    @Option(names = "--custodian-key", paramLabel = "FILE", required = true,
        description = "Your PEM PKCS#8 private key.")
    Path custodianKey;

    @Override
    public Integer call() throws IOException {
      String s = share != null ? share : readShare("Encrypted share (will be hidden): ");
      String plain = decrypt(custodianKey, s.strip());
      PrintWriter out = spec.commandLine().getOut();
      out.println(plain);
      out.flush();
      return 0;
    }
  }

  /**
   * Decrypts an encrypted share with the custodian's private key file. Unreadable key files
   * are usage errors (exit 2); a share for another key, altered or malformed fails (exit 1).
   */
  static String decrypt(Path keyFile, String encryptedShare) {
    byte[] raw = readKeyFile(keyFile, "custodian private key");
    SecretBytes pkcs8;
    try {
      pkcs8 = CustodianEnvelope.privateKeyFromPem(new String(raw, StandardCharsets.US_ASCII));
    } catch (InvalidInputException e) {
      throw new UsageFailure("custodian private key " + keyFile + ": " + e.getMessage());
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
    try (pkcs8; SecretBytes plain = CustodianEnvelope.open(pkcs8, encryptedShare)) {
      return plain.use(b -> new String(b, StandardCharsets.US_ASCII));
    }
  }

  static byte[] readKeyFile(Path file, String what) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new UsageFailure(what + " " + file + " does not exist or is not a file");
      }
      if (Files.size(file) > MAX_KEY_FILE_BYTES) {
        throw new UsageFailure(what + " " + file + " is larger than " + MAX_KEY_FILE_BYTES + " bytes; it is not a PEM key");
      }
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UsageFailure(what + " " + file + " cannot be read: " + e.getMessage());
    }
  }

  static String readShare(String prompt) throws IOException {
    Console console = System.console();
    if (console != null) {
      char[] typed = console.readPassword(prompt);
      if (typed == null || typed.length == 0) {
        throw new UsageFailure("no share given");
      }
      return new String(typed);
    }
    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    if (line == null || line.isBlank()) {
      throw new UsageFailure("no share given (pass it as an argument or on stdin)");
    }
    return line;
  }

  @Command(name = "seal", mixinStandardHelpOptions = true, description = "Wipe all key material from the server's memory.")
  static final class SealNow implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        client.ok(client.put("/v1/sys/seal", new byte[0]));
      }
      spec.commandLine().getOut().println("Custos is sealed.");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Add a barrier key version; older versions stay readable and records move forward in the background.")
  static final class Rotate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        JsonNode r = Output.JSON_MAPPER.readTree(client.ok(client.put("/v1/sys/rotate", new byte[0])));
        spec.commandLine().getOut().println("Barrier key version " + r.get("key_version").asInt()
            + " is in use; older records are being rewrapped.");
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Seal state and unseal progress.")
  static final class Status implements Callable<Integer> {
    @ParentCommand OperatorCommand op;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        printStatus(op, spec, Output.JSON_MAPPER.readTree(client.ok(client.get("/v1/sys/seal-status"))));
      }
      return 0;
    }
  }
}
