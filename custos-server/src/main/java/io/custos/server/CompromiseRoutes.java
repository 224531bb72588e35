package io.custos.server;

import static io.custos.server.Schemas.obj;
import static io.custos.server.Schemas.str;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.ca.Compromise;
import io.custos.ca.RecoveryPlan;
import io.custos.failure.InvalidInputException;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code /v1/compromise}: declaring a key compromised, revoking everything tied to it in one
 * audited action (SS-002 11.6.1–11.6.2), and the key compromise recovery plan (SS-002 11.6.3).
 * Each certificate revoked is also an audit event of its own ({@code cert.revoke}), so that
 * central logging sees every revocation (SS-002 11.6.5).
 */
public final class CompromiseRoutes implements RouteModule {
  /** Key, CA and serial names as they may appear in a resource: short and plain. */
  private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
  private static final Set<String> FIELDS = Set.of("public_key", "key", "cert", "ca", "reason", "override_availability");

  private final Compromise compromise;
  private final RecoveryPlan plans;
  private final AuditLog log;
  private final AuditedCall call;

  private CompromiseRoutes(Compromise compromise, RecoveryPlan plans, AuditLog log, AccessGate gate, boolean devMode) {
    this.compromise = compromise;
    this.plans = plans;
    this.log = log;
    this.call = new AuditedCall(log, gate, devMode);
  }

  public static RouteModule module(Compromise compromise, RecoveryPlan plans, AuditLog log, AccessGate gate,
      boolean devMode) {
    return new CompromiseRoutes(compromise, plans, log, gate, devMode);
  }

  @Override
  public void register(Registrar r) {
    r.schema("CompromiseRequest", obj(List.of("reason"),
        "public_key", str("the compromised public key: PEM SubjectPublicKeyInfo or a certificate carrying it"),
        "key", str("a managed key's name (a CA's key is ca.<CA name>)"),
        "cert", str("a certificate's serial: its public key is the one compromised"),
        "ca", str("with cert: the CA the serial belongs to"),
        "reason", str("what happened, for the record"),
        "override_availability", Map.of("type", "boolean",
            "description", "declare even where the recovery plan puts availability first (SS-002 11.6.2)")));
    r.schema("CompromiseResult", obj(List.of(),
        "spki_sha256", Map.of("type", "array", "items", Map.of("type", "string")),
        "certificates_revoked", Map.of("type", "object", "description", "serials revoked, per CA"),
        "keys_marked_compromised", Map.of("type", "array", "items", Map.of("type", "string")),
        "cas_disabled", Map.of("type", "array", "items", Map.of("type", "string")),
        "ceremonies_required", Map.of("type", "array", "items", Map.of("type", "object")),
        "bindings_revoked", Map.of("type", "array", "items", Map.of("type", "string")),
        "tokens_revoked", Map.of("type", "array", "items", Map.of("type", "string")),
        "grants_revoked", Map.of("type", "array", "items", Map.of("type", "string"))));
    r.add(new ApiRoute("POST", "/v1/compromise", "declareCompromise",
        "Declare a key compromised: revoke every certificate of it in every CA, mark the managed key compromised, revoke "
            + "client-certificate bindings, tokens obtained through them and grants naming it; a CA's key also stops the "
            + "CA and revokes what it issued (SS-002 11.6.1–11.6.2)", "compromise",
        Map.of(200, "What was done", 400, "Bad request", 403, "Not allowed, or availability-first without override",
            404, "No such key, certificate or CA"), Map.of(200, "CompromiseResult"), Optional.of("CompromiseRequest")),
        this::declare);
    r.add(new ApiRoute("GET", "/v1/compromise/plan", "getCompromisePlan",
        "The key compromise recovery plan (SS-002 11.6.3) for a key (key=NAME), a CA (ca=NAME) or the whole node, "
            + "from live data; format=md|html|json", "compromise",
        Map.of(200, "The plan", 400, "Bad request", 403, "Not allowed", 404, "No such key or CA"), Map.of(),
        Optional.empty()), this::plan);
  }

