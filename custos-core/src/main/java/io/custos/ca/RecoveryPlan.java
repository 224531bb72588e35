package io.custos.ca;

import io.custos.access.AccessControl;
import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.access.Decision;
import io.custos.access.Principal;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.audit.AuditQuery;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.kms.InventoryEntry;
import io.custos.kms.ManagedKey;
import io.custos.kms.KeyManager;
import io.custos.store.CertificateRecords;
import io.custos.x509.Certificates;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key compromise recovery plan of SS-002 11.6.3, built from live data whenever it is asked
 * for, so it is never out of date: (a) who is notified, (b) who performs recovery, (c) the
 * re-key method, (d) the inventory of keys and their uses, (e) how re-keying is monitored,
 * (f) how to find what may be compromised and which signatures may be invalid, (g) how new key
 * material is distributed and (h) how it is installed. For one key, one CA, or the whole node.
 */
public final class RecoveryPlan {
  public static final String READ = "compromise:read";
  public static final String READ_RESOURCE = "compromise/plan";
  /** At most this many rows are listed in one part; the part says how to list the rest. */
  static final int MAX_LISTED = 1000;
  private static final int MAX_SCAN = 1_000_000;
  private static final Set<String> KEY_USES = Set.of("kms.sign", "kms.mac", "kms.decrypt", "kms.unwrap", "kms.datakey",
      "kms.encrypt", "kms.wrap", "kms.rewrap");

  /** md, html or json. */
  public enum Format {
    MARKDOWN, HTML, JSON;

