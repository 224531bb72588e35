package io.custos.app;

import io.custos.audit.AuditKeyring;
import io.custos.audit.AuditLog;
import io.custos.audit.CheckpointKeys;
import io.custos.ceremony.Ceremonies;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.FipsCryptoModule;
import io.custos.seal.UnsealShare;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.x509.CaLevel;
import io.custos.x509.Certificates;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "ceremony", mixinStandardHelpOptions = true,
    description = {"Offline root CA ceremonies (SS-002 11.3.1): the root lives in its own data directory (--data-dir),",
        "used only from this CLI on an offline machine and never served. Every ceremony after init-root needs",
        "M custodian shares (on stdin, one per line, or typed without echo) and a named witness, performs exactly one",
        "function, is written to the data directory's audit log, and wipes the root key before it returns."},
    subcommands = {CeremonyCommand.InitRoot.class, CeremonyCommand.SignCa.class, CeremonyCommand.Crl.class,
        CeremonyCommand.RevokeCa.class, CeremonyCommand.Rollover.class, CeremonyCommand.AuditExport.class})
final class CeremonyCommand {
  @ParentCommand CustosCommand root;

  /** Opens the ceremony data directory's store and audit log; refuses a directory a server uses. */
  private static <T> T withCeremonies(CustosCommand root, boolean create, Function<Ceremonies, T> f) {
    if (root.dataDir == null) {
      throw new UsageFailure("ceremonies work on the offline root's own data directory: give --data-dir DIR");
    }
    StorageUrl.Sqlite url = (StorageUrl.Sqlite) StorageUrl.inDataDir(root.dataDir);
    if (!create && !Files.isRegularFile(url.file())) {
      throw new UsageFailure("no offline root in " + root.dataDir + " (" + url.file() + " does not exist);"
          + " run `custos --data-dir DIR ceremony init-root` first");
    }
    try {
      Files.createDirectories(root.dataDir);
    } catch (IOException e) {
      throw new UsageFailure("cannot create " + root.dataDir + ": " + e.getMessage());
    }
    try (Storage storage = JdbcStorage.open(url, VersionInfo.CURRENT.version(), InstantSource.system())) {
      refuseServed(storage, root.dataDir);
      if (create && storage.records().list("ceremony", "", 1).isEmpty() && storage.audit().lastSeq() > 0) {
        throw new UsageFailure(root.dataDir + " has been used by something other than a root ceremony; init-root needs"
            + " a fresh data directory of its own");
      }
      String keyName = AuditKeyring.keyNameFor(storage.instance().id());
      try (AuditLog audit = AuditLog.open(storage.audit(), Ceremonies.auditPublicKey(storage.records()), keyName, keyName,
          InstantSource.system(),
          AuditLog.Settings.defaults())) {
        return f.apply(new Ceremonies(storage.records(), audit, FipsCryptoModule.start(),
            AsymmetricProviders.select("auto"), Clock.systemUTC()));
      }
    }
  }

  /**
   * Never served: a data directory a Custos server has initialised (seal configuration or audit
   * signing keys) is not a ceremony directory; the server, in turn, refuses a directory holding
   * an offline root.
   */
  static void refuseServed(Storage storage, Path dir) {
    if (!storage.records().list("seal", "", 1).isEmpty() || AuditKeyring.publicKey(storage.records()).isPresent()) {
      throw new UsageFailure(dir + " is a Custos server's data directory; the offline root needs its own data"
          + " directory, used only by `custos ceremony` on an offline machine and never served (SS-002 11.3.1)");
    }
  }

  private static final Pattern DURATION = Pattern.compile("(\\d{1,5})([ydh])");

