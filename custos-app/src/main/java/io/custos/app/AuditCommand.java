package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.audit.AuditExport;
import io.custos.audit.AuditKeyring;
import io.custos.audit.CheckpointKeys;
import io.custos.audit.LogVerifier;
import io.custos.audit.MerkleTree;
import io.custos.audit.VerificationResult;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
    description = {"The tamper-evident audit log (SS-002 11.7.1): export, verify, prove.",
        "Works against the server at CUSTOS_ADDR, or offline on a data directory with --data-dir."},
    subcommands = {AuditCommand.Search.class, AuditCommand.Tail.class, AuditCommand.Report.class,
        AuditCommand.Export.class, AuditCommand.Verify.class, AuditCommand.Prove.class,
        AuditCommand.Consistency.class, AuditCommand.PublicKey.class, AuditCommand.Hash.class,
        AuditCommand.Import.class})
final class AuditCommand {
  @ParentCommand CustosCommand root;

  static final int PAGE = 10_000;

  /** Opens an existing store for offline reading; never creates one. */
  static Storage offline(Path dataDir) {
    StorageUrl.Sqlite url = (StorageUrl.Sqlite) StorageUrl.inDataDir(dataDir);
    if (!Files.isRegularFile(url.file())) {
      throw new UsageFailure("no Custos store in " + dataDir + " (" + url.file() + " does not exist)");
    }
    return JdbcStorage.open(url, VersionInfo.CURRENT.version(), InstantSource.system());
  }

  /** Writes the export (events and checkpoint lines) of a local store. */
  static void exportOffline(Storage s, long from, long to, OutputStream out) throws IOException {
    AuditExport.write(s.audit(), from, to, out);
  }


  /** Filters shared by search and report. */
  static final class Filters {
    @Option(names = "--principal", paramLabel = "ID", description = "Only this principal.")
    String principal;
    @Option(names = "--action", paramLabel = "ACTION", description = "Only this action; a trailing * matches a prefix (kms.*).")
    String action;
    @Option(names = "--resource", paramLabel = "RESOURCE", description = "Only this resource; a trailing * matches a prefix.")
    String resource;
    @Option(names = "--outcome", paramLabel = "OUTCOME", description = "ok, denied or error.")
    String outcome;
    @Option(names = "--since", paramLabel = "WHEN", description = "From this time: RFC 3339, or an age such as 30d, 12h, 15m.")
    String since;
    @Option(names = "--until", paramLabel = "WHEN", description = "Before this time: RFC 3339, or an age.")
    String until;

    String query() {
      StringBuilder q = new StringBuilder();
      add(q, "principal", principal);
      add(q, "action", action);
      add(q, "resource", resource);
      add(q, "outcome", outcome);
      add(q, "since", since == null ? null : when(since).toString());
      add(q, "until", until == null ? null : when(until).toString());
      return q.toString();
    }