    public static Format of(String name) {
      return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
        case "md", "markdown" -> MARKDOWN;
        case "html" -> HTML;
        case "json" -> JSON;
        default -> throw new InvalidInputException("plan format is md, html or json, not '" + name + "'");
      };
    }
  }

  /**
   * @param contacts configured security contacts ({@code compromise.contacts}), notified of every compromise
   * @param availabilityFirst key and CA names the plan keeps in service while recovering (SS-002 11.6.2)
   */
  public record Settings(List<String> contacts, Set<String> availabilityFirst) {
    public Settings {
      contacts = List.copyOf(contacts);
      availabilityFirst = Set.copyOf(availabilityFirst);
    }
  }

  /** One lettered part of the plan. */
  public record Part(String letter, String title, List<String> text, List<String> items, List<String> head,
      List<List<String>> rows) {
    public Part {
      text = List.copyOf(text);
      items = List.copyOf(items);
      head = List.copyOf(head);
      rows = rows.stream().map(List::copyOf).toList();
    }
  }

  /** The plan for one scope. */
  public record Plan(String scope, String generatedAt, List<String> summary, List<Part> parts) {
    public Plan {
      summary = List.copyOf(summary);
      parts = List.copyOf(parts);
    }

    /** The plan as plain maps and lists, for JSON. */
    public Map<String, Object> toMap() {
      List<Map<String, Object>> ps = new ArrayList<>();
      for (Part p : parts) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("part", p.letter());
        m.put("title", p.title());
        m.put("text", p.text());
        m.put("items", p.items());
        if (!p.head().isEmpty()) {
          List<Map<String, String>> rows = new ArrayList<>();
          for (List<String> r : p.rows()) {
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < p.head().size(); i++) {
              row.put(p.head().get(i), i < r.size() ? r.get(i) : "");
            }
            rows.add(row);
          }
          m.put("table", rows);
        }
        ps.add(m);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("scope", scope);
      out.put("generated_at", generatedAt);
      out.put("summary", summary);
      out.put("parts", ps);
      return out;
    }
  }

  private final CertificateAuthority authority;
  private final KeyManager keys;
  private final CertificateRecords certificates;
  private final AccessControl access;
  private final AuditLog audit;
  private final AccessGate gate;
  private final Settings settings;
  private final Clock clock;

  public RecoveryPlan(CertificateAuthority authority, KeyManager keys, CertificateRecords certificates,
      AccessControl access, AuditLog audit, AccessGate gate, Settings settings, Clock clock) {
    this.authority = authority;
    this.keys = keys;
    this.certificates = certificates;
    this.access = access;
    this.audit = audit;
    this.gate = gate;
    this.settings = settings;
    this.clock = clock;
  }

  /** The plan for one managed key, one CA, or (both empty) the whole node. */
  public Plan build(Caller caller, Optional<String> keyName, Optional<String> caName) {
    if (gate.check(caller, READ, READ_RESOURCE) instanceof Decision.Deny d) {
      throw new PermissionDeniedException(d.control().orElse("SS-002 11.3.12"), d.reason());
    }
    if (keyName.isPresent() && caName.isPresent()) {
      throw new InvalidInputException("a plan is for one key or one CA, not both");
    }
    List<CaState> cas = authority.all();
    Optional<CaState> ca = caName.map(n -> cas.stream().filter(c -> c.name().equals(n)).findFirst()
        .orElseThrow(() -> new NotFoundException("no CA named '" + n + "'")));
    if (keyName.isPresent() && ca.isEmpty()) {
      ca = cas.stream().filter(c -> c.keyName().equals(keyName.get())).findFirst();
    }
    Optional<ManagedKey> key = ca.map(c -> keys.metadata(c.keyName()))
        .or(() -> keyName.map(keys::metadata));
    Scope s = new Scope(key, ca);
    String scope = ca.map(c -> "CA " + c.name() + " (key " + c.keyName() + ")")
        .or(() -> key.map(k -> "key " + k.name())).orElse("every key of this node");
    List<String> summary = new ArrayList<>();
    summary.add("Key compromise recovery plan for " + scope + ", generated from live data (SS-002 11.6.3).");
    key.ifPresent(k -> summary.add("State now: " + k.state().id() + "; algorithm " + k.algorithm().id() + "; purpose "
        + (k.ca() ? "CA signing" : k.purpose().id()) + "; owner " + k.owner() + "."));
    Set<String> names = new LinkedHashSet<>();
    key.ifPresent(k -> names.add(k.name()));
    ca.ifPresent(c -> names.add(c.name()));
    boolean availabilityFirst = names.stream().anyMatch(settings.availabilityFirst()::contains);
    summary.add(availabilityFirst
        ? "Availability first (SS-002 11.6.2, compromise.availability_first): keep the service running while the "
            + "replacement is installed; declaring the compromise needs --override-availability."
        : "Confidentiality and integrity first (SS-002 11.6.2): on compromise or suspected compromise, revoke at once: "
            + declareCommand(s) + ".");
    List<Part> parts = List.of(notified(s), performers(), rekey(s), inventory(cas), monitoring(s), exposure(s),
        distribution(s), installation(s));
    return new Plan(scope, clock.instant().truncatedTo(ChronoUnit.SECONDS).toString(), summary, parts);
  }

  /** Markdown or HTML, in the style of the practice statement. */
  public static String render(Plan plan, Format format) {
    if (format == Format.JSON) {
      throw new InvalidInputException("JSON is rendered from Plan.toMap()");
    }
    PracticeStatement.Doc d = new PracticeStatement.Doc();
    d.titlePrefix = "Key compromise recovery plan — ";
    d.h(1, "Key compromise recovery plan — " + plan.scope());
    d.p("Generated " + plan.generatedAt() + ".");
    plan.summary().forEach(d::p);
    for (Part p : plan.parts()) {
      d.h(2, "(" + p.letter() + ") " + p.title());
      p.text().forEach(d::p);
      if (!p.items().isEmpty()) {
        d.list(p.items());
      }
      if (!p.head().isEmpty()) {
        d.table(p.head(), p.rows().isEmpty() ? List.of(p.head().stream().map(h -> "—").toList()) : p.rows());
      }
    }
    return format == Format.HTML ? d.html(plan.scope()) : d.markdown();
  }

  private record Scope(Optional<ManagedKey> key, Optional<CaState> ca) {
    String keyName() {
      return key.map(ManagedKey::name).orElse("NAME");
    }
  }

  private static String declareCommand(Scope s) {
    return s.ca().map(c -> "custos compromise declare --key " + c.keyName() + " --reason \"…\"")
        .or(() -> s.key().map(k -> "custos compromise declare --key " + k.name() + " --reason \"…\""))
        .orElse("custos compromise declare --key NAME | --cert SERIAL | --public-key FILE --reason \"…\"");
  }

  // ---------------------------------------------------------------- (a)–(h)

  private Part notified(Scope s) {
    List<String> items = new ArrayList<>();
    settings.contacts().forEach(c -> items.add("Security contact: " + c));
    if (settings.contacts().isEmpty()) {
      items.add("No security contacts are configured: set compromise.contacts so that they are listed here.");
    }
    Set<String> owners = new LinkedHashSet<>();
    if (s.key().isPresent()) {
      owners.add(s.key().get().owner());
    } else {
      keys.inventory().forEach(e -> owners.add(e.owner()));
    }
    s.ca().ifPresent(c -> owners.add(c.owner()));
    owners.forEach(o -> items.add("Key owner: " + person(o)));
    List<List<String>> rows = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (CertificateRecords.CertificateRow r : affectedCertificates(s)) {
      if (seen.add(r.owner()) && rows.size() < MAX_LISTED) {
        rows.add(List.of(r.owner(), r.ownerName(), r.ownerContact()));
      }
    }
    return new Part("a", "Who is notified", List.of("Notify these people as soon as a compromise is suspected, and the "
        + "owners of every certificate that is revoked with the key (below), who must replace their certificates."),
        items, List.of("certificate owner", "name", "contact"), rows);
  }

  private Part performers() {
    List<List<String>> rows = new ArrayList<>();
    for (Principal p : access.principals()) {
      if (p.disabled()) {
        continue;
      }
      for (String role : List.of("crypto-officer", "custodian", "approver")) {
        if (p.roles().contains(role)) {
          rows.add(List.of(p.displayName() + " (" + p.id() + ")", role, p.email(), p.phone().orElse("")));
        }
      }
    }
    return new Part("b", "Who performs recovery", List.of("Crypto officers declare the compromise (capability "
        + "compromise:declare, with a second factor proved within minutes), create the replacement keys and CAs and "
        + "revoke; custodians hold the root's shares and witness root ceremonies; approvers decide dual-control "
        + "requests."), List.of(), List.of("who", "role", "email", "phone"), rows);
  }

  private Part rekey(Scope s) {
    List<String> items = new ArrayList<>();
    if (s.ca().isPresent()) {
      CaState c = s.ca().get();
      String alg = s.key().map(k -> k.algorithm().id()).orElse("ALG");
      items.add("A CA key is never rotated in place: create a replacement CA with a new key generated in the barrier: "
          + "custos ca create " + c.name() + "-2 --level " + c.level().id() + " --algorithm " + alg + " --subject \""
          + c.subject() + "\" --csr-out " + c.name() + "-2.csr");
      items.add(c.chain().isEmpty() ? "It is a root: hold a new root ceremony (custos --data-dir ROOT_DATA_DIR ceremony "
          + "init-root …) and certify every CA below it again."
          : "Have its parent sign the request — the offline root in a ceremony: custos --data-dir ROOT_DATA_DIR ceremony "
              + "sign-ca --csr " + c.name() + "-2.csr --level " + c.level().id() + " --validity 5y --witness \"NAME\"");
      items.add("Bring it online: custos ca activate " + c.name() + "-2 --cert " + c.name() + "-2.pem --chain chain.pem");
      items.add("Re-issue every certificate listed in part (f) under the new CA from new key pairs: re-certifying a "
          + "key that was certified before is refused (SS-002 11.1.10).");
    } else if (s.key().isPresent()) {
      ManagedKey k = s.key().get();
      items.add("A compromised key is never rotated in place (its versions share its fate): create a replacement: "
          + "custos key create " + k.name() + "-2 --purpose " + k.purpose().id() + " --algorithm " + k.algorithm().id()
          + " --owner " + k.owner());
      items.add(switch (k.purpose()) {
        case ENCRYPT -> "Re-encrypt: decrypt each ciphertext with custos key decrypt " + k.name()
            + " --allow-compromised (audited) and encrypt it under " + k.name() + "-2; then destroy " + k.name() + ".";
        case WRAP -> "Re-wrap: unwrap each wrapped key with --allow-compromised (audited), wrap it under " + k.name()
            + "-2, and replace the data keys it protected.";
        case SIGN -> "Re-sign every object still relied upon with " + k.name() + "-2; revoke certificates of the old "
            + "public key (done by compromise declare).";
        case MAC -> "Recompute the MACs still relied upon with " + k.name() + "-2.";
      });
    } else {
      items.add("Symmetric keys (encrypt, wrap, mac): a new key with custos key create, data re-protected under it.");
      items.add("Signing keys: a new key pair, objects re-signed, certificates of the old key revoked.");
      items.add("Certificate holders: a new key pair and CSR, custos cert issue --ca CA --profile P --csr FILE --owner P.");
      items.add("Issuing and policy CAs: a replacement CA (custos ca create … --csr-out) certified by the parent.");
      items.add("The root: a new root ceremony and every CA below certified again.");
    }
    return new Part("c", "Re-key method", List.of("New key material is always generated inside the validated module "
        + "(never imported from the compromised environment)."), items, List.of(), List.of());
  }

  private Part inventory(List<CaState> cas) {
    List<List<String>> rows = new ArrayList<>();
    for (InventoryEntry e : keys.inventory()) {
      if (rows.size() >= MAX_LISTED) {
        break;
      }
      String use = e.ca() ? "signs certificates and CRLs of " + cas.stream().filter(c -> c.keyName().equals(e.name()))
          .map(c -> "CA " + c.name() + " (" + c.level().id() + ", " + c.state() + ")").findFirst().orElse("a CA")
          : switch (e.purpose()) {
            case "encrypt" -> "encrypts data and data keys";
            case "sign" -> "signs objects";
            case "wrap" -> "wraps other keys";
            case "mac" -> "computes MACs";
            default -> e.purpose();
          };
      rows.add(List.of(e.name(), e.algorithm(), e.state(), e.owner(), use, e.location()));
    }
    return new Part("d", "Inventory of keys and their uses", List.of("Every managed key of this node (custos key list "
        + "for the full inventory, custos ca list for the CAs)."), List.of(),
        List.of("key", "algorithm", "state", "owner", "use", "location"), rows);
  }

  private Part monitoring(Scope s) {
    String k = s.keyName();
    List<String> items = new ArrayList<>(List.of(
        "Metric custos_operations_total{action=\"compromise.declare\"} and {action=\"cert.issued\"}: declarations and "
            + "replacement certificates, with their outcomes.",
        "Metric custos_certificates_expiring: replacement certificates in good standing per expiry horizon.",
        "custos audit search --action compromise.* --since 30d",
        "custos audit search --resource kms/keys/" + k + " --outcome denied --since 1d  (use of the compromised key, "
            + "refused)",
        "custos audit search --resource kms/keys/" + k + "-2 --since 1d  (the replacement key taking over)",
        "custos key show " + k + "  (state compromised)"));
    s.ca().ifPresent(c -> {
      items.add("custos cert list --ca " + c.name() + " --output json  (every certificate revoked)");
      items.add("custos audit search --action cert.issued --resource ca/" + c.name() + "-2/* --since 1d  (re-issuance)");
    });
    return new Part("e", "Monitoring the re-keying", List.of("Progress is watched through metrics and the audit log; "
        + "every step of the recovery is itself an audited operation."), items, List.of(), List.of());
  }

  private Part exposure(Scope s) {
    List<String> text = new ArrayList<>();
    List<String> items = new ArrayList<>();
    String k = s.keyName();
    items.add("custos audit search --resource kms/keys/" + k + " --action kms.sign  (signatures that may be invalid)");
    items.add("custos audit search --resource kms/keys/" + k + " --action kms.decrypt  (data that may be disclosed)");
    items.add("custos audit search --resource kms/keys/" + k + " --action kms.unwrap  (data keys unwrapped)");
    items.add("custos audit search --resource kms/keys/" + k + " --action kms.datakey  (data keys issued)");
    s.ca().ifPresent(c -> items.add("custos audit search --action cert.issued --resource ca/" + c.name()
        + "/*  (certificates signed by the CA key)"));
    List<List<String>> rows = new ArrayList<>();
    s.key().ifPresent(key -> {
      AuditLog.SearchPage page = audit.search(new AuditQuery(Optional.empty(), Optional.empty(),
          Optional.of("kms/keys/" + key.name()), Optional.of(AuditEvent.Outcome.OK), Optional.empty(), Optional.empty()),
          1, MAX_LISTED, MAX_SCAN);
      for (AuditEvent e : page.events()) {
        if (KEY_USES.contains(e.action())) {
          rows.add(List.of(e.time().toString(), e.action(), e.principal().id(), "version "
              + e.params().getOrDefault("version", "?"), ""));
        }
      }
      text.add(rows.size() + " uses of the key found in the audit log (signatures made, data and data keys "
          + "unwrapped or decrypted)" + (page.nextFrom().isPresent() ? "; more remain: run the queries above" : "") + ".");
    });
    List<CertificateRecords.CertificateRow> affected = affectedCertificates(s);
    for (CertificateRecords.CertificateRow r : affected) {
      if (rows.size() >= 2 * MAX_LISTED) {
        break;
      }
      rows.add(List.of(r.issuedAt().toString(), "certificate " + r.serial(), r.owner(), r.subject(), r.ca() + ", "
          + r.status()));
    }
    text.add(affected.size() + " certificates issued with or for the key" + (affected.size() >= MAX_LISTED
        ? " (the first " + MAX_LISTED + "; custos cert list --ca NAME --output csv for all)" : "") + ".");
    text.add("Objects signed and data protected before the compromise may have been forged or read by whoever holds "
        + "the key: treat every row below as suspect until re-signed or re-protected.");
    return new Part("f", "Information that may be compromised and signatures that may be invalid", text, items,
        List.of("when", "what", "who", "detail", "where"), rows);
  }

  private Part distribution(Scope s) {
    List<String> items = new ArrayList<>();
    items.add("Symmetric and private keys never leave the barrier: applications switch to the replacement key by name; "
        + "a key that must be exported is wrapped for its recipient (custos key wrap) where its policy allows "
        + "(never for CA keys).");
    items.add("Public keys: custos key public-key NAME (PEM or JWK) to every verifier.");
    items.add("CA certificates: custos ca chain NEW-CA (or GET /v1/ca/NEW-CA/chain) and custos trust import for trust "
        + "stores; relying parties remove the compromised CA.");
    items.add("Leaf certificates: returned to their owners by custos cert issue; revocation reaches relying parties "
        + "through the CRL and OCSP of the issuing CA.");
    s.ca().ifPresent(c -> items.add("Replace CA '" + c.name() + "' in every trust store with the chain of "
        + c.name() + "-2."));
    return new Part("g", "Distribution of new key material", List.of("Over authenticated channels only (TLS to "
        + "Custos, tokens or client certificates)."), items, List.of(), List.of());
  }

  private Part installation(Scope s) {
    List<String> items = new ArrayList<>();
    items.add("1. Declare the compromise: " + declareCommand(s) + " (revokes certificates, marks the key, revokes "
        + "bindings, tokens and grants).");
    items.add("2. Run any root ceremony the declaration names (custos --data-dir ROOT_DATA_DIR ceremony revoke-ca "
        + "SERIAL --reason cACompromise …, then ceremony crl) and publish the root CRL.");
    items.add("3. Create the replacement as in part (c), and grant it to the same principals (custos policy …).");
    items.add("4. Install it where the old one was used: switch key names in applications, replace certificates and "
        + "private keys on servers, import the new chain into trust stores; restart or reload the services.");
    items.add("5. Re-protect the data and re-sign the objects found in part (f).");
    items.add("6. Verify with the queries of part (e), then destroy the compromised key: custos key destroy "
        + s.keyName() + ".");
    return new Part("h", "Installing the new key material", List.of(), items, List.of(), List.of());
  }

  // ---------------------------------------------------------------- data

  /** Certificates of the key's public keys, and for a CA everything it issued (at most MAX_LISTED). */
  private List<CertificateRecords.CertificateRow> affectedCertificates(Scope s) {
    List<CertificateRecords.CertificateRow> out = new ArrayList<>();
    s.key().ifPresent(k -> k.versions().stream().map(ManagedKey.Version::publicKey).filter(p -> p.length > 0)
        .forEach(p -> out.addAll(certificates.certificatesOfKey(Certificates.spkiHash(p)))));
    s.ca().ifPresent(c -> out.addAll(certificates.query(new CertificateRecords.Query(Optional.of(c.name()),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), MAX_LISTED))));
    return out.size() > MAX_LISTED ? out.subList(0, MAX_LISTED) : out;
  }

  private String person(String id) {
    return access.principal(id).map(p -> p.displayName() + " (" + p.id() + ") <" + p.email() + ">"
        + p.phone().map(ph -> ", " + ph).orElse("")).orElse(id);
  }
}
