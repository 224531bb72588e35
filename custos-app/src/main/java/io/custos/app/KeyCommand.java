package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "key", mixinStandardHelpOptions = true,
    description = {"Managed keys (SS-002 11.2-11.5) on the server at CUSTOS_ADDR: each key has one purpose",
        "(encrypt, sign, wrap or mac), one owner, an approved algorithm and cryptoperiods. Secrets never leave",
        "the server except as asked: decrypted data, data keys and unwrapped keys."},
    subcommands = {KeyCommand.Create.class, KeyCommand.ListKeys.class, KeyCommand.Show.class, KeyCommand.Rotate.class,
        KeyCommand.Activate.class, KeyCommand.Suspend.class, KeyCommand.Deactivate.class, KeyCommand.Compromise.class,
        KeyCommand.Destroy.class, KeyCommand.Encrypt.class, KeyCommand.Decrypt.class, KeyCommand.Rewrap.class,
        KeyCommand.DataKey.class, KeyCommand.Sign.class, KeyCommand.Verify.class, KeyCommand.MacCmd.class,
        KeyCommand.VerifyMac.class, KeyCommand.Wrap.class, KeyCommand.Unwrap.class, KeyCommand.Backup.class,
        KeyCommand.Restore.class, KeyCommand.PublicKey.class, KeyCommand.ImportPublicKey.class,
        KeyCommand.Import.class})
final class KeyCommand {
  /** The most one request may carry; larger data goes under a data key. */
  static final int MAX_INPUT = 1 << 20;

  @ParentCommand CustosCommand root;

  // ---------------------------------------------------------------- shared

