package io.custos.app;

import io.custos.access.Caller;
import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.ca.CaState;
import io.custos.ca.CertificateAuthority;
import io.custos.x509.CaLevel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The development hierarchy of {@code custos server --dev}: an online root {@code dev-root}
 * (NON-COMPLIANT: SS-002 11.3.1 keeps roots offline) and the issuing CA {@code dev-issuing} it
 * signs, with the standard profiles. Made once, as the dev root, on a fresh dev store.
 */
final class DevCa {
  static final String ROOT = "dev-root";
  static final String ISSUING = "dev-issuing";
  static final String ROOT_SUBJECT = "CN=Custos Dev Root (NON-COMPLIANT: online root)";
  static final String ISSUING_SUBJECT = "CN=Custos Dev Issuing CA";

  private DevCa() {}

  /** Creates the dev hierarchy if it is missing; answers the issuing CA's name. */
  static Optional<String> ensure(CertificateAuthority ca, AuditLog audit) {
    Caller root = new Caller("dev-root", "dev-mode", "", UUID.randomUUID().toString());
    AuditEvent.Principal who = new AuditEvent.Principal("dev-root", "dev-mode");
    List<String> existing = ca.list(root).stream().map(CaState::name).toList();
    if (!existing.contains(ROOT)) {
      ca.createDevRoot(root, ROOT, "ecdsa-p384", ROOT_SUBJECT, Duration.ofDays(3650));
      audit.record(AuditDraft.ok(root.requestId(), who, "ca.create", "ca/" + ROOT, "", Map.of("level", "root",
          "algorithm", "ecdsa-p384", "compliant", "false", "note", "online root: development only (SS-002 11.3.1)")));
    }
    if (!existing.contains(ISSUING)) {
      ca.create(root, ISSUING, CaLevel.SUBORDINATE, "ecdsa-p256", ISSUING_SUBJECT);
      audit.record(AuditDraft.ok(root.requestId(), who, "ca.create", "ca/" + ISSUING, "", Map.of("level", "subordinate",
          "algorithm", "ecdsa-p256")));
      ca.signSubordinate(root, ROOT, ISSUING, Duration.ofDays(3 * 365));
      audit.record(AuditDraft.ok(root.requestId(), who, "ca.activate", "ca/" + ISSUING, "", Map.of("parent", ROOT,
          "compliant", "false")));
    }
    return Optional.of(ISSUING);
  }

  /** The banner's how-to for a first certificate. */
  static List<String> howTo() {
    return List.of(
        "Dev CA: root 'dev-root' (NON-COMPLIANT: online root, SS-002 11.3.1) and issuing CA 'dev-issuing'.",
        "Issue a first certificate:",
        "  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem -out r.csr "
            + "-subj /CN=app.example.com -addext subjectAltName=DNS:app.example.com",
        "  custos cert issue --ca dev-issuing --profile tls-server --csr r.csr --owner dev-root",
        "Trust store: custos ca chain dev-issuing");
  }
}