  private void declare(Context ctx) {
    JsonNode body = Json.body(ctx);
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw new InvalidInputException("body has an unknown field '" + (f.length() > 64 ? f.substring(0, 64) : f)
            + "'; known fields are " + new TreeSet<>(FIELDS));
      }
    }
    Optional<String> publicKey = text(body, "public_key");
    Optional<String> key = text(body, "key");
    Optional<String> cert = text(body, "cert");
    Optional<String> ca = text(body, "ca");
    String reason = text(body, "reason").orElseThrow(() -> new InvalidInputException("'reason' is required"));
    JsonNode override = body.get("override_availability");
    if (override != null && !override.isNull() && !override.isBoolean()) {
      throw new InvalidInputException("'override_availability' must be true or false");
    }
    boolean overrideAvailability = override != null && override.asBoolean(false);
    int given = (publicKey.isPresent() ? 1 : 0) + (key.isPresent() ? 1 : 0) + (cert.isPresent() ? 1 : 0);
    if (given != 1) {
      throw new InvalidInputException("name exactly one of 'public_key', 'key' or 'cert'");
    }
    for (var named : List.of(Map.entry("key", key), Map.entry("cert", cert), Map.entry("ca", ca))) {
      named.getValue().filter(v -> !NAME.matcher(v).matches()).ifPresent(v -> {
        throw new InvalidInputException("'" + named.getKey() + "' must be a name or serial of 1 to 128 letters, digits, "
            + "'.', '_', ':' or '-'");
      });
    }
    if (ca.isPresent() && cert.isEmpty()) {
      throw new InvalidInputException("'ca' goes with 'cert' only");
    }
    Compromise.Target target = key.<Compromise.Target>map(Compromise.Target.Key::new)
        .or(() -> cert.map(s -> new Compromise.Target.Certificate(s, ca)))
        .orElseGet(() -> new Compromise.Target.PublicKey(publicKey.orElseThrow()));
    String resource = switch (target) {
      case Compromise.Target.Key k -> "compromise/keys/" + k.name();
      case Compromise.Target.Certificate c -> "compromise/certs/" + c.serial();
      case Compromise.Target.PublicKey p -> "compromise/public-key";
    };
    Map<String, String> params = new LinkedHashMap<>();
    params.put("reason", reason.length() > 200 ? reason.substring(0, 200) : reason);
    params.put("override_availability", String.valueOf(overrideAvailability));
    call.run(ctx, Optional.of(Compromise.DECLARE), Compromise.DECLARE_RESOURCE, "compromise.declare", resource, params,
        () -> {
          Caller caller = call.caller(ctx);
          Compromise.Declared done = compromise.declare(caller, target, reason, overrideAvailability);
          AuditEvent.Principal who = new AuditEvent.Principal(caller.principalId(), caller.authMethod());
          for (Compromise.RevokedCertificate c : done.certificates()) {
            if (c.changed()) {
              log.record(AuditDraft.ok(caller.requestId(), who, "cert.revoke", "ca/" + c.ca() + "/certs/" + c.serial(),
                  caller.clientAddress(), Map.of("reason", c.reason(), "by", "compromise.declare")));
            }
          }
          params.put("spki_sha256", String.join(",", done.spkiSha256()));
          params.put("certificates_revoked", String.valueOf(done.certificates().size()));
          params.put("cas", String.join(",", done.revokedPerCa().keySet()));
          params.put("keys_marked", String.join(",", done.keysMarked()));
          params.put("cas_disabled", String.join(",", done.casDisabled()));
          params.put("bindings_revoked", String.valueOf(done.bindingsRevoked().size()));
          params.put("tokens_revoked", String.valueOf(done.tokensRevoked().size()));
          params.put("grants_revoked", String.valueOf(done.grantsRevoked().size()));
          params.put("ceremonies_required", String.valueOf(done.ceremonies().size()));
          Map<String, Object> out = answer(done);
          return () -> Json.respond(ctx, 200, out);
        });
  }

  static Map<String, Object> answer(Compromise.Declared done) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("spki_sha256", done.spkiSha256());
    out.put("certificates_revoked", done.revokedPerCa());
    List<Map<String, Object>> certs = new ArrayList<>();
    for (Compromise.RevokedCertificate c : done.certificates()) {
      certs.add(Map.of("serial", c.serial(), "ca", c.ca(), "subject", c.subject(), "reason", c.reason(),
          "changed", c.changed()));
    }
    out.put("certificates", certs);
    out.put("keys_marked_compromised", done.keysMarked());
    out.put("cas_disabled", done.casDisabled());
    out.put("issued_by_compromised_cas", done.issuedByCompromisedCas());
    out.put("bindings_revoked", done.bindingsRevoked());
    out.put("tokens_revoked", done.tokensRevoked());
    out.put("grants_revoked", done.grantsRevoked());
    List<Map<String, String>> ceremonies = new ArrayList<>();
    done.ceremonies().forEach(c -> ceremonies.add(Map.of("ca", c.ca(), "serial", c.serial(), "command", c.command())));
    out.put("ceremonies_required", ceremonies);
    out.put("notes", done.notes());
    out.put("availability_overridden", done.availabilityOverridden());
    return out;
  }

  private void plan(Context ctx) {
    Optional<String> key = Optional.ofNullable(ctx.queryParam("key")).filter(s -> !s.isBlank());
    Optional<String> ca = Optional.ofNullable(ctx.queryParam("ca")).filter(s -> !s.isBlank());
    RecoveryPlan.Format format = RecoveryPlan.Format.of(Optional.ofNullable(ctx.queryParam("format")).orElse("md"));
    for (var named : List.of(Map.entry("key", key), Map.entry("ca", ca))) {
      named.getValue().filter(v -> !NAME.matcher(v).matches()).ifPresent(v -> {
        throw new InvalidInputException("'" + named.getKey() + "' must be a name of 1 to 128 letters, digits, '.', '_', "
            + "':' or '-'");
      });
    }
    String resource = ca.map(c -> "compromise/plan/ca/" + c).or(() -> key.map(k -> "compromise/plan/keys/" + k))
        .orElse("compromise/plan");
    call.run(ctx, Optional.of(RecoveryPlan.READ), RecoveryPlan.READ_RESOURCE, "compromise.plan", resource,
        new LinkedHashMap<>(Map.of("format", format.name().toLowerCase(java.util.Locale.ROOT))), () -> {
          RecoveryPlan.Plan plan = plans.build(call.caller(ctx), key, ca);
          return switch (format) {
            case JSON -> {
              Map<String, Object> out = plan.toMap();
              yield () -> Json.respond(ctx, 200, out);
            }
            case HTML -> {
              String doc = RecoveryPlan.render(plan, format);
              yield () -> ctx.status(200).contentType("text/html; charset=utf-8").result(doc);
            }
            case MARKDOWN -> {
              String doc = RecoveryPlan.render(plan, format);
              yield () -> ctx.status(200).contentType("text/markdown; charset=utf-8").result(doc);
            }
          };
        });
  }

  private static Optional<String> text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw new InvalidInputException("'" + field + "' must be a string");
    }
    return Optional.of(v.asText());
  }
}
