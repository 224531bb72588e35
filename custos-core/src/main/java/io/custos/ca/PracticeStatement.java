package io.custos.ca;

import io.custos.x509.CaLevel;
import io.custos.x509.Profile;
import java.io.ByteArrayInputStream;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Certification Practice Statement (SS-002 11.1.7) in the outline of RFC 3647, rendered from
 * live configuration — the CA hierarchy, the profiles, the lifetime ladder, key protection, the
 * revocation schedule, ceremonies and audit — so that it is never out of date. Rendering is pure:
 * the same inputs give the same document.
 */
public final class PracticeStatement {
  /** Output formats. */
  public enum Format {
    MARKDOWN,
    HTML;

    /** {@code md} or {@code html}. */
    public static Format of(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "md", "markdown" -> MARKDOWN;
        case "html" -> HTML;
        default -> throw new io.custos.failure.InvalidInputException("CPS format is md or html, not '" + name + "'");
      };
    }
  }

  /**
   * The configured values a CPS states beyond the hierarchy and the profiles.
   *
   * @param organisation who operates the CA
   * @param baseUrl where CRLs, OCSP and CA certificates are published
   * @param crlNextUpdate the validity of each CRL (nextUpdate − thisUpdate)
   * @param crlRefresh how often a fresh CRL is published
   * @param ocspValidity how long an OCSP response is valid, if OCSP is configured
   * @param expiryHorizons when owners are warned before their certificates expire
   * @param custodians offline root ceremonies: the quorum M of N custodians
   * @param generatedAt the time stated as the document's date
   */
  public record Settings(String organisation, String baseUrl, Duration crlNextUpdate, Duration crlRefresh,
      Optional<Duration> ocspValidity, List<Duration> expiryHorizons, int custodianQuorum, int custodians,
      Instant generatedAt) {
    public Settings {
      Objects.requireNonNull(organisation, "organisation");
      Objects.requireNonNull(baseUrl, "baseUrl");
      Objects.requireNonNull(crlNextUpdate, "crlNextUpdate");
      Objects.requireNonNull(crlRefresh, "crlRefresh");
      Objects.requireNonNull(ocspValidity, "ocspValidity");
      expiryHorizons = List.copyOf(expiryHorizons);
      Objects.requireNonNull(generatedAt, "generatedAt");
    }

    /** The defaults: CRLs valid 24 h refreshed every 6 h, OCSP as served, 30/7/1-day warnings, 3 of 5 custodians. */
    public static Settings defaults(String organisation, String baseUrl, Instant generatedAt) {
      return of(organisation, baseUrl, Schedule.DEFAULTS, generatedAt);
    }

    /** The node's configured schedule, with the default ceremony quorum of 3 of 5 custodians. */
    public static Settings of(String organisation, String baseUrl, Schedule schedule, Instant generatedAt) {
      return new Settings(organisation, baseUrl, schedule.crlNextUpdate(), schedule.crlRefresh(),
          schedule.ocspValidity(), schedule.expiryHorizons(), 3, 5, generatedAt);
    }
  }

  /**
   * The revocation and warning schedule a node is configured with ({@code ca.crl_next_update},
   * {@code ca.crl_regenerate_every}, {@code ca.ocsp.validity}, {@code ca.expiry_horizons}), so
   * that the CPS states what the node does, not what it would do by default (SS-002 11.1.7).
   */
  public record Schedule(Duration crlNextUpdate, Duration crlRefresh, Optional<Duration> ocspValidity,
      List<Duration> expiryHorizons) {
    /** CRLs valid 24 h, refreshed every 6 h; OCSP not stated; warnings at 30, 7 and 1 days. */
    public static final Schedule DEFAULTS = new Schedule(Duration.ofHours(24), Duration.ofHours(6), Optional.empty(),
        ExpiryWatch.DEFAULT_HORIZONS);

    public Schedule {
      Objects.requireNonNull(crlNextUpdate, "crlNextUpdate");
      Objects.requireNonNull(crlRefresh, "crlRefresh");
      Objects.requireNonNull(ocspValidity, "ocspValidity");
      expiryHorizons = List.copyOf(expiryHorizons);
    }
  }

  private PracticeStatement() {}

  /** The CPS for the given CAs and profiles. */
  public static String render(List<CaState> cas, List<Profile> profiles, Settings settings, Format format) {
    Doc d = new Doc();
    String org = settings.organisation();
    d.h(1, "Certification Practice Statement — " + org);
    d.p("Generated from the live configuration of Custos on " + settings.generatedAt().truncatedTo(ChronoUnit.SECONDS)
        + ". Structured after RFC 3647; it meets UK standard SS-002 11.1.7.");

    d.h(2, "1 Introduction");
    d.h(3, "1.1 Overview");
    d.p("This statement describes how " + org + " operates its certificate authorities with Custos: the hierarchy, "
        + "the certificate profiles, the lifetimes, how CA keys are protected, how certificates are revoked and how "
        + "every operation is audited.");
    d.h(3, "1.2 Document name and identification");
    Set<String> oids = new java.util.TreeSet<>();
    profiles.forEach(p -> oids.addAll(p.policyOids()));
    d.p("Certificate policy OIDs asserted by the profiles below:");
    d.list(oids.isEmpty() ? List.of("none") : List.copyOf(oids));
    d.h(3, "1.3 PKI participants");
    d.p("Certification authorities (section 1.3.1 below), registration through authenticated requests to Custos "
        + "(every request is made by a known principal holding the capability ca:issue for the names asked), "
        + "subscribers (each certificate has exactly one owner with a contact) and relying parties.");
    d.h(4, "1.3.1 Certification authorities");
    hierarchy(d, cas);
    d.h(3, "1.4 Certificate usage");
    d.p("Each certificate is issued under exactly one profile fixing one purpose; see section 7.1.");
    d.h(3, "1.5 Policy administration");
    d.p(org + " administers this statement. It is rendered from configuration and changes with it.");
    d.h(3, "1.6 Definitions and acronyms");
    d.list(List.of("CA — certification authority", "CPS — certification practice statement",
        "CRL — certificate revocation list", "OCSP — online certificate status protocol",
        "EKU — extended key usage", "KU — key usage", "SAN — subject alternative name"));

    d.h(2, "2 Publication and repository responsibilities");
    d.p("CA certificates are published at " + settings.baseUrl() + "/v1/ca/<name>/cert, CRLs at " + settings.baseUrl()
        + "/v1/ca/<name>/crl and OCSP at " + settings.baseUrl() + "/v1/ocsp/<name>; every issued certificate "
        + "carries these locations.");

    d.h(2, "3 Identification and authentication");
    d.p("Names in certificates are checked before signing: no wildcards, well-formed DNS names and addresses, the "
        + "profile's required subject fields, and every name within the requester's grant. Requests are "
        + "authenticated (tokens, mutual TLS, second factor where policy requires); anonymous requests are refused. "
        + "A key pair is certified once only: re-keying is required on replacement (SS-002 11.1.10).");

    d.h(2, "4 Certificate life-cycle operational requirements");
    d.h(3, "4.1 Application and issuance");
    d.p("A PKCS#10 request is verified (proof of possession, key soundness), checked against its profile and the "
        + "lifetime ladder, and refused with every violated rule listed, or signed and recorded in the certificate "
        + "inventory with its owner.");
    d.h(3, "4.2 Certificate lifetimes (SS-002 11.1.9)");
    List<List<String>> ladder = new ArrayList<>();
    for (CaLevel l : CaLevel.values()) {
      ladder.add(List.of(l.id(), l.maxYears() + " years", l.maxLifetime().toDays() + " days"));
    }
    d.table(List.of("Level", "Maximum lifetime", "In days"), ladder);
    d.p("A certificate never outlives its issuer: a request beyond the issuer's expiry is refused, never truncated.");
    d.h(3, "4.3 Expiry notices");
    d.p("Owners are warned " + settings.expiryHorizons().stream().map(PracticeStatement::duration)
        .collect(Collectors.joining(", ")) + " before expiry (audit event cert.expiring, metrics, optional webhook).");
    d.h(3, "4.4 Revocation and status");
    d.table(List.of("Service", "Schedule"), List.of(
        List.of("CRL validity (nextUpdate)", duration(settings.crlNextUpdate())),
        List.of("CRL refresh", "every " + duration(settings.crlRefresh())),
        List.of("OCSP response validity", settings.ocspValidity().map(PracticeStatement::duration)
            .orElse("as served by the OCSP responder (not configured here)"))));
    d.p("Revocation requests are authenticated and audited; a revoked certificate's status changes in the inventory "
        + "and appears in the next CRL and OCSP responses.");

    d.h(2, "5 Facility, management and operational controls");
    d.p("Online CA keys are held in Custos, sealed at rest under the barrier (AES-256-GCM) with keys from the FIPS "
        + "module. Offline roots sign only in ceremonies: a quorum of " + settings.custodianQuorum() + " of "
        + settings.custodians() + " custodians, with a witness, each step recorded.");
    d.h(3, "5.4 Audit logging procedures");
    d.p("Every operation — issuance, refusal, revocation, CA creation, ceremony, expiry notice — is an event in a "
        + "hash-chained, append-only audit log (Merkle tree) with signed checkpoints; events are exported to central "
        + "logging where configured. The offline root's ceremony log is imported into the online log "
        + "(`custos audit import`), verified in full against the offline log's pinned checkpoint key, so central logging "
        + "sees every ceremony.");
    d.h(3, "5.6 Key changeover");
    d.p("The root key is changed in a ceremony (`custos ceremony rollover`, RFC 4210 section 4.4): a new root key and "
        + "self-signed certificate, link certificates OldWithNew and NewWithOld so relying parties trusting either root "
        + "validate both hierarchies, and a new custodian split. The old root key is kept only to sign the final CRLs of "
        + "what it certified, or destroyed at once.");

    d.h(2, "6 Technical security controls");
    d.list(List.of(
        "CA keys are generated inside Custos and never exported, backed up in the clear or escrowed.",
        "CA keys sign only certificates and CRLs (SS-002 11.3.3).",
        "Keys at rest: sealed under the barrier key, AES-256-GCM, FIPS-validated module.",
        "Subscriber keys are generated by subscribers unless a profile allows server-side generation (SS-002 11.1.2).",
        "Serial numbers: those of online CAs are 20 octets, the second of issue followed by 128 bits from the FIPS "
            + "DRBG; those made in root ceremonies carry 127 random bits."));

    d.h(2, "7 Certificate, CRL and OCSP profiles");
    d.h(3, "7.1 Certificate profiles");
    List<List<String>> rows = new ArrayList<>();
    for (Profile p : profiles) {
      rows.add(List.of(p.name(), p.description(), sorted(p.keyAlgorithms()) + (p.keyAlgorithms().contains("rsa")
          ? " (RSA ≥ " + p.minRsaBits() + " bits)" : ""), sorted(p.keyUsage()), String.join(", ", p.extendedKeyUsage()),
          sorted(p.sanTypes()) + (p.requireSan() ? " (required)" : ""),
          p.requiredSubjectFields().isEmpty() ? "—" : String.join(", ", p.requiredSubjectFields()),
          p.maxLifetime().toDays() + " days", String.join(", ", p.policyOids()),
          p.serverSideKeyGeneration() ? "allowed" : "no"));
    }
    d.table(List.of("Profile", "Purpose", "Key algorithms", "KU", "EKU", "SAN types", "Required subject fields",
        "Max lifetime", "Policy OIDs", "Server-side keygen"), rows);
    d.h(3, "7.2 CRL profile");
    d.p("X.509 v2 CRLs signed by the issuing CA, valid " + duration(settings.crlNextUpdate()) + ".");
    d.h(3, "7.3 OCSP profile");
    d.p("Responses signed by the CA or a delegated responder certified under the ocsp-signing profile.");

    d.h(2, "8 Compliance audit and other assessments");
    d.p("Operation is assessed against SS-002. Each CA in section 1.3.1 states whether its configuration complies "
        + "(lifetime within the ladder; roots offline).");

    d.h(2, "9 Other business and legal matters");
    d.p("Fees, liability, privacy and the other business and legal matters are set by " + org + " and are not "
        + "rendered from configuration.");
    return format == Format.HTML ? d.html(org) : d.markdown();
  }

  private static void hierarchy(Doc d, List<CaState> cas) {
    List<List<String>> rows = new ArrayList<>();
    Set<String> subjects = new HashSet<>();
    cas.forEach(c -> subjects.add(c.subject()));
    Set<String> offline = new java.util.LinkedHashSet<>();
    for (CaState ca : cas) {
      Optional<X509Certificate> cert = ca.certificate().flatMap(PracticeStatement::x509);
      String algorithm = cert.map(c -> algorithm(c.getPublicKey())).orElse("—");
      String validity = cert.map(c -> c.getNotBefore().toInstant() + " to " + c.getNotAfter().toInstant() + " ("
          + Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant()).toDays() + " days)")
          .orElse("not yet certified (" + ca.state() + ")");
      List<String> problems = new ArrayList<>();
      cert.ifPresent(c -> {
        if (Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant())
            .compareTo(ca.level().maxLifetime()) > 0) {
          problems.add("lifetime above the ladder");
        }
      });
      if (ca.level() == CaLevel.ROOT) {
        problems.add("online root (development only)");
      }
      String compliant = !ca.state().equals("active") ? "pending"
          : problems.isEmpty() ? "yes" : "no: " + String.join("; ", problems);
      rows.add(List.of(ca.name(), ca.level().id(), algorithm, ca.subject(), validity, "online", compliant));
      // A root or policy CA above an online CA that is not itself held online is offline.
      for (byte[] up : ca.chain()) {
        x509(up).ifPresent(c -> {
          String s = io.custos.x509.Certificates.nameText(c.getSubjectX500Principal().getEncoded());
          if (!subjects.contains(s) && offline.add(s)) {
            boolean self = c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
            Duration life = Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
            CaLevel level = self ? CaLevel.ROOT : CaLevel.POLICY;
            rows.add(List.of("(offline)", level.id(), algorithm(c.getPublicKey()), s, c.getNotBefore().toInstant()
                + " to " + c.getNotAfter().toInstant() + " (" + life.toDays() + " days)", "offline",
                life.compareTo(level.maxLifetime()) > 0 ? "no: lifetime above the ladder" : "yes"));
          }
        });
      }
    }
    if (rows.isEmpty()) {
      d.p("No certificate authority is configured yet.");
      return;
    }
    d.table(List.of("Name", "Level", "Key algorithm", "Subject", "Validity", "Key held", "Compliant"), rows);
  }

  private static Optional<X509Certificate> x509(byte[] der) {
    try {
      return Optional.of((X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der)));
    } catch (CertificateException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static String algorithm(PublicKey key) {
    if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      return bits == 256 ? "ecdsa-p256" : bits == 384 ? "ecdsa-p384" : bits == 521 ? "ecdsa-p521" : "ecdsa-" + bits;
    }
    if (key instanceof RSAPublicKey rsa) {
      return "rsa-" + rsa.getModulus().bitLength();
    }
    return key.getAlgorithm().toLowerCase(Locale.ROOT);
  }

  private static String sorted(Set<String> s) {
    return s.isEmpty() ? "—" : s.stream().sorted().collect(Collectors.joining(", "));
  }

  static String duration(Duration d) {
    if (d.toDays() > 1 && d.equals(Duration.ofDays(d.toDays()))) {
      return d.toDays() + (d.toDays() == 1 ? " day" : " days");
    }
    if (d.toHours() > 0 && d.equals(Duration.ofHours(d.toHours()))) {
      return d.toHours() + (d.toHours() == 1 ? " hour" : " hours");
    }
    return d.toMinutes() + " minutes";
  }

  /** A small document model, rendered to Markdown or HTML with the escaping each needs. */
  /** A document of headings, paragraphs, lists and tables, rendered as Markdown or HTML (shared with {@link RecoveryPlan}). */
  static final class Doc {
    /** Put before the title in the HTML {@code <title>}. */
    String titlePrefix = "Certification Practice Statement — ";

    private sealed interface Block {}

    private record Heading(int level, String text) implements Block {}

    private record Para(String text) implements Block {}

    private record Bullets(List<String> items) implements Block {}

    private record Table(List<String> head, List<List<String>> rows) implements Block {}

    private final List<Block> blocks = new ArrayList<>();

    void h(int level, String text) {
      blocks.add(new Heading(level, text));
    }

    void p(String text) {
      blocks.add(new Para(text));
    }

    void list(List<String> items) {
      blocks.add(new Bullets(List.copyOf(items)));
    }

    void table(List<String> head, List<List<String>> rows) {
      blocks.add(new Table(List.copyOf(head), List.copyOf(rows)));
    }

    String markdown() {
      StringBuilder out = new StringBuilder();
      for (Block b : blocks) {
        switch (b) {
          case Heading h -> out.append("#".repeat(h.level())).append(' ').append(md(h.text())).append("\n\n");
          case Para p -> out.append(md(p.text())).append("\n\n");
          case Bullets l -> {
            l.items().forEach(i -> out.append("- ").append(md(i)).append('\n'));
            out.append('\n');
          }
          case Table t -> {
            out.append(mdRow(t.head()));
            out.append("|").append(" --- |".repeat(t.head().size())).append('\n');
            t.rows().forEach(r -> out.append(mdRow(r)));
            out.append('\n');
          }
        }
      }
      return out.toString();
    }

    private static String mdRow(List<String> cells) {
      return "| " + cells.stream().map(Doc::md).collect(Collectors.joining(" | ")) + " |\n";
    }

    /** Markdown: backslash-escape the characters that would change meaning; no raw HTML passes through. */
    static String md(String s) {
      StringBuilder out = new StringBuilder(s.length());
      for (char c : s.replace('\n', ' ').toCharArray()) {
        if ("\\`*_{}[]<>()#+!|~".indexOf(c) >= 0) {
          out.append('\\');
        }
        out.append(c);
      }
      return out.toString();
    }

    String html(String title) {
      StringBuilder out = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          + "<title>" + esc(titlePrefix) + esc(title) + "</title>\n</head>\n<body>\n");
      for (Block b : blocks) {
        switch (b) {
          case Heading h -> out.append("<h").append(h.level()).append('>').append(esc(h.text())).append("</h")
              .append(h.level()).append(">\n");
          case Para p -> out.append("<p>").append(esc(p.text())).append("</p>\n");
          case Bullets l -> {
            out.append("<ul>\n");
            l.items().forEach(i -> out.append("<li>").append(esc(i)).append("</li>\n"));
            out.append("</ul>\n");
          }
          case Table t -> {
            out.append("<table>\n<thead><tr>");
            t.head().forEach(c -> out.append("<th>").append(esc(c)).append("</th>"));
            out.append("</tr></thead>\n<tbody>\n");
            for (List<String> r : t.rows()) {
              out.append("<tr>");
              r.forEach(c -> out.append("<td>").append(esc(c)).append("</td>"));
              out.append("</tr>\n");
            }
            out.append("</tbody>\n</table>\n");
          }
        }
      }
      return out.append("</body>\n</html>\n").toString();
    }

    static String esc(String s) {
      StringBuilder out = new StringBuilder(s.length() + 16);
      for (char c : s.toCharArray()) {
        switch (c) {
          case '<' -> out.append("&lt;");
          case '>' -> out.append("&gt;");
          case '&' -> out.append("&amp;");
          case '"' -> out.append("&quot;");
          case '\'' -> out.append("&#39;");
          default -> out.append(c);
        }
      }
      return out.toString();
    }
  }
}
