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
    subcommands = {CertCommand.Issue.class, CertCommand.IssueBatch.class, CertCommand.ListCerts.class, CertCommand.Show.class,
        CertCommand.OpenKey.class, CertCommand.Revoke.class})
final class CertCommand {
  @ParentCommand CustosCommand root;

  private static String q(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8);
  }

  @Command(name = "issue", mixinStandardHelpOptions = true,
      description = {"Issue a certificate for a CSR under a profile (tls-server, tls-client, code-signing, ocsp-signing).",
          "Needs ca:issue on ca/NAME/profiles/PROFILE for every requested name. A refusal lists every violated rule.",
          "With --generate-key instead of --csr, Custos generates the key pair (SS-002 11.1.2: only where the profile",
          "allows it) and returns the private key encrypted: PKCS#8 under the password in --key-password-file",
          "(at least 16 characters; read it back with openssl pkcs8 -in KEY -passin file:PWFILE), or wrapped for",
          "the public key in --wrap-for. The key file is written mode 0600 and never overwritten."})
  static final class Issue implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--ca", required = true, paramLabel = "NAME") String ca;
    @Option(names = "--profile", required = true, paramLabel = "PROFILE") String profile;
    @Option(names = "--csr", paramLabel = "FILE", description = "PKCS#10 request (PEM)") Path csr;
    @Option(names = "--owner", required = true, paramLabel = "PRINCIPAL",
        description = "the principal who owns the certificate (its name and contact go to the inventory)") String owner;
    @Option(names = "--validity", paramLabel = "DURATION", description = "e.g. 90d; default the profile's maximum")
    String validity;
    @Option(names = "--out", paramLabel = "FILE", description = "write certificate and chain (PEM) here, not stdout")
    Path out;
    @Option(names = "--generate-key", paramLabel = "ALG",
        description = "have Custos generate the key pair: ecdsa-p256, ecdsa-p384, ed25519, rsa-3072, rsa-4096, ml-dsa-65 …")
    String generateKey;
    @Option(names = "--subject", paramLabel = "DN", description = "with --generate-key: the subject, e.g. CN=laptop-17")
    String subject;
    @Option(names = "--dns", paramLabel = "NAME", description = "with --generate-key: a DNS name (repeatable)")
    List<String> dns = new ArrayList<>();
    @Option(names = "--ip", paramLabel = "ADDRESS", description = "with --generate-key: an IP address (repeatable)")
    List<String> ip = new ArrayList<>();
    @Option(names = "--key-password-file", paramLabel = "FILE",
        description = "with --generate-key: its first line is the password the key is encrypted under (PKCS#8)")
    Path keyPasswordFile;
    @Option(names = "--wrap-for", paramLabel = "PEMFILE",
        description = "with --generate-key: your public key or certificate (RSA >= 3072, EC P-256/P-384) to wrap the key for")
    Path wrapFor;
    @Option(names = "--key-out", paramLabel = "FILE", description = "with --generate-key: where the encrypted key is "
        + "written (mode 0600; an existing file is never overwritten)")
    Path keyOut;

    @Override
    public Integer call() throws IOException {
      Map<String, Object> body = new LinkedHashMap<>();
      if (generateKey == null) {
        if (csr == null) {
          throw new UsageFailure("give --csr FILE, or --generate-key ALG");
        }
        if (subject != null || !dns.isEmpty() || !ip.isEmpty() || keyPasswordFile != null || wrapFor != null
            || keyOut != null) {
          throw new UsageFailure("--subject, --dns, --ip, "
              + "--key-password-file, --wrap-for and --key-out go with --generate-key, not --csr");
        }
        body.put("csr", CaCommand.readPem(csr));
      } else {
        body.put("generate_key", generateKeyRequest());
      }
      body.put("profile", profile);
      body.put("owner", owner);
      if (validity != null) {
        body.put("validity", validity);
      }
      JsonNode r = KeyCommand.post(CaCommand.path(ca, "/issue"), body);
      if (generateKey != null) {
        writePrivate(keyOut, r.path("private_key").asText());
        KeyCommand.println(spec, "private key (" + r.path("private_key_format").asText() + ") written to " + keyOut
            + " (mode 0600)");
      }
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

    private Map<String, Object> generateKeyRequest() throws IOException {
      if (csr != null) {
        throw new UsageFailure("give --csr or --generate-key, not both");
      }
      if (subject == null) {
        throw new UsageFailure("--generate-key needs --subject DN");
      }
      if ((keyPasswordFile == null) == (wrapFor == null)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--generate-key needs exactly one of --key-password-file FILE or --wrap-for PEMFILE");
      }
      if (keyOut == null) {
        throw new UsageFailure("--generate-key needs --key-out FILE");
      }
      if (Files.exists(keyOut)) {
        throw new UsageFailure(keyOut + " exists; a key file is never "
            + "overwritten");
      }
      Map<String, Object> key = new LinkedHashMap<>();
      key.put("algorithm", generateKey);
      key.put("subject", subject);
      key.put("dns", dns);
      key.put("ip", ip);
      if (keyPasswordFile != null) {
        if (!Files.isRegularFile(keyPasswordFile)) {
          throw new UsageFailure("file " + keyPasswordFile + " does not exist");
        }
        String first = Files.readAllLines(keyPasswordFile, StandardCharsets.UTF_8).stream().findFirst().orElse("");
        key.put("password", first);
      } else {
        key.put("wrap_for", CaCommand.readPem(wrapFor));
      }
      return key;
    }

    /** Writes {@code text} to a new file that only its owner can read (0600 where POSIX). */
    static void writePrivate(Path file, String text) throws IOException {
      Path parent = file.toAbsolutePath().getParent();
      boolean posix = Files.getFileStore(parent).supportsFileAttributeView("posix");
      if (posix) {
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(LoginCommand.FILE_MODE));
      } else {
        Files.createFile(file);
      }
      Files.writeString(file, text, StandardCharsets.US_ASCII);
      if (posix) {
        Files.setPosixFilePermissions(file, LoginCommand.FILE_MODE);
      }
    }
  }

  @Command(name = "issue-batch", mixinStandardHelpOptions = true,
      description = {"Issue certificates for many CSRs in one request (at most 256), each checked, decided against",
          "your ca:issue grant and audited exactly as if sent alone by 'cert issue'. Each certificate is written",
          "with its chain to --out-dir as NAME.pem, NAME being the CSR file's name without .csr or .pem; an existing",
          "file is never overwritten. One line per CSR; a refused one names its rule. Exit code 1 if any was refused."})
  static final class IssueBatch implements Callable<Integer> {
    static final int MAX = 256;
    @Spec CommandSpec spec;
    @Option(names = "--ca", required = true, paramLabel = "NAME") String ca;
    @Option(names = "--profile", required = true, paramLabel = "PROFILE") String profile;
    @Option(names = "--owner", required = true, paramLabel = "PRINCIPAL",
        description = "the principal who owns the certificates") String owner;
    @Option(names = "--validity", paramLabel = "DURATION", description = "e.g. 90d; default the profile's maximum")
    String validity;
    @Option(names = "--out-dir", required = true, paramLabel = "DIR",
        description = "where NAME.pem files are written (created if missing)") Path outDir;
    @Parameters(arity = "1..*", paramLabel = "CSR", description = "PKCS#10 requests (PEM files)") List<Path> csrs;

    @Override
    public Integer call() throws IOException {
      if (csrs.size() > MAX) {
        throw new UsageFailure("at most " + MAX + " CSRs in one batch, got " + csrs.size() + "; split them");
      }
      // Every target is decided, and checked free, before anything is sent.
      List<Path> targets = new ArrayList<>();
      for (Path csr : csrs) {
        String name = csr.getFileName().toString().replaceFirst("\\.(csr|pem|req)$", "");
        Path target = outDir.resolve(name + ".pem");
        if (targets.contains(target)) {
          throw new UsageFailure("two CSRs would both be written to " + target + "; rename one");
        }
        if (Files.exists(target)) {
          throw new UsageFailure(target + " exists; a certificate file is never overwritten");
        }
        targets.add(target);
      }
      List<Map<String, Object>> requests = new ArrayList<>();
      for (Path csr : csrs) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("csr", CaCommand.readPem(csr));
        item.put("profile", profile);
        item.put("owner", owner);
        if (validity != null) {
          item.put("validity", validity);
        }
        requests.add(item);
      }
      JsonNode r = KeyCommand.post(CaCommand.path(ca, "/issue-batch"), Map.of("requests", requests));
      Files.createDirectories(outDir);
      String chain = r.path("chain").asText();
      JsonNode results = r.path("results");
      int refused = 0;
      for (int i = 0; i < csrs.size(); i++) {
        JsonNode one = results.path(i);
        if (one.has("serial")) {
          Files.writeString(targets.get(i), one.path("certificate").asText() + chain, StandardCharsets.US_ASCII,
              java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
          KeyCommand.println(spec, csrs.get(i) + ": serial " + one.path("serial").asText() + ", valid until "
              + one.path("not_after").asText() + ", written to " + targets.get(i));
        } else {
          refused++;
          JsonNode e = one.path("error");
          spec.commandLine().getErr().println(csrs.get(i) + ": refused (" + e.path("status").asInt() + " "
              + e.path("code").asText() + "): " + e.path("detail").asText());
        }
      }
      spec.commandLine().getErr().flush();
      KeyCommand.println(spec, (csrs.size() - refused) + " issued, " + refused + " refused");
      return refused == 0 ? 0 : 1;
    }
  }

  @Command(name = "open-key", mixinStandardHelpOptions = true,
      description = {"Decrypt a private key that Custos generated and wrapped for you (cert issue --generate-key",
          "--wrap-for): the custos-share-enc-v1 envelope in --in, opened with your PEM PKCS#8 private key, is",
          "written as a PEM PRIVATE KEY to --out (mode 0600, never overwritten). Needs no server."})
  static final class OpenKey implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--in", required = true, paramLabel = "FILE", description = "the wrapped key (cert issue --key-out)")
    Path in;
    @Option(names = "--key", required = true, paramLabel = "FILE",
        description = "your PEM PKCS#8 private key, the half of the public key given to --wrap-for") Path key;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "where the key is written (0600)")
    Path out;

    @Override
    public Integer call() throws IOException {
      if (Files.exists(out)) {
        throw new UsageFailure(out + " exists; a key file is never overwritten");
      }
      String envelope = new String(OperatorCommand.readKeyFile(in, "wrapped key"), StandardCharsets.US_ASCII).strip();
      byte[] raw = OperatorCommand.readKeyFile(key, "private key");
      io.custos.crypto.SecretBytes pkcs8;
      try {
        pkcs8 = io.custos.crypto.CustodianEnvelope.privateKeyFromPem(new String(raw, StandardCharsets.US_ASCII));
      } catch (io.custos.failure.InvalidInputException e) {
        throw new UsageFailure("private key " + key + ": " + e.getMessage());
      } finally {
        java.util.Arrays.fill(raw, (byte) 0);
      }
      try (pkcs8; io.custos.crypto.SecretBytes plain = io.custos.crypto.CustodianEnvelope.open(pkcs8, envelope)) {
        Issue.writePrivate(out, plain.use(b -> io.custos.crypto.Pem.write("PRIVATE KEY", b)));
      }
      KeyCommand.println(spec, "private key written to " + out + " (mode 0600)");
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