  /** 20y, 5y, 30d or 12h; a year is 365 days plus a leap day every four, as in the 11.1.9 ladder. */
  static Duration duration(String text) {
    Matcher m = DURATION.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new UsageFailure("'" + text + "' is not a lifetime such as 20y, 5y, 30d or 12h");
    }
    int n = Integer.parseInt(m.group(1));
    return switch (m.group(2)) {
      case "y" -> Duration.ofDays(365L * n + (n + 3) / 4);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofHours(n);
    };
  }

  /** Reads shares: from stdin one per line, or typed without echo on a terminal, until a blank line or end. */
  static List<String> readShares(PrintWriter err) throws IOException {
    List<String> shares = new ArrayList<>();
    Console console = System.console();
    if (console != null && System.in.available() == 0 && console.isTerminal()) {
      err.println("Custodians: enter your shares one at a time (hidden); an empty line ends.");
      err.flush();
      for (int i = 1; i <= 16; i++) {
        char[] typed = console.readPassword("Share " + i + ": ");
        if (typed == null || typed.length == 0) {
          break;
        }
        shares.add(new String(typed));
        java.util.Arrays.fill(typed, ' ');
      }
    } else {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
      String line;
      while ((line = in.readLine()) != null && shares.size() < 16) {
        if (!line.isBlank()) {
          shares.add(line.strip());
        }
      }
    }
    if (shares.isEmpty()) {
      throw new UsageFailure("no custodian shares given (one per line on stdin, or typed at the prompt)");
    }
    return shares;
  }

  static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UsageFailure("cannot write " + file + ": " + e.getMessage());
    }
  }

  @Command(name = "init-root", mixinStandardHelpOptions = true,
      description = {"Generate the root key in the FIPS module, self-sign the root certificate and split the ceremony",
          "key among the custodians. Prints each custodian's share once; nothing else ever shows them again."})
  static final class InitRoot implements Callable<Integer> {
    @ParentCommand CeremonyCommand ceremony;
    @Spec CommandSpec spec;
    @Option(names = "--subject", required = true, paramLabel = "DN", description = "Root subject, e.g. \"CN=Example Root CA,O=Example,C=GB\".")
    String subject;
    @Option(names = "--algorithm", defaultValue = "ecdsa-p384", paramLabel = "ALG",
        description = "ecdsa-p384, rsa-4096 or ml-dsa-87; default ${DEFAULT-VALUE}.")
    String algorithm;
    @Option(names = "--validity", defaultValue = "20y", paramLabel = "LIFETIME", description = "At most 20y (SS-002 11.1.9); default ${DEFAULT-VALUE}.")
    String validity;
    @Option(names = "--custodians", required = true, paramLabel = "N", description = "Number of custodian shares (2..16).")
    int custodians;
    @Option(names = "--threshold", required = true, paramLabel = "M", description = "Shares needed for every later ceremony (2..N).")
    int threshold;
    @Option(names = "--witness", required = true, paramLabel = "NAME", description = "The witness (Crypto Custodian) present.")
    String witness;
    @Option(names = "--cert-out", required = true, paramLabel = "FILE", description = "Where to write the root certificate (PEM).")
    Path certOut;

    @Override
    public Integer call() {
      Duration life = duration(validity);
      PrintWriter out = spec.commandLine().getOut();
      withCeremonies(ceremony.root, true, c -> {
        try (Ceremonies.Initialised done = c.initRoot(subject, algorithm, life, custodians, threshold, witness)) {
          write(certOut, Certificates.pem("CERTIFICATE", done.rootCertificate()));
          out.println("Root certificate written to " + certOut + ".");
          out.println("Offline audit log checkpoint key (record it; the online server pins it on the first"
              + " `custos audit import`): " + c.auditVerifierKey());
          printShares(out, "Custodian shares", threshold, custodians, done.shares());
        }
        return null;
      });
      return 0;
    }
  }

  @Command(name = "sign-ca", mixinStandardHelpOptions = true,
      description = "Sign a policy or subordinate CA's PKCS#10 request with the root (M shares on stdin).")
  static final class SignCa implements Callable<Integer> {
    @ParentCommand CeremonyCommand ceremony;
    @Spec CommandSpec spec;
    @Option(names = "--csr", required = true, paramLabel = "FILE", description = "The CA's request, PEM or DER.")
    Path csr;
    @Option(names = "--level", required = true, paramLabel = "LEVEL", description = "policy (at most 15y) or subordinate (at most 5y).")
    String level;
    @Option(names = "--validity", required = true, paramLabel = "LIFETIME", description = "e.g. 5y; never past the root.")
    String validity;
    @Option(names = "--witness", required = true, paramLabel = "NAME", description = "The witness present.")
    String witness;
    @Option(names = "--base-url", paramLabel = "URL",
        description = "Where the root's CRL (URL/root.crl) and certificate (URL/root.crt) are published; put in the certificate.")
    String baseUrl;
    @Option(names = "--crl-url", paramLabel = "URL",
        description = "The CRL distribution point to write instead of URL/root.crl: the online server's "
            + "BASE_URL/v1/ca/ROOT/crl, where `custos crl import --ca ROOT` publishes the root's CRL.")
    String crlUrl;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The CA certificate (PEM).")
    Path out;
    @Option(names = "--chain-out", paramLabel = "FILE", description = "The CA certificate and the root (PEM).")
    Path chainOut;

    @Override
    public Integer call() throws IOException {
      CaLevel l = switch (level.toLowerCase(Locale.ROOT)) {
        case "policy" -> CaLevel.POLICY;
        case "subordinate" -> CaLevel.SUBORDINATE;
        default -> throw new UsageFailure("--level must be policy or subordinate");
      };
      Duration life = duration(validity);
      byte[] request = OperatorCommand.readKeyFile(csr, "CSR");
      List<String> shares = readShares(spec.commandLine().getErr());
      Ceremonies.SignedCa signed = withCeremonies(ceremony.root, false,
          c -> c.signCa(shares, witness, request, l, life, Optional.ofNullable(baseUrl),
              Optional.ofNullable(crlUrl)));
      write(out, Certificates.pem("CERTIFICATE", signed.certificate()));
      if (chainOut != null) {
        StringBuilder b = new StringBuilder();
        signed.chain().forEach(d -> b.append(Certificates.pem("CERTIFICATE", d)));
        write(chainOut, b.toString());
      }
      PrintWriter o = spec.commandLine().getOut();
      o.println("Signed " + l.id() + " CA certificate written to " + out + (chainOut == null ? "" : ", chain to " + chainOut)
          + ". The root key has been wiped.");
      o.flush();
      return 0;
    }
  }

  @Command(name = "crl", mixinStandardHelpOptions = true,
      description = "Sign the root's CRL (every revoked CA certificate), M shares on stdin.")
  static final class Crl implements Callable<Integer> {
    @ParentCommand CeremonyCommand ceremony;
    @Spec CommandSpec spec;
    @Option(names = "--next-update", defaultValue = "30d", paramLabel = "LIFETIME", description = "Default ${DEFAULT-VALUE}, at most a year.")
    String nextUpdate;
    @Option(names = "--witness", required = true, paramLabel = "NAME", description = "The witness present.")
    String witness;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The CRL (PEM).")
    Path out;
    @Option(names = "--previous", paramLabel = "SERIAL",
        description = "Sign a final CRL of the previous root with this serial (kept at rollover), with ITS custodians' shares.")
    String previous;

    @Override
    public Integer call() throws IOException {
      Duration next = duration(nextUpdate);
      List<String> shares = readShares(spec.commandLine().getErr());
      byte[] crl = withCeremonies(ceremony.root, false, c -> previous == null ? c.crl(shares, witness, next)
          : c.crlOfPrevious(previous, shares, witness, next));
      write(out, Certificates.pem("X509 CRL", crl));
      spec.commandLine().getOut().println("Root CRL written to " + out + ". The root key has been wiped.");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "revoke-ca", mixinStandardHelpOptions = true,
      description = "Mark a CA certificate the root signed as revoked (listed by the next `ceremony crl`); M shares on stdin.")
  static final class RevokeCa implements Callable<Integer> {
    @ParentCommand CeremonyCommand ceremony;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "SERIAL", description = "The CA certificate's serial, hex.")
    String serial;
    @Option(names = "--reason", defaultValue = "unspecified", paramLabel = "REASON",
        description = "RFC 5280 reason: keyCompromise, cACompromise, superseded, cessationOfOperation, ...")
    String reason;
    @Option(names = "--witness", required = true, paramLabel = "NAME", description = "The witness present.")
    String witness;

    @Override
    public Integer call() throws IOException {
      BigInteger s;
      try {
        s = new BigInteger(serial.replace(":", ""), 16);
      } catch (NumberFormatException e) {
        throw new UsageFailure("SERIAL must be hexadecimal");
      }
      List<String> shares = readShares(spec.commandLine().getErr());
      withCeremonies(ceremony.root, false, c -> {
        c.revokeCa(shares, witness, s, reason);
        return null;
      });
      spec.commandLine().getOut().println("CA certificate " + s.toString(16) + " revoked; sign a new CRL with `ceremony crl`.");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "rollover", mixinStandardHelpOptions = true,
      description = {"Root CA key update (RFC 4210 4.4), M shares of the CURRENT root on stdin: generate a new root key,",
          "self-sign the new root, issue the OldWithNew and NewWithOld link certificates, and split a new ceremony key",
          "among the custodians (new shares printed once). The old root is kept to sign its final CRLs",
          "(`ceremony crl --previous SERIAL` with the old shares) unless --retire-old destroys its key now."})
  static final class Rollover implements Callable<Integer> {
    @ParentCommand CeremonyCommand ceremony;
    @Spec CommandSpec spec;
    @Option(names = "--subject", paramLabel = "DN", description = "The new root's subject; default the current root's.")
    String subject;
    @Option(names = "--algorithm", defaultValue = "ecdsa-p384", paramLabel = "ALG",
        description = "ecdsa-p384, rsa-4096 or ml-dsa-87; default ${DEFAULT-VALUE}.")
    String algorithm;
    @Option(names = "--validity", defaultValue = "20y", paramLabel = "LIFETIME", description = "At most 20y (SS-002 11.1.9); default ${DEFAULT-VALUE}.")
    String validity;
    @Option(names = "--custodians", paramLabel = "N", description = "Custodian shares of the new split; default the current N.")
    Integer custodians;
    @Option(names = "--threshold", paramLabel = "M", description = "Shares the new root needs; default the current M.")
    Integer threshold;
    @Option(names = "--witness", required = true, paramLabel = "NAME", description = "The witness (Crypto Custodian) present.")
    String witness;
    @Option(names = "--retire-old", description = "Destroy the old root key now instead of keeping it for its final CRLs.")
    boolean retireOld;
    @Option(names = "--cert-out", required = true, paramLabel = "FILE", description = "The new root certificate (PEM).")
    Path certOut;
    @Option(names = "--old-with-new-out", required = true, paramLabel = "FILE",
        description = "Link certificate: the old root's key signed by the new one (PEM).")
    Path oldWithNewOut;
    @Option(names = "--new-with-old-out", required = true, paramLabel = "FILE",
        description = "Link certificate: the new root's key signed by the old one (PEM).")
    Path newWithOldOut;

    @Override
    public Integer call() throws IOException {
      Duration life = duration(validity);
      List<String> shares = readShares(spec.commandLine().getErr());
      PrintWriter out = spec.commandLine().getOut();
      withCeremonies(ceremony.root, false, c -> {
        try (Ceremonies.RolledOver done = c.rollover(shares, witness, algorithm, Optional.ofNullable(subject), life,
            Optional.ofNullable(custodians), Optional.ofNullable(threshold), retireOld)) {
          write(certOut, Certificates.pem("CERTIFICATE", done.newRoot()));
          write(oldWithNewOut, Certificates.pem("CERTIFICATE", done.oldWithNew()));
          write(newWithOldOut, Certificates.pem("CERTIFICATE", done.newWithOld()));
          out.println("New root certificate written to " + certOut + "; link certificates OldWithNew to " + oldWithNewOut
              + " and NewWithOld to " + newWithOldOut + ".");
          out.println(done.oldKeyDestroyed() ? "The old root key has been destroyed; the old shares open nothing."
              : "The old root key is kept, under the OLD shares, to sign its final CRLs (`ceremony crl --previous`).");
          printShares(out, "New custodian shares", c.root().threshold(), done.shares().size(), done.shares());
        }
        return null;
      });
      return 0;
    }
  }

  @Command(name = "audit-export", mixinStandardHelpOptions = true,
      description = "The offline root's audit log as JSON lines (the format of `custos audit export`), for central logging.")
  static final class AuditExport implements Callable<Integer> {
    @ParentCommand CeremonyCommand ceremony;
    @Spec CommandSpec spec;
    @Option(names = "--key-out", paramLabel = "FILE",
        description = "Write the offline log's checkpoint verifier key (name+id+key), for `custos audit import --key`.")
    Path keyOut;

    @Override
    public Integer call() throws IOException {
      if (ceremony.root.dataDir == null) {
        throw new UsageFailure("give the offline root's --data-dir DIR");
      }
      try (Storage s = AuditCommand.offline(ceremony.root.dataDir)) {
        refuseServed(s, ceremony.root.dataDir);
        if (keyOut != null) {
          byte[] key = Ceremonies.auditPublicKey(s.records()).orElseThrow(() -> new UsageFailure(
              "the offline log has no checkpoint key yet; it is made at the first ceremony"));
          String verifier = CheckpointKeys.verifierKey(AuditKeyring.keyNameFor(s.instance().id()), key);
          write(keyOut, verifier + "\n");
          spec.commandLine().getErr().println("Offline log checkpoint key " + verifier + " written to " + keyOut + ".");
          spec.commandLine().getErr().flush();
        }
        AuditCommand.exportOffline(s, 1, Long.MAX_VALUE, System.out);
      }
      System.out.flush();
      return 0;
    }
  }

  /** Prints a custodian split once: nothing else ever shows or stores the shares. */
  private static void printShares(java.io.PrintWriter out, String heading, int threshold, int custodians,
      List<UnsealShare> shares) {
    out.println(heading + " (" + threshold + " of " + custodians + " needed for every ceremony)."
        + " Each custodian keeps one; they are shown once and stored nowhere:");
    for (UnsealShare s : shares) {
      out.println("Share " + s.x() + ": " + s.text());
    }
    out.flush();
  }
}
