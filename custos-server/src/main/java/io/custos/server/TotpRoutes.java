package io.custos.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.access.SecondFactors;
import io.custos.access.Totp;
import io.custos.audit.AuditLog;
import io.custos.failure.InvalidInputException;
import io.custos.failure.UnauthenticatedException;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v1/auth/totp}: a person enrols a TOTP second factor for themselves, confirms it with a
 * first code, then verifies a code whenever a privileged capability asks for a fresh second
 * factor (SS-002 11.3.11) — which marks the token session the request came with. The routes
 * need no grant, only an authenticated person; the secret is answered once, never audited, and
 * wrong or replayed codes are audited as denials.
 */
public final class TotpRoutes implements RouteModule {
  private final SecondFactors factors;
  private final AuditedCall call;

  private TotpRoutes(SecondFactors factors, AuditLog log, AccessGate gate, boolean devMode) {
    this.factors = factors;
    this.call = new AuditedCall(log, gate, devMode);
  }

  public static RouteModule module(SecondFactors factors, AuditLog log, AccessGate gate, boolean devMode) {
    return new TotpRoutes(factors, log, gate, devMode);
  }

  @Override
  public void register(Registrar r) {
    r.schema("TotpEnrollRequest", Map.of("type", "object", "properties", Map.of(
        "algorithm", Map.of("type", "string", "enum", List.of("SHA1", "SHA256"),
            "description", "SHA1 (default: what authenticator apps compute) or SHA256"))));
    r.schema("TotpEnrollResponse", Map.of("type", "object", "properties", Map.of(
        "principal", Map.of("type", "string"), "algorithm", Map.of("type", "string"),
        "secret", Map.of("type", "string", "description", "base32, shown once"),
        "uri", Map.of("type", "string", "description", "otpauth:// URI for an authenticator app, shown once"))));
    r.schema("TotpCode", Map.of("type", "object", "required", List.of("code"), "properties", Map.of(
        "code", Map.of("type", "string", "pattern", "^[0-9]{6}$"))));
    r.add(new ApiRoute("POST", "/v1/auth/totp/enroll", "enrollTotp",
        "Enrol a TOTP second factor for the calling person (secret shown once)", "auth",
        Map.of(200, "Secret and otpauth URI", 401, "Not authenticated", 409, "Already enrolled and confirmed"),
        Map.of(200, "TotpEnrollResponse"), Optional.of("TotpEnrollRequest")), this::enroll);
    r.add(new ApiRoute("POST", "/v1/auth/totp/confirm", "confirmTotp", "Activate the enrolment with a first code",
        "auth", Map.of(200, "Confirmed", 401, "Not authenticated", 403, "Wrong, expired or replayed code"), Map.of(),
        Optional.of("TotpCode")), this::confirm);
    r.add(new ApiRoute("POST", "/v1/auth/totp/verify", "verifyTotp",
        "Prove the second factor: privileged capabilities are allowed on this token for the next minutes", "auth",
        Map.of(200, "Session marked", 401, "Not authenticated", 403, "Wrong, expired or replayed code"), Map.of(),
        Optional.of("TotpCode")), this::verify);
  }

  /** The authenticated person calling; self-service routes refuse anonymous callers. */
  private Caller person(Context ctx) {
    Caller c = call.caller(ctx);
    if (c.principalId().equals("anonymous")) {
      throw new UnauthenticatedException();
    }
    return c;
  }

  private void enroll(Context ctx) {
    Caller c = person(ctx);
    JsonNode body = ctx.body().isBlank() ? null : Json.body(ctx);
    Totp.Algorithm algorithm = Totp.Algorithm.parse(body == null ? "" : body.path("algorithm").asText(""));
    call.run(ctx, Optional.empty(), "auth.totp.enroll", "auth/totp/" + c.principalId(),
        Map.of("algorithm", algorithm.name()), () -> {
          SecondFactors.Enrolment e = factors.enroll(c.principalId(), algorithm);
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("principal", e.principal());
          out.put("algorithm", e.algorithm().name());
          out.put("digits", Totp.DIGITS);
          out.put("period", Totp.STEP_SECONDS);
          out.put("secret", e.secret());
          out.put("uri", e.uri());
          return () -> {
            ctx.header("Cache-Control", "no-store");
            Json.respond(ctx, 200, out);
          };
        });
  }

  private void confirm(Context ctx) {
    Caller c = person(ctx);
    String code = code(ctx);
    call.run(ctx, Optional.empty(), "auth.totp.confirm", "auth/totp/" + c.principalId(), Map.of(), () -> {
      SecondFactors.Status s = factors.confirm(c.principalId(), code);
      return () -> Json.respond(ctx, 200, Map.of("principal", s.principal(), "confirmed", s.confirmed()));
    });
  }

  private void verify(Context ctx) {
    Caller c = person(ctx);
    String code = code(ctx);
    String token = Authentication.token(ctx).orElseThrow(() -> new InvalidInputException(
        "a second factor is recorded on a token session; send the token (Authorization: Bearer …)"));
    call.run(ctx, Optional.empty(), "auth.totp.verify", "auth/totp/" + c.principalId(), Map.of(), () -> {
      var info = factors.verify(c.principalId(), token, code);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("principal", info.principal());
      out.put("accessor", info.accessor());
      out.put("second_factor_at", info.secondFactorAt().map(Object::toString).orElse(""));
      return () -> Json.respond(ctx, 200, out);
    });
  }

  private static String code(Context ctx) {
    JsonNode code = Json.body(ctx).get("code");
    if (code == null || !code.isTextual() || !code.asText().matches("[0-9]{6}")) {
      throw new InvalidInputException("body must be {\"code\": \"<6 digits from the authenticator app>\"}");
    }
    return code.asText();
  }
}