    private static void add(StringBuilder q, String name, String value) {
      if (value != null) {
        q.append('&').append(name).append('=').append(java.net.URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
  }

  /** An RFC 3339 time, or an age before now such as 30d, 12h or 15m. */
  static java.time.Instant when(String text) {
    var m = java.util.regex.Pattern.compile("(\\d{1,6})([dhm])").matcher(text.trim());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      java.time.Duration d = switch (m.group(2)) {
        case "d" -> java.time.Duration.ofDays(n);
        case "h" -> java.time.Duration.ofHours(n);
        default -> java.time.Duration.ofMinutes(n);
      };
      return java.time.Instant.now().minus(d).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }
    try {
      return java.time.Instant.parse(text.trim());
    } catch (java.time.format.DateTimeParseException e) {
      throw new UsageFailure("'" + text + "' is neither an RFC 3339 time nor an age such as 30d, 12h or 15m");
    }
  }

  /** Pages through the server's search until {@code limit} events or the end. */
  static List<JsonNode> search(ApiClient client, String query, long from, int limit) throws IOException {
    List<JsonNode> found = new ArrayList<>();
    long next = from;
    while (found.size() < limit) {
      int page = Math.min(1000, limit - found.size());
      JsonNode r = Output.JSON_MAPPER.readTree(client.ok(client.get(
          "/v1/audit/events?from=" + next + "&limit=" + page + query)));
      r.get("events").forEach(found::add);
      if (r.get("next_from").isNull()) {
        break;
      }
      next = r.get("next_from").asLong();
    }
    return found;
  }

  static void printEvents(AuditCommand audit, CommandSpec spec, List<JsonNode> events) {
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode e : events) {
      rows.add(List.of(e.get("seq").asText(), e.get("time").asText(), e.at("/principal/id").asText(),
          e.get("action").asText(), e.get("resource").asText(), e.get("outcome").asText().toLowerCase(java.util.Locale.ROOT),
          e.path("control").asText("")));
    }
    audit.root.output.list(spec.commandLine().getOut(), events,
        List.of("Seq", "Time", "Principal", "Action", "Resource", "Outcome", "Control"), rows);
  }

  @Command(name = "search", mixinStandardHelpOptions = true,
      description = "Find events by principal, action, resource, outcome and time (SS-002 11.8.1).")
  static final class Search implements Callable<Integer> {
    @ParentCommand AuditCommand audit;
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin Filters filters = new Filters();
    @Option(names = "--limit", defaultValue = "100", description = "At most this many events (default 100).")
    int limit;

    @Override
    public Integer call() throws IOException {
      if (limit < 1 || limit > 100_000) {
        throw new UsageFailure("--limit must be 1 to 100000");
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        printEvents(audit, spec, search(client, filters.query(), 1, limit));
      }
      return 0;
    }
  }

  @Command(name = "tail", mixinStandardHelpOptions = true, description = "The latest events.")
  static final class Tail implements Callable<Integer> {
    @ParentCommand AuditCommand audit;
    @Spec CommandSpec spec;
    @Option(names = {"-n", "--lines"}, defaultValue = "20", description = "How many (default 20).")
    int lines;

    @Override
    public Integer call() throws IOException {
      if (lines < 1 || lines > 10_000) {
        throw new UsageFailure("--lines must be 1 to 10000");
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        JsonNode first = Output.JSON_MAPPER.readTree(client.ok(client.get("/v1/audit/events?limit=1")));
        long size = first.get("log_size").asLong();
        printEvents(audit, spec, search(client, "", Math.max(1, size - lines + 1), lines));
      }
      return 0;
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true,
      description = {"What a principal did over a period: actions, outcomes, the keys and CAs touched,",
          "and every denial — the review of users' actions of SS-002 11.8.1."})
  static final class Report implements Callable<Integer> {
    @ParentCommand AuditCommand audit;
    @Spec CommandSpec spec;
    @Option(names = "--principal", required = true, paramLabel = "ID") String principal;
    @Option(names = "--since", defaultValue = "30d", paramLabel = "WHEN", description = "Default 30d.") String since;

