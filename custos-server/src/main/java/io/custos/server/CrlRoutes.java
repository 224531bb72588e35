package io.custos.server;

import static io.custos.server.Schemas.str;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.audit.AuditLog;
import io.custos.ca.CertificateAuthority;
import io.custos.ca.CrlPublisher;
import io.custos.crypto.Pem;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.x509.Crls;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Revocation and CRLs (SS-002 11.6.1, 11.6.4, 11.6.5): {@code POST /v1/certs/{serial}/revoke}
 * revokes, holds or releases a certificate at once, audited (and so exported to central logging);
 * {@code GET /v1/ca/{name}/crl} and {@code /crl/delta} serve the CA's signed CRLs from memory to
 * relying parties, without credentials, at the CRL distribution point URL written into every
 * certificate, with HTTP caching headers bounded by the CRL's nextUpdate; {@code POST
 * /v1/ca/{name}/crl} publishes the offline root's CRL made in a ceremony.
 */
public final class CrlRoutes implements RouteModule {
  /** Relying parties and caches look again at least this often, so a new CRL reaches them soon. */
  static final Duration MAX_AGE = Duration.ofMinutes(5);
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private final CertificateAuthority ca;
  private final CrlPublisher crls;
  private final AuditedCall call;
  private final Clock clock;

  private CrlRoutes(CertificateAuthority ca, CrlPublisher crls, AuditLog log, AccessGate gate, boolean devMode,
      Clock clock) {
    this.ca = ca;
    this.crls = crls;
    this.call = new AuditedCall(log, gate, devMode);
    this.clock = clock;
  }

  public static RouteModule module(CertificateAuthority ca, CrlPublisher crls, AuditLog log, AccessGate gate,
      boolean devMode) {
    return new CrlRoutes(ca, crls, log, gate, devMode, Clock.systemUTC());
  }

  @Override
  public void register(Registrar r) {
    r.schema("RevokeRequest", Map.of("type", "object", "required", List.of("reason"),
        "properties", Map.of("reason", Map.of("type", "string", "enum", List.copyOf(new TreeSet<>(Crls.REASONS.keySet())),
            "description", "RFC 5280 reason; certificateHold puts on hold, removeFromCRL releases a hold"))));
    r.schema("RevokeResponse", Map.of("type", "object", "properties", Map.of(
        "serial", Map.of("type", "string"), "ca", Map.of("type", "string"),
        "status", str("revoked, hold, or good (a hold released)"), "reason", Map.of("type", "string"),
        "revoked_at", Map.of("type", "string", "format", "date-time"),
        "changed", Map.of("type", "boolean", "description", "false when the certificate was already so"),
        "crl_within_seconds", Map.of("type", "integer"))));
    r.schema("CrlImportRequest", Map.of("type", "object", "required", List.of("crl"),
        "properties", Map.of("crl", str("the root's CRL from `custos ceremony crl` (PEM)"))));
    r.schema("CrlImportResponse", Map.of("type", "object", "properties", Map.of(
        "ca", Map.of("type", "string"), "crl_number", Map.of("type", "string"), "entries", Map.of("type", "integer"),
        "this_update", Map.of("type", "string", "format", "date-time"),
        "next_update", Map.of("type", "string", "format", "date-time"))));
    r.add(new ApiRoute("POST", "/v1/certs/{serial}/revoke", "revokeCertificate",
        "Revoke a certificate, put it on hold (certificateHold) or release a hold (removeFromCRL); a second revocation "
            + "changes nothing; the CA's next CRL follows within seconds",
        "ca", Map.of(200, "The certificate's standing", 400, "Bad serial or reason (the valid reasons are listed)",
            401, "No credentials", 403, "Not allowed", 404, "No such serial", 409, "Not on hold (removeFromCRL)"),
        Map.of(200, "RevokeResponse"), Optional.of("RevokeRequest")), this::revoke);
    r.add(new ApiRoute("GET", "/v1/ca/{name}/crl", "getCrl",
        "The CA's full CRL, DER (application/pkix-crl; format=pem for PEM): the CRL distribution point of its "
            + "certificates (public, cached: ETag, Last-Modified, max-age bounded by nextUpdate)",
        "ca", Map.of(200, "CRL", 304, "Not modified", 404, "No such CA or CRL"), Map.of(), Optional.empty()), this::full);
    r.add(new ApiRoute("GET", "/v1/ca/{name}/crl/delta", "getDeltaCrl",
        "The CA's delta CRL (delta CRL indicator = base CRL number), DER or format=pem (public, cached)",
        "ca", Map.of(200, "Delta CRL", 304, "Not modified", 404, "No such CA"), Map.of(), Optional.empty()), this::delta);
    r.add(new ApiRoute("POST", "/v1/ca/{name}/crl", "importCrl",
        "Publish the offline root's CRL signed in a ceremony: its signature is checked against the root of the online "
            + "CAs' chains and its CRL number must not go back",
        "ca", Map.of(200, "Published", 400, "Not a CRL, not the root's, or expired", 403, "Not allowed",
            409, "An online CA of that name", 404, "No online CA chains to a root"),
        Map.of(200, "CrlImportResponse"), Optional.of("CrlImportRequest")), this::importCrl);
  }

