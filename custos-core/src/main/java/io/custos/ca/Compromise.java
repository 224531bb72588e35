package io.custos.ca;

import io.custos.access.AccessControl;
import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.access.Decision;
import io.custos.crypto.Pem;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.kms.KeyManager;
import io.custos.kms.KeyState;
import io.custos.kms.ManagedKey;
import io.custos.store.CertificateRecords;
import io.custos.x509.Certificates;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Declaring a key compromised (SS-002 11.6.1–11.6.2): in one action, everything tied to the key
 * stops being trusted. Every certificate in every CA that carries the public key is revoked
 * ({@code keyCompromise}, or {@code cACompromise} for a CA's key); a managed key with that public
 * key is marked {@code compromised}; client-certificate bindings of the key, tokens obtained
 * through those bindings and policy grants naming the key are revoked. A CA whose key it is signs
 * nothing more, its own certificate is revoked through its parent (or a root ceremony is named
 * when the parent is the offline root), and every certificate it issued is revoked as well: with
 * the CA's key in other hands, none of its signatures can be told from a forgery.
 *
 * <p>Everything is resolved and checked before anything changes: an unknown key, bad input or a
 * refusal (no grant; an availability-first key without the override) changes nothing.
 */
public final class Compromise {
  /** The capability of declaring a compromise; held by crypto officers, with a fresh second factor. */
  public static final String DECLARE = "compromise:declare";
  public static final String DECLARE_RESOURCE = "compromise/declare";
  private static final int MAX_REASON = 500;

  /** What is declared compromised: a public key (PEM SPKI or certificate), a managed key, or a certificate's key. */
  public sealed interface Target {
    record PublicKey(String pem) implements Target {}

    record Key(String name) implements Target {}

    record Certificate(String serial, Optional<String> ca) implements Target {}
  }

  /**
   * What the recovery plan says about keeping service (SS-002 11.6.2).
   *
   * @param availabilityFirst key and CA names whose compromise is declared only with an explicit override
   */
  public record Settings(Set<String> availabilityFirst) {
    public Settings {
      availabilityFirst = Set.copyOf(availabilityFirst);
    }

    public static Settings none() {
      return new Settings(Set.of());
    }
  }

  public record RevokedCertificate(String serial, String ca, String subject, String reason, boolean changed) {}

  /** A step only a root ceremony can do, with the exact command. */
  public record Ceremony(String ca, String serial, String command) {}

  /** Exactly what was done. */
  public record Declared(List<String> spkiSha256, List<RevokedCertificate> certificates, List<String> keysMarked,
      List<String> casDisabled, List<String> issuedByCompromisedCas, List<String> bindingsRevoked,
      List<String> tokensRevoked, List<String> grantsRevoked, List<Ceremony> ceremonies, List<String> notes,
      boolean availabilityOverridden) {
    public Declared {
      spkiSha256 = List.copyOf(spkiSha256);
      certificates = List.copyOf(certificates);
      keysMarked = List.copyOf(keysMarked);
      casDisabled = List.copyOf(casDisabled);
      issuedByCompromisedCas = List.copyOf(issuedByCompromisedCas);
      bindingsRevoked = List.copyOf(bindingsRevoked);
      tokensRevoked = List.copyOf(tokensRevoked);
      grantsRevoked = List.copyOf(grantsRevoked);
      ceremonies = List.copyOf(ceremonies);
      notes = List.copyOf(notes);
    }

    /** Serials revoked, per CA, in the order they were revoked. */
    public Map<String, List<String>> revokedPerCa() {
      Map<String, List<String>> out = new LinkedHashMap<>();
      certificates.forEach(c -> out.computeIfAbsent(c.ca(), k -> new ArrayList<>()).add(c.serial()));
      return out;
    }
  }

  private final CertificateAuthority authority;
  private final KeyManager keys;
  private final CertificateRecords certificates;
  private final AccessControl access;
  private final AccessGate gate;
  private final Settings settings;

  public Compromise(CertificateAuthority authority, KeyManager keys, CertificateRecords certificates,
      AccessControl access, AccessGate gate, Settings settings) {
    this.authority = authority;
    this.keys = keys;
    this.certificates = certificates;
    this.access = access;
    this.gate = gate;
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * Declares the target's key compromised and revokes everything tied to it.
   *
   * @param overrideAvailability declare it even where the recovery plan puts availability first
   * @throws ControlViolationException naming SS-002 11.6.2 for an availability-first key without the override
   */
  public Declared declare(Caller caller, Target target, String reason, boolean overrideAvailability) {
    if (caller.principalId().equals("anonymous")) {
      throw new PermissionDeniedException("SS-002 11.3.12", "declaring a compromise must be authenticated");
    }
    if (gate.check(caller, DECLARE, DECLARE_RESOURCE) instanceof Decision.Deny d) {
      throw new PermissionDeniedException(d.control().orElse("SS-002 11.3.12"), d.reason());
    }
    if (reason == null || reason.isBlank() || reason.length() > MAX_REASON) {
      throw new InvalidInputException("a compromise needs a reason (what happened), 1 to " + MAX_REASON + " characters");
    }
    // Resolve everything first: nothing changes until the whole declaration is known to be valid.
    Set<String> hashes = new LinkedHashSet<>();
    Set<String> keyNames = new LinkedHashSet<>();
    switch (target) {
      case Target.Key k -> {
        ManagedKey key = keys.get(caller, k.name());
        keyNames.add(key.name());
        key.versions().stream().map(ManagedKey.Version::publicKey).filter(p -> p.length > 0)
            .forEach(p -> hashes.add(hex(Certificates.spkiHash(p))));
      }
      case Target.PublicKey p -> {
        List<Pem.Block> blocks = Pem.read(p.pem());
        hashes.add(hex(Certificates.spkiHash(Certificates.publicKeyInfo(blocks.getFirst().der()))));
      }
      case Target.Certificate c -> {
        String serial = CertificateAuthority.normaliseSerial(c.serial());
        CertificateRecords.CertificateRow row = certificates.get(serial)
            .orElseThrow(() -> new NotFoundException("no certificate with serial " + serial));
        if (c.ca().isPresent() && !c.ca().get().equals(row.ca())) {
          throw new NotFoundException("certificate " + serial + " is not in CA '" + c.ca().get() + "' (it is in '"
              + row.ca() + "')");
        }
        hashes.add(hex(row.spkiHash()));
      }
    }
    if (!(target instanceof Target.Key)) {
      keyNames.addAll(managedKeysWith(hashes));
    }
    List<CaState> allCas = authority.all();
    List<CaState> compromisedCas = allCas.stream().filter(c -> keyNames.contains(c.keyName())).toList();
    Map<String, List<CertificateRecords.CertificateRow>> carrying = new LinkedHashMap<>();
    for (String h : hashes) {
      carrying.put(h, certificates.certificatesOfKey(HexFormat.of().parseHex(h)));
    }
    boolean anything = !keyNames.isEmpty() || carrying.values().stream().anyMatch(l -> !l.isEmpty())
        || hashes.stream().anyMatch(h -> access.principalForCertificate(h).isPresent());
    if (!anything) {
      throw new NotFoundException("no certificate, managed key, CA or client-certificate binding carries this public key"
          + " (SPKI SHA-256 " + String.join(", ", hashes) + "); nothing was changed");
    }
    Set<String> marked = new LinkedHashSet<>(keyNames);
    compromisedCas.forEach(c -> marked.add(c.name()));
    marked.retainAll(settings.availabilityFirst());
    if (!marked.isEmpty() && !overrideAvailability) {
      throw new ControlViolationException("SS-002 11.6.2", "the recovery plan marks " + marked + " availability-first "
          + "(compromise.availability_first): revoking now stops the service that depends on it. Nothing was changed; "
          + "declare again with --override-availability (override_availability) to revoke at once");
    }

    List<RevokedCertificate> revoked = new ArrayList<>();
    List<String> casDisabled = new ArrayList<>();
    List<String> issued = new ArrayList<>();
    List<Ceremony> ceremonies = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Set<String> caKeyHashes = new LinkedHashSet<>();
    for (CaState ca : compromisedCas) {
      keys.caKey(ca.keyName()).versions().forEach(v -> caKeyHashes.add(hex(Certificates.spkiHash(v.publicKey()))));
    }
    // 1. Every certificate carrying the key, in every CA.
    for (Map.Entry<String, List<CertificateRecords.CertificateRow>> e : carrying.entrySet()) {
      String why = caKeyHashes.contains(e.getKey()) ? "cACompromise" : "keyCompromise";
      for (CertificateRecords.CertificateRow row : e.getValue()) {
        add(revoked, revoke(caller, row, why));
      }
    }
    // 2. CAs whose key it is: sign nothing more, certificate revoked by the parent, issued certificates revoked.
    for (CaState ca : compromisedCas) {
      if (authority.markCompromised(ca.name())) {
        casDisabled.add(ca.name());
      }
      revokeCaCertificate(caller, ca, allCas, revoked, ceremonies, notes);
      revokeIssued(caller, ca, revoked, issued);
      for (CaState child : allCas) {
        if (ca.certificate().isPresent() && !child.chain().isEmpty() && child.certificate().isPresent()
            && Arrays.equals(child.chain().getFirst(), ca.certificate().get())) {
          String serial = authority.recordCaCertificate(ca.name(), child);
          add(revoked, revoke(caller, certificates.get(serial).orElseThrow(), "cACompromise"));
          notes.add("CA '" + child.name() + "' was certified by the compromised CA '" + ca.name() + "': its certificate "
              + serial + " is revoked; certify it again under a new parent before it issues");
        }
      }
    }
    // 3. Managed keys with that public key are compromised (NIST SP 800-57).
    List<String> keysMarked = new ArrayList<>();
    for (String name : keyNames) {
      ManagedKey k = keys.get(caller, name);
      if (k.state().canMoveTo(KeyState.COMPROMISED)) {
        keys.transition(caller, name, KeyState.COMPROMISED, "declared compromised: " + reason.strip());
        keysMarked.add(name);
      } else if (k.state() != KeyState.COMPROMISED) {
        notes.add("key '" + name + "' is " + k.state().id() + "; it was left as it is");
      }
    }
    // 4. Authorisations bound to the key.
    List<String> bindings = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    for (String h : hashes) {
      access.revokeCertificate(h).forEach(p -> bindings.add(p + " (client certificate " + h + ")"));
      tokens.addAll(access.revokeTokensObtainedWith(h));
    }
    List<String> grants = new ArrayList<>();
    for (String name : keyNames) {
      access.revokeGrantsUnder("keys/" + name).forEach(p -> grants.add(p + ": keys/" + name));
    }
    for (CaState ca : compromisedCas) {
      access.revokeGrantsUnder("ca/" + ca.name()).forEach(p -> grants.add(p + ": ca/" + ca.name()));
    }
    return new Declared(List.copyOf(hashes), revoked, keysMarked, casDisabled, issued, bindings, tokens, grants,
        ceremonies, notes, !marked.isEmpty());
  }

  private void revokeCaCertificate(Caller caller, CaState ca, List<CaState> allCas, List<RevokedCertificate> revoked,
      List<Ceremony> ceremonies, List<String> notes) {
    if (ca.certificate().isEmpty()) {
      notes.add("CA '" + ca.name() + "' was never certified (pending): there is no CA certificate to revoke");
      return;
    }
    if (ca.chain().isEmpty()) {
      notes.add("CA '" + ca.name() + "' is a root held online (development only): remove it from every trust store");
      return;
    }
    byte[] parentCert = ca.chain().getFirst();
    Optional<CaState> parent = allCas.stream().filter(p -> !p.name().equals(ca.name()) && p.certificate().isPresent()
        && Arrays.equals(p.certificate().get(), parentCert)).findFirst();
    if (parent.isPresent()) {
      String serial = authority.recordCaCertificate(parent.get().name(), ca);
      add(revoked, revoke(caller, certificates.get(serial).orElseThrow(), "cACompromise"));
    } else {
      String serial = CertificateAuthority.serialOf(ca.certificate().get());
      ceremonies.add(new Ceremony(ca.name(), serial, "custos --data-dir ROOT_DATA_DIR ceremony revoke-ca " + serial
          + " --reason cACompromise --witness \"NAME\" && custos --data-dir ROOT_DATA_DIR ceremony crl --witness \"NAME\""
          + " --out root.crl.pem"));
    }
  }

  private void revokeIssued(Caller caller, CaState ca, List<RevokedCertificate> revoked, List<String> issued) {
    Optional<String> after = Optional.empty();
    while (true) {
      List<CertificateRecords.CertificateRow> page = certificates.query(new CertificateRecords.Query(
          Optional.of(ca.name()), Optional.empty(), Optional.empty(), Optional.empty(), after, CertificateRecords.MAX_PAGE));
      for (CertificateRecords.CertificateRow row : page) {
        issued.add(row.serial());
        if (!row.status().equals("revoked")) {
          add(revoked, revoke(caller, row, "cACompromise"));
        }
      }
      if (page.size() < CertificateRecords.MAX_PAGE) {
        return;
      }
      after = Optional.of(page.getLast().serial());
    }
  }

  private static void add(List<RevokedCertificate> revoked, RevokedCertificate r) {
    if (revoked.stream().noneMatch(x -> x.serial().equals(r.serial()))) {
      revoked.add(r);
    }
  }

  private RevokedCertificate revoke(Caller caller, CertificateRecords.CertificateRow row, String reason) {
    CertificateAuthority.Revocation r = authority.revoke(caller, row.serial(), reason);
    return new RevokedCertificate(r.serial(), r.ca(), row.subject(), r.reason(), r.changed());
  }

  /**
   * Managed keys (CA keys included) any of whose versions has one of these public keys, whoever
   * owns them: the declaration is authorised as a whole, and marking each key still needs the
   * caller's kms:compromise.
   */
  private List<String> managedKeysWith(Set<String> hashes) {
    List<String> out = new ArrayList<>();
    for (var entry : keys.inventory()) {
      ManagedKey k = keys.metadata(entry.name());
      if (k.versions().stream().map(ManagedKey.Version::publicKey).filter(p -> p.length > 0)
          .anyMatch(p -> hashes.contains(hex(Certificates.spkiHash(p))))) {
        out.add(k.name());
      }
    }
    return out;
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