    @Override
    public Integer call() throws IOException {
      java.time.Instant from = when(since);
      List<JsonNode> events;
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        Filters f = new Filters();
        f.principal = principal;
        f.since = from.toString();
        events = search(client, f.query(), 1, 100_000);
      }
      java.util.TreeMap<String, long[]> byAction = new java.util.TreeMap<>();
      java.util.TreeSet<String> resources = new java.util.TreeSet<>();
      List<JsonNode> denials = new ArrayList<>();
      for (JsonNode e : events) {
        long[] c = byAction.computeIfAbsent(e.get("action").asText(), k -> new long[3]);
        switch (e.get("outcome").asText()) {
          case "OK" -> c[0]++;
          case "DENIED" -> { c[1]++; denials.add(e); }
          default -> c[2]++;
        }
        if (!e.get("resource").asText().isEmpty()) {
          resources.add(e.get("resource").asText());
        }
      }
      PrintWriter out = spec.commandLine().getOut();
      if (audit.root.output == Output.JSON) {
        var doc = Output.JSON_MAPPER.createObjectNode();
        doc.put("principal", principal);
        doc.put("since", from.toString());
        doc.put("events", events.size());
        var actions = doc.putObject("actions");
        byAction.forEach((a, c) -> actions.putObject(a).put("ok", c[0]).put("denied", c[1]).put("error", c[2]));
        var res = doc.putArray("resources");
        resources.forEach(res::add);
        var den = doc.putArray("denials");
        denials.forEach(den::add);
        Output.printJson(out, doc);
        return 0;
      }
      out.println("Principal " + principal + " since " + from + ": " + events.size() + " events");
      out.println();
      List<List<String>> rows = new ArrayList<>();
      byAction.forEach((a, c) -> rows.add(List.of(a, String.valueOf(c[0]), String.valueOf(c[1]), String.valueOf(c[2]))));
      audit.root.output.list(out, null, List.of("Action", "Ok", "Denied", "Error"), rows);
      out.println();
      out.println("Resources touched: " + (resources.isEmpty() ? "none" : String.join(", ", resources)));
      out.println();
      out.println("Denials: " + denials.size());
      if (!denials.isEmpty()) {
        printEvents(audit, spec, denials);
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write events and signed checkpoints as JSON lines to stdout (custos audit export > log.jsonl).")
  static final class Export implements Callable<Integer> {
    @ParentCommand AuditCommand audit;
    @Option(names = "--from", paramLabel = "SEQ", defaultValue = "1", description = "First seq (default 1).")
    long from;
    @Option(names = "--to", paramLabel = "SEQ", defaultValue = "" + Long.MAX_VALUE, description = "Last seq (default: the end).")
    long to;

    @Override
    public Integer call() throws IOException {
      if (from < 1 || to < from) {
        throw new UsageFailure("--from must be >= 1 and --to >= --from");
      }
      OutputStream out = System.out;
      if (audit.root.dataDir != null) {
        try (Storage s = offline(audit.root.dataDir)) {
          exportOffline(s, from, to, out);
        }
        return 0;
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        fetchExport(client, from, to, out);
      }
      return 0;
    }
  }

  /**
   * Pages through the server's export from {@code from} to {@code to} or to the log's size at
   * the first page, whichever is smaller (reading the log adds events; they are left for next time).
   */
  static void fetchExport(ApiClient client, long from, long to, OutputStream out) throws IOException {
    long seq = from;
    long end = to;
    boolean first = true;
    while (seq <= end) {
      long limit = Math.min(PAGE, end - seq + 1);
      var r = client.get("/v1/audit/export?from=" + seq + "&limit=" + limit);
      byte[] page = client.ok(r);
      if (first) {
        end = Math.min(end, r.headers().firstValue("X-Custos-Audit-Size").map(Long::parseLong).orElse(end));
        first = false;
      }
      if (page.length == 0) {
        break;
      }
      long last = lastEventSeq(page);
      if (last > end) {
        page = cutAfter(page, end);
        last = end;
      }
      out.write(page);
      seq = last + 1;
    }
    out.flush();
  }

  /** The page up to and including event {@code seq} and the checkpoint line right after it. */
  static byte[] cutAfter(byte[] page, long seq) throws IOException {
    String[] lines = new String(page, StandardCharsets.UTF_8).split("\n");
    StringBuilder kept = new StringBuilder();
    boolean done = false;
    for (String line : lines) {
      boolean checkpoint = line.startsWith("{\"checkpoint\"");
      if (done && !checkpoint) {
        break;
      }
      kept.append(line).append('\n');
      if (!checkpoint && Output.JSON_MAPPER.readTree(line).get("seq").asLong() == seq) {
        done = true;
      }
    }
    return kept.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Seq of the last event line on a page (checkpoint lines carry none). */
  static long lastEventSeq(byte[] page) throws IOException {
    String text = new String(page, StandardCharsets.UTF_8);
    String[] lines = text.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      JsonNode n = Output.JSON_MAPPER.readTree(lines[i]);
      if (n.has("seq")) {
        return n.get("seq").asLong();
      }
    }
    throw new ClientFailure("server export page holds no event");
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Recompute the whole log and check every checkpoint signature.",
          "Sources: an exported file (--file with --public-key; needs no server and no secrets),",
          "a data directory (--data-dir), or the server at CUSTOS_ADDR.",
          "Prints the first bad seq and exits 1 on any change, deletion, insertion, reordering",
          "or truncation behind the last checkpoint."})
  static final class Verify implements Callable<Integer> {
    @ParentCommand AuditCommand audit;
    @Spec CommandSpec spec;
    @Option(names = "--file", paramLabel = "FILE", description = "An export made by `custos audit export`.")
    Path file;
    @Option(names = "--public-key", paramLabel = "PEM", description = "Checkpoint public key (from `custos audit public-key`); pins the key.")
    Path publicKey;
    @Option(names = "--key-name", paramLabel = "NAME", description = "Checkpoint key name (default: read from the checkpoints).")
    String keyName;