  private void revoke(Context ctx) {
    String serial = CertificateAuthority.normaliseSerial(ctx.pathParam("serial"));
    JsonNode body = Json.body(ctx);
    JsonNode reasonNode = body.get("reason");
    if (reasonNode == null || !reasonNode.isTextual() || reasonNode.asText().isBlank()) {
      throw new InvalidInputException("'reason' is required; one of " + new TreeSet<>(Crls.REASONS.keySet()));
    }
    String reason = Crls.reason(reasonNode.asText());
    Caller caller = call.caller(ctx);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("serial", serial);
    params.put("reason", reason);
    params.put("control", "SS-002 11.6.1");
    // The grant of ca:revoke is decided by the CA on ca/{ca}/certs/{serial}; without credentials the
    // ordinary check denies, audits and answers 401 first.
    Optional<String> upfront = caller.principalId().equals("anonymous") ? Optional.of("ca:revoke") : Optional.empty();
    call.run(ctx, upfront, "ca/*", "cert.revoke", "certs/" + serial, params, () -> {
      CertificateAuthority.Revocation done = ca.revoke(caller, serial, reason);
      params.put("ca", done.ca());
      params.put("status", done.status());
      params.put("changed", String.valueOf(done.changed()));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("serial", done.serial());
      out.put("ca", done.ca());
      out.put("status", done.status());
      out.put("reason", done.reason());
      out.put("revoked_at", done.at().toString());
      out.put("changed", done.changed());
      out.put("crl_within_seconds", Math.max(1, crls.settings().coalesce().toSeconds() + 1));
      return () -> Json.respond(ctx, 200, out);
    });
  }

  private void full(Context ctx) {
    serve(ctx, false);
  }

  private void delta(Context ctx) {
    serve(ctx, true);
  }

  private void serve(Context ctx, boolean delta) {
    String name = ctx.pathParam("name");
    if (!name.matches("[a-z0-9][a-z0-9-]{0,47}")) {
      throw new InvalidInputException("CA name must match [a-z0-9][a-z0-9-]{0,47}");
    }
    String format = Optional.ofNullable(ctx.queryParam("format")).orElse("der").toLowerCase(java.util.Locale.ROOT);
    if (!format.equals("der") && !format.equals("pem")) {
      throw new InvalidInputException("format is der or pem, not '" + format + "'");
    }
    Map<String, String> params = new LinkedHashMap<>();
    params.put("kind", delta ? "delta" : "full");
    call.run(ctx, Optional.empty(), "ca/" + name, delta ? "crl.delta.fetch" : "crl.fetch", "ca/" + name + "/crl",
        params, () -> {
          CrlPublisher.Published crl = (delta ? crls.delta(name) : crls.full(name))
              .orElseThrow(() -> new NotFoundException("no " + (delta ? "delta " : "") + "CRL for CA '" + name + "'"));
          params.put("crl_number", crl.number().toString());
          String etag = "\"" + crl.number().toString(16) + (format.equals("pem") ? "-pem" : "") + "\"";
          java.time.Instant now = clock.instant();
          Duration left = Duration.between(now, crl.nextUpdate());
          long maxAge = Math.max(0, Math.min(left.toSeconds(), MAX_AGE.toSeconds()));
          return () -> {
            ctx.header("ETag", etag);
            ctx.header("Last-Modified", HTTP_DATE.format(crl.thisUpdate()));
            ctx.header("Cache-Control", "public, max-age=" + maxAge + ", no-transform");
            ctx.header("Expires", HTTP_DATE.format(now.plusSeconds(maxAge)));
            String match = ctx.header("If-None-Match");
            if (match != null && List.of(match.split(",")).stream().map(String::strip)
                .anyMatch(m -> m.equals(etag) || m.equals("*"))) {
              ctx.status(304);
              return;
            }
            if (format.equals("pem")) {
              ctx.status(200).contentType("application/x-pem-file")
                  .result(Pem.write("X509 CRL", crl.der()).getBytes(StandardCharsets.US_ASCII));
            } else {
              ctx.status(200).contentType("application/pkix-crl").result(crl.der());
            }
          };
        });
  }

  private void importCrl(Context ctx) {
    String name = ctx.pathParam("name");
    JsonNode body = Json.body(ctx);
    JsonNode crlNode = body.get("crl");
    if (crlNode == null || !crlNode.isTextual() || crlNode.asText().isBlank()) {
      throw new InvalidInputException("'crl' is required: the root's CRL as PEM");
    }
    byte[] crl = crlNode.asText().getBytes(StandardCharsets.US_ASCII);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("control", "SS-002 11.6.4");
    call.run(ctx, Optional.of("ca:create"), "ca/" + name, "crl.import", "ca/" + name + "/crl", params, () -> {
      CrlPublisher.Published done = crls.importCrl(name, crl);
      params.put("crl_number", done.number().toString());
      params.put("entries", Integer.toString(done.entries()));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("ca", name);
      out.put("crl_number", done.number().toString());
      out.put("entries", done.entries());
      out.put("this_update", done.thisUpdate().toString());
      out.put("next_update", done.nextUpdate().toString());
      return () -> Json.respond(ctx, 200, out);
    });
  }
}