  static JsonNode post(String path, Object body) throws IOException {
    try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
      return Output.JSON_MAPPER.readTree(client.ok(client.postJson(path, Output.JSON_MAPPER.writeValueAsBytes(body))));
    }
  }

  /** As {@link #post(String, Object)}, re-submitting under an approval when {@code --approval} was given. */
  static JsonNode post(String path, Object body, ApprovalCommand.Option approval) throws IOException {
    try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
      return Output.JSON_MAPPER.readTree(client.ok(client.postJson(path, Output.JSON_MAPPER.writeValueAsBytes(body),
          approval.id())));
    }
  }

  static JsonNode get(String path) throws IOException {
    try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
      return Output.JSON_MAPPER.readTree(client.ok(client.get(path)));
    }
  }

  static String path(String name, String verb) {
    return "/v1/keys/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + (verb.isEmpty() ? "" : "/" + verb);
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  /** Input from {@code --in FILE} or stdin, at most 1 MiB. */
  static byte[] input(Path in) throws IOException {
    try (InputStream s = in == null ? System.in : Files.newInputStream(in)) {
      byte[] b = s.readNBytes(MAX_INPUT + 1);
      if (b.length > MAX_INPUT) {
        throw new UsageFailure("input is larger than 1 MiB, the most one request may carry; "
            + "encrypt larger data under a data key (custos key datakey)");
      }
      return b;
    } catch (java.nio.file.NoSuchFileException e) {
      throw new UsageFailure("input file " + in + " does not exist");
    }
  }

  /** A text argument, or the text on stdin / in a file (trimmed). */
  static String textInput(String given, Path in, String what) throws IOException {
    if (given != null) {
      return given.trim();
    }
    String t = new String(input(in), StandardCharsets.UTF_8).trim();
    if (t.isEmpty()) {
      throw new UsageFailure("no " + what + " given (as an argument, with --in FILE or on stdin)");
    }
    return t;
  }

  /** Writes raw bytes to stdout (decrypted data, unwrapped keys), then overwrites our copy. */
  static void writeRaw(byte[] b) {
    PrintStream out = System.out;
    out.write(b, 0, b.length);
    out.flush();
    Arrays.fill(b, (byte) 0);
  }

  static void println(CommandSpec spec, String line) {
    PrintWriter out = spec.commandLine().getOut();
    out.println(line);
    out.flush();
  }

  static void printKey(Output output, CommandSpec spec, JsonNode k) {
    List<Map.Entry<String, String>> rows = new ArrayList<>();
    rows.add(Map.entry("Name", k.path("name").asText()));
    rows.add(Map.entry("Id", k.path("id").asText()));
    rows.add(Map.entry("Owner", k.path("owner").asText()));
    rows.add(Map.entry("Purpose", k.path("purpose").asText()));
    rows.add(Map.entry("Algorithm", k.path("algorithm").asText()));
    rows.add(Map.entry("State", k.path("state").asText() + " (" + k.path("state_reason").asText() + ")"));
    rows.add(Map.entry("Versions", String.valueOf(k.path("versions").size())));
    rows.add(Map.entry("Created", k.path("created_at").asText()));
    rows.add(Map.entry("Originator usage", k.path("originator_usage").asText() + ", until "
        + k.path("originator_usage_end").asText()));
    rows.add(Map.entry("Recipient usage", k.path("recipient_usage").asText() + ", until "
        + k.path("recipient_usage_end").asText()));
    rows.add(Map.entry("Rotate every", text(k, "rotate_every", "never")));
    rows.add(Map.entry("Escrow", k.path("escrow").asText()));
    rows.add(Map.entry("Retain until", text(k, "retain_until", "-")));
    rows.add(Map.entry("CA key", k.path("ca").asText()));
    rows.add(Map.entry("Origin", k.path("origin").asText()));
    output.keyValues(spec.commandLine().getOut(), k, rows);
  }

  static String text(JsonNode n, String field, String absent) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? absent : v.asText();
  }

  /** {@code --aad TEXT} or {@code --aad-file FILE}. */
  static final class Aad {
    @Option(names = "--aad", paramLabel = "TEXT", description = "Associated data (UTF-8): must be given again to decrypt.")
    String text;
    @Option(names = "--aad-file", paramLabel = "FILE", description = "Associated data from a file.")
    Path file;

    void into(ObjectNode body) throws IOException {
      if (text != null && file != null) {
        throw new UsageFailure("give --aad or --aad-file, not both");
      }
      if (text != null) {
        body.put("aad", b64(text.getBytes(StandardCharsets.UTF_8)));
      } else if (file != null) {
        try {
          body.put("aad", b64(Files.readAllBytes(file)));
        } catch (java.nio.file.NoSuchFileException e) {
          throw new UsageFailure("--aad-file " + file + " does not exist");
        }
      }
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** What a new key is: the options of create and import. */
  static final class SpecOptions {
    @Option(names = "--purpose", required = true, paramLabel = "PURPOSE", description = "encrypt, sign, wrap or mac.") String purpose;
    @Option(names = "--algorithm", required = true, paramLabel = "ALG",
        description = "aes-256-gcm, aes-256-kwp, hmac-sha256, hmac-sha384, ecdsa-p256, ecdsa-p384, ed25519, rsa-3072, "
            + "rsa-4096, ml-dsa-44, ml-dsa-65, ml-dsa-87, ml-kem-768, ml-kem-1024.") String algorithm;
    @Option(names = "--owner", required = true, paramLabel = "PRINCIPAL", description = "The one principal the key belongs to.") String owner;
    @Option(names = "--rotate-every", paramLabel = "PERIOD", description = "Rotate automatically, e.g. 90d.") String rotateEvery;
    @Option(names = "--originator-usage", paramLabel = "PERIOD", description = "How long each version protects, e.g. 1y.") String originator;
    @Option(names = "--recipient-usage", paramLabel = "PERIOD", description = "How long each version processes, e.g. 4y.") String recipient;
    @Option(names = "--escrow", defaultValue = "none", paramLabel = "required|none", description = "Whether a current backup is required (default none).") String escrow;
    @Option(names = "--retain-until", paramLabel = "DATE", description = "Destroy the key and void its backups then (ISO date or instant).") String retainUntil;
    @Option(names = "--activate-at", paramLabel = "INSTANT", description = "Pre-activation until then.") String activateAt;
    @Option(names = "--ca", description = "A CA key: never backed up, escrowed or exported.") boolean ca;

    ObjectNode body(String name) {
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      body.put("name", name);
      body.put("purpose", purpose);
      body.put("algorithm", algorithm);
      body.put("owner", owner);
      body.put("escrow", escrow);
      if (rotateEvery != null) {
        body.put("rotate_every", rotateEvery);
      }
      if (originator != null) {
        body.put("originator_usage", originator);
      }
      if (recipient != null) {
        body.put("recipient_usage", recipient);
      }
      if (retainUntil != null) {
        body.put("retain_until", retainUntil);
      }
      if (activateAt != null) {
        body.put("activate_at", activateAt);
      }
      if (ca) {
        body.put("ca", true);
      }
      return body;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key (its first version is made on the server).")
  static final class Create implements Callable<Integer> {
    @ParentCommand KeyCommand key;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", description = "[a-z0-9][a-z0-9._-]{0,63}; names are never reused.") String name;
    @Mixin SpecOptions options = new SpecOptions();

    @Override
    public Integer call() throws IOException {
      printKey(key.root.output, spec, post("/v1/keys", options.body(name)));
      return 0;
    }
  }

  @Command(name = "import-key", mixinStandardHelpOptions = true,
      description = {"The instance's RSA-3072 import public key (PEM, or --format jwk). Wrap a key to it as PKCS #11",
          "CKM_RSA_AES_KEY_WRAP (RSA-OAEP-SHA-256 of a one-time AES-256 key, then AES-KWP of the key under it)",
          "to import it with `custos key import`."})
  static final class ImportPublicKey implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--format", defaultValue = "pem", paramLabel = "pem|jwk", description = "Default pem.") String format;

    @Override
    public Integer call() throws IOException {
      if (!format.equals("pem") && !format.equals("jwk")) {
        throw new UsageFailure("--format must be pem or jwk");
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        byte[] body = client.ok(client.get("/v1/keys/import-key?format=" + format));
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("jwk")) {
          Output.printJson(out, Output.JSON_MAPPER.readTree(body));
        } else {
          out.print(new String(body, StandardCharsets.US_ASCII));
        }
        out.flush();
      }
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Import a symmetric key (bring your own key): the key wrapped to the import key (base64, from",
          "--wrapped FILE or stdin), or custos:v1: text of a wrap key this instance holds. The key is marked imported."})
  static final class Import implements Callable<Integer> {
    @ParentCommand KeyCommand key;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", description = "[a-z0-9][a-z0-9._-]{0,63}; names are never reused.") String name;
    @Mixin SpecOptions options = new SpecOptions();
    @Option(names = "--wrapped", paramLabel = "FILE", description = "The wrapped key (default: stdin).") Path wrapped;

    @Override
    public Integer call() throws IOException {
      ObjectNode body = options.body(name);
      body.put("wrapped", textInput(null, wrapped, "wrapped key"));
      printKey(key.root.output, spec, post("/v1/keys/import", body));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The key inventory (SS-002 11.5.1); --output table, json or csv.")
  static final class ListKeys implements Callable<Integer> {
    @ParentCommand KeyCommand key;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      JsonNode keys = get("/v1/keys").get("keys");
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode k : keys) {
        rows.add(List.of(k.path("name").asText(), k.path("owner").asText(), k.path("purpose").asText(),
            k.path("algorithm").asText(), k.path("size_bits").asInt() == 0 ? "-" : k.path("size_bits").asText(),
            k.path("state").asText(), k.path("versions").asText(), k.path("created").asText(),
            k.path("activation").asText(), k.path("originator_usage_end").asText(),
            k.path("recipient_usage_end").asText(), text(k, "retain_until", "-"), k.path("escrow").asText(),
            k.path("protected_by").asText(), k.path("location").asText()));
      }
      key.root.output.list(spec.commandLine().getOut(), keys, List.of("Name", "Owner", "Purpose", "Algorithm", "Size",
          "State", "Versions", "Created", "Activation", "Originator usage end", "Recipient usage end", "Retention",
          "Escrow", "Protected by", "Location"), rows);
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "A key's metadata.")
  static final class Show implements Callable<Integer> {
    @ParentCommand KeyCommand key;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws IOException {
      printKey(key.root.output, spec, get(path(name, "")));
      return 0;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true, description = "Add a version; new protection uses it.")
  static final class Rotate implements Callable<Integer> {
    @ParentCommand KeyCommand key;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws IOException {
      JsonNode k = post(path(name, "rotate"), Map.of());
      if (key.root.output == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), k);
      } else {
        println(spec, "Key " + name + " is at version " + k.path("versions").size() + "; older versions keep processing.");
      }
      return 0;
    }
  }

  /** The state commands: NAME and an optional reason. */
  abstract static class StateChange implements Callable<Integer> {
    @ParentCommand KeyCommand key;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the record.") String reason;
    @Mixin ApprovalCommand.Option approval = new ApprovalCommand.Option();

    abstract String target() throws IOException;

    @Override
    public Integer call() throws IOException {
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      body.put("state", target());
      if (reason != null) {
        body.put("reason", reason);
      }
      JsonNode k = post(path(name, "state"), body, approval);
      if (key.root.output == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), k);
      } else {
        println(spec, "Key " + name + " is " + k.path("state").asText() + ".");
      }
      return 0;
    }
  }

  @Command(name = "activate", mixinStandardHelpOptions = true, description = "Activate a pre-activation or suspended key.")
  static final class Activate extends StateChange {
    String target() {
      return "active";
    }
  }

  @Command(name = "suspend", mixinStandardHelpOptions = true, description = "Suspend an active key (reversible).")
  static final class Suspend extends StateChange {
    String target() {
      return "suspended";
    }
  }

  @Command(name = "deactivate", mixinStandardHelpOptions = true,
      description = "Stop a key protecting new data; it still processes until its recipient-usage period ends.")
  static final class Deactivate extends StateChange {
    String target() {
      return "deactivated";
    }
  }

  @Command(name = "compromise", mixinStandardHelpOptions = true,
      description = "Mark a key compromised: it protects nothing more and processes only with --allow-compromised.")
  static final class Compromise extends StateChange {
    String target() {
      return "compromised";
    }
  }

  @Command(name = "destroy", mixinStandardHelpOptions = true,
      description = "Overwrite and delete every version's material; the metadata stays in the inventory.")
  static final class Destroy extends StateChange {
    String target() throws IOException {
      String now = get(path(name, "")).path("state").asText();
      return now.equals("compromised") || now.equals("destroyed") ? "destroyed-compromised" : "destroyed";
    }
  }

  // ---------------------------------------------------------------- operations

  @Command(name = "encrypt", mixinStandardHelpOptions = true,
      description = "Encrypt stdin (or --in FILE, at most 1 MiB); prints the ciphertext custos:v1:NAME:VERSION:….")
  static final class Encrypt implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--in", paramLabel = "FILE") Path in;
    @Mixin Aad aad = new Aad();

    @Override
    public Integer call() throws IOException {
      byte[] plain = input(in);
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      body.put("plaintext", b64(plain));
      Arrays.fill(plain, (byte) 0);
      aad.into(body);
      println(spec, post(path(name, "encrypt"), body).get("ciphertext").asText());
      return 0;
    }
  }

  @Command(name = "decrypt", mixinStandardHelpOptions = true,
      description = "Decrypt a ciphertext (argument, --in FILE or stdin); writes the plaintext bytes to stdout.")
  static final class Decrypt implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "CIPHERTEXT", arity = "0..1") String ciphertext;
    @Option(names = "--in", paramLabel = "FILE") Path in;
    @Mixin Aad aad = new Aad();
    @Option(names = "--allow-compromised", description = "Process under a compromised key (audited).") boolean allowCompromised;

    @Override
    public Integer call() throws IOException {
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      body.put("ciphertext", textInput(ciphertext, in, "ciphertext"));
      aad.into(body);
      if (allowCompromised) {
        body.put("allow_compromised", true);
      }
      writeRaw(Base64.getDecoder().decode(post(path(name, "decrypt"), body).get("plaintext").asText()));
      return 0;
    }
  }

  @Command(name = "rewrap", mixinStandardHelpOptions = true,
      description = "Move a ciphertext to the key's newest version; the plaintext never leaves the server.")
  static final class Rewrap implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "CIPHERTEXT", arity = "0..1") String ciphertext;
    @Option(names = "--in", paramLabel = "FILE") Path in;
    @Mixin Aad aad = new Aad();

    @Override
    public Integer call() throws IOException {
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      body.put("ciphertext", textInput(ciphertext, in, "ciphertext"));
      aad.into(body);
      println(spec, post(path(name, "rewrap"), body).get("ciphertext").asText());
      return 0;
    }
  }

  @Command(name = "datakey", mixinStandardHelpOptions = true,
      description = {"A fresh 256-bit data key for envelope encryption: prints its ciphertext, and with --plaintext",
          "the key itself (base64) on a second line (--output json: both as JSON)."})
  static final class DataKey implements Callable<Integer> {
    @ParentCommand KeyCommand key;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--plaintext", description = "Also return the data key itself.") boolean plaintext;
    @Mixin Aad aad = new Aad();

    @Override
    public Integer call() throws IOException {
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      body.put("plaintext", plaintext);
      aad.into(body);
      JsonNode r = post(path(name, "datakey"), body);
      if (key.root.output == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), r);
      } else {
        println(spec, r.get("ciphertext").asText());
        if (r.has("plaintext")) {
          println(spec, r.get("plaintext").asText());
        }
      }
      return 0;
    }
  }

  @Command(name = "sign", mixinStandardHelpOptions = true, description = "Sign stdin (or --in FILE, at most 1 MiB); prints the signature.")
  static final class Sign implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--in", paramLabel = "FILE") Path in;

    @Override
    public Integer call() throws IOException {
      println(spec, post(path(name, "sign"), Map.of("input", b64(input(in)))).get("signature").asText());
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Verify a signature over stdin (or --in FILE): prints valid (exit 0) or invalid (exit 1).")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--signature", required = true, paramLabel = "SIGNATURE") String signature;
    @Option(names = "--in", paramLabel = "FILE") Path in;
    @Option(names = "--allow-compromised", description = "Process under a compromised key (audited).") boolean allowCompromised;

    @Override
    public Integer call() throws IOException {
      return check(spec, name, "verify", "signature", signature, in, allowCompromised);
    }
  }

  /** Verifies a signature or MAC over stdin (or {@code in}): prints valid (exit 0) or invalid (exit 1). */
  private static int check(CommandSpec spec, String name, String op, String field, String value, Path in,
      boolean allowCompromised) throws IOException {
    ObjectNode body = Output.JSON_MAPPER.createObjectNode();
    body.put("input", b64(input(in)));
    body.put(field, value.trim());
    if (allowCompromised) {
      body.put("allow_compromised", true);
    }
    boolean valid = post(path(name, op), body).get("valid").asBoolean();
    println(spec, valid ? "valid" : "invalid");
    return valid ? 0 : 1;
  }

  @Command(name = "mac", mixinStandardHelpOptions = true, description = "MAC stdin (or --in FILE, at most 1 MiB); prints the MAC.")
  static final class MacCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--in", paramLabel = "FILE") Path in;

    @Override
    public Integer call() throws IOException {
      println(spec, post(path(name, "mac"), Map.of("input", b64(input(in)))).get("mac").asText());
      return 0;
    }
  }

  @Command(name = "verify-mac", mixinStandardHelpOptions = true,
      description = "Verify a MAC over stdin (or --in FILE): prints valid (exit 0) or invalid (exit 1).")
  static final class VerifyMac implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--mac", required = true, paramLabel = "MAC") String mac;
    @Option(names = "--in", paramLabel = "FILE") Path in;
    @Option(names = "--allow-compromised", description = "Process under a compromised key (audited).") boolean allowCompromised;

    @Override
    public Integer call() throws IOException {
      return check(spec, name, "verify-mac", "mac", mac, in, allowCompromised);
    }
  }

  @Command(name = "wrap", mixinStandardHelpOptions = true,
      description = "Wrap another managed key (--key) or key material (--blob-file with --algorithm); prints the wrapped key.")
  static final class Wrap implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", description = "The wrap key.") String name;
    @ArgGroup(exclusive = true, multiplicity = "1") What what;
    @Mixin ApprovalCommand.Option approval = new ApprovalCommand.Option();

    static final class What {
      @Option(names = "--key", paramLabel = "KEY", description = "A managed key to wrap.") String key;
      @ArgGroup(exclusive = false) Blob blob;
    }

    static final class Blob {
      @Option(names = "--blob-file", required = true, paramLabel = "FILE", description = "Key material to wrap.") Path file;
      @Option(names = "--algorithm", required = true, paramLabel = "ALG", description = "What the material is, e.g. aes-256-gcm.") String algorithm;
    }

    @Override
    public Integer call() throws IOException {
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      if (what.key != null) {
        body.put("key", what.key);
      } else {
        byte[] material = input(what.blob.file);
        body.put("blob", b64(material));
        Arrays.fill(material, (byte) 0);
        body.put("algorithm", what.blob.algorithm);
      }
      println(spec, post(path(name, "wrap"), body, approval).get("wrapped").asText());
      return 0;
    }
  }

  @Command(name = "unwrap", mixinStandardHelpOptions = true,
      description = {"Unwrap a wrapped key (argument, --in FILE or stdin): writes the key material bytes to stdout",
          "(--output json: {algorithm, material} with the material in base64)."})
  static final class Unwrap implements Callable<Integer> {
    @ParentCommand KeyCommand key;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "WRAPPED", arity = "0..1") String wrapped;
    @Option(names = "--in", paramLabel = "FILE") Path in;
    @Option(names = "--allow-compromised", description = "Process under a compromised key (audited).") boolean allowCompromised;

    @Override
    public Integer call() throws IOException {
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      body.put("wrapped", textInput(wrapped, in, "wrapped key"));
      if (allowCompromised) {
        body.put("allow_compromised", true);
      }
      JsonNode r = post(path(name, "unwrap"), body);
      if (key.root.output == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), r);
      } else {
        writeRaw(Base64.getDecoder().decode(r.get("material").asText()));
      }
      return 0;
    }
  }

  @Command(name = "backup", mixinStandardHelpOptions = true,
      description = "Back up every live version of a key, wrapped under a wrap key; prints the backup.")
  static final class Backup implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--wrap-with", required = true, paramLabel = "KEY", description = "The wrap key.") String wrapWith;
    @Mixin ApprovalCommand.Option approval = new ApprovalCommand.Option();

    @Override
    public Integer call() throws IOException {
      println(spec, post(path(name, "backup"), Map.of("wrap_with", wrapWith), approval).get("backup").asText());
      return 0;
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true, description = "Restore a backup (argument, --in FILE or stdin).")
  static final class Restore implements Callable<Integer> {
    @ParentCommand KeyCommand key;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "BACKUP", arity = "0..1") String backup;
    @Option(names = "--in", paramLabel = "FILE") Path in;
    @Option(names = "--as", paramLabel = "NAME", description = "Restore under this name.") String as;

    @Override
    public Integer call() throws IOException {
      ObjectNode body = Output.JSON_MAPPER.createObjectNode();
      body.put("backup", textInput(backup, in, "backup"));
      if (as != null) {
        body.put("as", as);
      }
      printKey(key.root.output, spec, post("/v1/keys/restore", body));
      return 0;
    }
  }

  @Command(name = "public-key", mixinStandardHelpOptions = true, description = "The public key of an asymmetric key, as PEM or JWK.")
  static final class PublicKey implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--format", defaultValue = "pem", paramLabel = "pem|jwk", description = "Default pem.") String format;
    @Option(names = "--key-version", paramLabel = "N", description = "A version (default: the newest).") Integer version;

    @Override
    public Integer call() throws IOException {
      if (!format.equals("pem") && !format.equals("jwk")) {
        throw new UsageFailure("--format must be pem or jwk");
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        byte[] body = client.ok(client.get(path(name, "public") + "?format=" + format
            + (version == null ? "" : "&version=" + version)));
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("jwk")) {
          Output.printJson(out, Output.JSON_MAPPER.readTree(body));
        } else {
          out.print(new String(body, StandardCharsets.US_ASCII));
        }
        out.flush();
      }
      return 0;
    }
  }
}