    private byte[] pinnedKey() {
      return pemKey(publicKey);
    }

    @Override
    public Integer call() throws IOException {
      byte[] export;
      byte[] key;
      String source;
      if (file != null) {
        if (publicKey == null) {
          throw new UsageFailure("--file needs --public-key (the PEM from `custos audit public-key`)");
        }
        export = read(file);
        key = pinnedKey();
        source = file.toString();
      } else if (audit.root.dataDir != null) {
        try (Storage s = offline(audit.root.dataDir)) {
          java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
          exportOffline(s, 1, Long.MAX_VALUE, out);
          export = out.toByteArray();
          key = publicKey != null ? pinnedKey() : AuditKeyring.storedPublicKey(s.records());
          if (keyName == null) {
            keyName = AuditKeyring.keyNameFor(s.instance().id());
          }
          source = "data directory " + audit.root.dataDir;
        }
      } else {
        try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
          var k = client.get("/v1/audit/public-key");
          key = publicKey != null ? pinnedKey() : CheckpointKeys.fromPem(new String(client.ok(k), StandardCharsets.US_ASCII));
          if (keyName == null) {
            keyName = k.headers().firstValue("X-Custos-Key-Name").orElse(null);
          }
          java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
          fetchExport(client, 1, Long.MAX_VALUE, out);
          export = out.toByteArray();
          source = "server " + client.base() + (publicKey == null ? " (with the server's own key; pin one with --public-key)" : "");
        }
      }
      if (keyName == null) {
        keyName = keyNameFromExport(export);
      }
      VerificationResult result;
      try (InputStream in = new ByteArrayInputStream(export)) {
        result = new LogVerifier(key, keyName).withNow(java.time.Instant.now()).verifyExport(in);
      }
      PrintWriter out = spec.commandLine().getOut();
      return switch (result) {
        case VerificationResult.Verified v -> {
          out.println("audit log verified: " + v.events() + " events, " + v.checkpoints() + " signed checkpoints"
              + v.last().map(c -> "; last checkpoint at size " + c.size() + ", root "
                  + Base64.getEncoder().encodeToString(c.rootHash())).orElse("; no checkpoint yet")
              + (v.unverifiedTail() > 0 ? "; " + v.unverifiedTail() + " newer events not yet under a checkpoint" : ""));
          out.println("source: " + source);
          out.flush();
          yield 0;
        }
        case VerificationResult.Failed f -> {
          spec.commandLine().getErr().println("custos: audit log FAILED verification at seq " + f.firstBadSeq() + ": " + f.problem());
          spec.commandLine().getErr().flush();
          yield 1;
        }
      };
    }
  }

  /** The key named by --public-key, a PEM file. */
  private static byte[] pemKey(Path pem) {
    try {
      return CheckpointKeys.fromPem(new String(read(pem), StandardCharsets.US_ASCII));
    } catch (io.custos.failure.InvalidInputException e) {
      throw new UsageFailure("--public-key " + pem + ": " + e.getMessage());
    }
  }

  /** The key name in the signature line of the first checkpoint note ("— NAME base64"). */
  static String keyNameFromExport(byte[] export) throws IOException {
    for (String line : new String(export, StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("{\"checkpoint\":")) {
        String note = Output.JSON_MAPPER.readTree(line).get("checkpoint").asText();
        for (String l : note.split("\n")) {
          if (l.startsWith("\u2014 ")) {
            return l.substring(2).split(" ")[0];
          }
        }
      }
    }
    return "unknown";
  }

  static byte[] read(Path p) {
    try {
      if (Files.size(p) > 4L * 1024 * 1024 * 1024) {
        throw new UsageFailure(p + " is larger than 4 GiB");
      }
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw new UsageFailure(p + " does not exist");
    } catch (IOException e) {
      throw new UsageFailure(p + " cannot be read: " + e.getMessage());
    }
  }

  @Command(name = "prove", mixinStandardHelpOptions = true,
      description = "Inclusion proof of event SEQ in a signed tree (RFC 9162), checked here before it is printed.")
  static final class Prove implements Callable<Integer> {
    @ParentCommand AuditCommand audit;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "SEQ") long seq;
    @Option(names = "--size", paramLabel = "N", description = "Tree size (default: the latest checkpoint covering SEQ).")
    Long size;

    @Override
    public Integer call() throws IOException {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        JsonNode p = Output.JSON_MAPPER.readTree(client.ok(client.get("/v1/audit/proof/inclusion?seq=" + seq
            + (size == null ? "" : "&size=" + size))));
        List<byte[]> path = decodeAll(p.get("proof"));
        boolean ok = MerkleTree.verifyInclusion(b64(p.get("leaf_hash")), p.get("leaf_index").asLong(),
            p.get("tree_size").asLong(), path, b64(p.get("root_hash")));
        if (!ok) {
          throw new ClientFailure("the server's inclusion proof for seq " + seq + " does NOT verify");
        }
        audit.root.output.keyValues(spec.commandLine().getOut(), p, List.of(
            Map.entry("Seq", p.get("seq").asText()), Map.entry("Tree size", p.get("tree_size").asText()),
            Map.entry("Leaf hash", p.get("leaf_hash").asText()), Map.entry("Root hash", p.get("root_hash").asText()),
            Map.entry("Proof hashes", String.valueOf(path.size())), Map.entry("Verified", "true")));
      }
      return 0;
    }
  }

  @Command(name = "consistency", mixinStandardHelpOptions = true,
      description = "Consistency proof between tree sizes OLD and NEW (RFC 9162), checked here before it is printed.")
  static final class Consistency implements Callable<Integer> {
    @ParentCommand AuditCommand audit;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "OLD") long oldSize;
    @Parameters(index = "1", paramLabel = "NEW") long newSize;

    @Override
    public Integer call() throws IOException {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        JsonNode p = Output.JSON_MAPPER.readTree(client.ok(client.get(
            "/v1/audit/proof/consistency?from=" + oldSize + "&to=" + newSize)));
        List<byte[]> path = decodeAll(p.get("proof"));
        boolean ok = MerkleTree.verifyConsistency(oldSize, newSize, b64(p.get("old_root")), b64(p.get("new_root")), path);
        if (!ok) {
          throw new ClientFailure("the server's consistency proof " + oldSize + " -> " + newSize + " does NOT verify");
        }
        audit.root.output.keyValues(spec.commandLine().getOut(), p, List.of(
            Map.entry("Old size", String.valueOf(oldSize)), Map.entry("New size", String.valueOf(newSize)),
            Map.entry("Old root", p.get("old_root").asText()), Map.entry("New root", p.get("new_root").asText()),
            Map.entry("Proof hashes", String.valueOf(path.size())), Map.entry("Verified", "true")));
      }
      return 0;
    }
  }

  @Command(name = "public-key", mixinStandardHelpOptions = true,
      description = "Print the checkpoint signing public key as PEM (publish it for outside verifiers).")
  static final class PublicKey implements Callable<Integer> {
    @ParentCommand AuditCommand audit;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      String pem;
      if (audit.root.dataDir != null) {
        try (Storage s = offline(audit.root.dataDir)) {
          pem = CheckpointKeys.toPem(AuditKeyring.storedPublicKey(s.records()));
        }
      } else {
        try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
          pem = new String(client.ok(client.get("/v1/audit/public-key")), StandardCharsets.US_ASCII);
        }
      }
      spec.commandLine().getOut().print(pem.endsWith("\n") ? pem : pem + "\n");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "hash", mixinStandardHelpOptions = true,
      description = "HMAC-SHA-256 of a sensitive identifier under the audit HMAC key, to find it in events.")
  static final class Hash implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "VALUE") String value;

    @Override
    public Integer call() throws IOException {
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        byte[] body = Output.JSON_MAPPER.writeValueAsBytes(Map.of("value", value));
        JsonNode r = Output.JSON_MAPPER.readTree(client.ok(client.postJson("/v1/audit/hash", body)));
        spec.commandLine().getOut().println(r.get("hmac").asText());
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Import an offline root's ceremony log (`custos ceremony audit-export` output) into the server's",
          "audit log, and so into central logging. The whole export is verified against the offline log's checkpoint",
          "key first; the first import pins that key (--key, as printed by `ceremony init-root`), later ones are checked",
          "against the pin. Only new events covered by a signed checkpoint are added; a rewritten log is refused."})
  static final class Import implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "FILE", description = "The export (JSON lines).") Path file;
    @Option(names = "--key", paramLabel = "KEY|FILE",
        description = "The offline log's verifier key NAME+ID+KEY, or a file holding it (`ceremony audit-export --key-out`).")
    String key;

    @Override
    public Integer call() throws IOException {
      String export;
      try {
        export = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UsageFailure("cannot read " + file + ": " + e.getMessage());
      }
      Map<String, Object> request = new java.util.LinkedHashMap<>();
      request.put("export", export);
      if (key != null) {
        Path asFile = Path.of(key);
        request.put("key", !key.contains("+") && Files.isRegularFile(asFile) ? Files.readString(asFile).strip() : key.strip());
      }
      try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
        JsonNode r = Output.JSON_MAPPER.readTree(client.ok(client.postJson("/v1/audit/import",
            Output.JSON_MAPPER.writeValueAsBytes(request))));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Offline log " + r.get("origin").asText() + (r.get("pinned_now").asBoolean()
            ? ": checkpoint key pinned (" + r.get("verifier_key").asText() + ")" : "") + ".");
        out.println("Imported " + r.get("imported").asLong() + " new events (" + r.get("already_imported").asLong()
            + " imported before, " + r.get("offline_events").asLong() + " in the export).");
        if (r.get("unsigned_tail").asLong() > 0) {
          out.println(r.get("unsigned_tail").asLong() + " events after the last signed checkpoint wait for the next"
              + " ceremony to sign them.");
        }
        out.flush();
      }
      return 0;
    }
  }

  private static List<byte[]> decodeAll(JsonNode array) {
    List<byte[]> out = new ArrayList<>();
    array.forEach(n -> out.add(b64(n)));
    return out;
  }

  private static byte[] b64(JsonNode n) {
    return Base64.getDecoder().decode(n.asText());
  }
}
