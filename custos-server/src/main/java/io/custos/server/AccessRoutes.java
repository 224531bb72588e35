package io.custos.server;

import static io.custos.server.Schemas.obj;
import static io.custos.server.Schemas.str;
import static io.custos.server.Schemas.ref;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessControl;
import io.custos.access.AccessGate;
import io.custos.access.BuiltInRoles;
import io.custos.access.Caller;
import io.custos.access.Decision;
import io.custos.access.Grant;
import io.custos.access.Policy;
import io.custos.access.Principal;
import io.custos.access.PrincipalKind;
import io.custos.access.Tokens;
import io.custos.audit.AuditLog;
import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.failure.UnauthenticatedException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /v1/access}: principals, tokens, policies, revocation (SS-002 11.6.1) and the access
 * review (SS-002 11.8.1). Every call goes through {@link AuditedCall} with the capability
 * {@link RouteCapabilities} lists for it. Token values never reach the audit log (accessors do)
 * and are answered once, with {@code Cache-Control: no-store}.
 */
public final class AccessRoutes implements RouteModule {
  private static final String TAG = "access";
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(s|m|h|d)");
  private static final Duration DEFAULT_TTL = Duration.ofHours(1);
  private static final Duration DEFAULT_MAX_TTL = Duration.ofHours(24);
  static final int DEFAULT_DORMANT_DAYS = 90;

  private final AccessControl access;
  private final AccessGate gate;
  private final AuditedCall call;
  private final Clock clock;
  private java.util.function.Supplier<List<io.custos.access.ApprovalRequest>> pending = List::of;

  private AccessRoutes(AccessControl access, AuditLog log, AccessGate gate, boolean devMode, Clock clock) {
    this.access = access;
    this.gate = gate;
    this.call = new AuditedCall(log, gate, devMode);
    this.clock = clock;
  }

  /** The access routes; {@code gate} decides (in dev mode, requests without credentials are the dev root). */
  public static RouteModule module(AccessControl access, AuditLog log, AccessGate gate, boolean devMode) {
    return new AccessRoutes(access, log, gate, devMode, Clock.systemUTC());
  }

  /** As {@link #module}, with the approval requests awaiting decision shown in the access review. */
  public static RouteModule module(AccessControl access, io.custos.access.Approvals approvals, AuditLog log,
      AccessGate gate, boolean devMode) {
    AccessRoutes r = new AccessRoutes(access, log, gate, devMode, Clock.systemUTC());
    r.pending = () -> approvals.list(Optional.of(io.custos.access.ApprovalRequest.Status.PENDING));
    return r;
  }

  // ---------------------------------------------------------------- documentation

  @Override
  public void register(Registrar r) {
    Map<String, Object> strings = Map.of("type", "array", "items", Map.of("type", "string"));
    Map<String, Object> time = Map.of("type", "string", "format", "date-time");
    r.schema("PrincipalRequest", obj(List.of("id", "kind", "name", "email"), "id", str("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}"),
        "kind", Map.of("type", "string", "enum", List.of("person", "machine")), "name", str("display name"),
        "email", str("contact e-mail"), "phone", str("contact phone"), "roles", strings, "policies", strings));
    r.schema("Principal", obj(List.of(), "id", str(""), "kind", str(""), "name", str(""), "email", str(""),
        "phone", str(""), "roles", strings, "policies", strings,
        "client_certificates", Map.of("type", "array", "items", str("SHA-256 of the SubjectPublicKeyInfo, hex")),
        "disabled", Map.of("type", "boolean"), "created_at", time));
    r.schema("PrincipalList", obj(List.of(), "principals", Map.of("type", "array", "items", ref("Principal"))));
    r.schema("RolesRequest", obj(List.of(), "roles", strings, "policies", strings));
    r.schema("CertificateRequest", obj(List.of("certificate"), "certificate", str("PEM X.509 certificate")));
    r.schema("CertificateBinding", obj(List.of(), "principal", str(""), "spki_sha256", str(""), "subject", str(""),
        "not_after", time));
    r.schema("TokenRequest", obj(List.of("principal"), "principal", str(""), "ttl", str("e.g. 1h (default 1h)"),
        "max_ttl", str("renewal never passes this, e.g. 24h (default 24h), at most 32d")));
    r.schema("Token", obj(List.of(), "token", str("shown once"), "accessor", str(""), "principal", str(""),
        "expires_at", time, "max_expires_at", time));
    r.schema("TokenInfo", obj(List.of(), "accessor", str(""), "principal", str(""), "auth_method", str(""),
        "created_at", time, "expires_at", time, "max_expires_at", time, "second_factor_at", time, "created_by", str(""),
        "roles", strings, "policies", strings));
    r.schema("TokenList", obj(List.of(), "tokens", Map.of("type", "array", "items", ref("TokenInfo"))));
    r.schema("RenewRequest", obj(List.of(), "increment", str("e.g. 1h (default 1h); never past max_expires_at")));
    r.schema("RevokeTokenRequest", obj(List.of(), "token", str("the token"), "accessor", str("or its accessor")));
    r.schema("RevokeTokenResponse", obj(List.of(), "revoked", Map.of("type", "boolean"), "accessor", str("")));
    r.schema("PolicyDocument", obj(List.of("grants"), "description", str(""),
        "grants", Map.of("type", "array", "items", obj(List.of("capability", "resource"), "capability", str(""),
            "resource", str("e.g. keys/payments-*"), "constraints", obj(List.of(), "dns", strings, "ip", strings,
                "profile", strings))),
        "step_up", strings, "step_up_within", str("e.g. 5m")));
    r.schema("Policy", obj(List.of(), "name", str(""), "version", Map.of("type", "integer"), "description", str(""),
        "built_in", Map.of("type", "boolean"), "grants", Map.of("type", "array", "items", Map.of("type", "object")),
        "step_up", strings, "step_up_within", str("")));
    r.schema("PolicyList", obj(List.of(), "policies", Map.of("type", "array", "items", ref("Policy"))));
    r.schema("RevokeRequest", obj(List.of(), "principal", str("every token, certificate binding; disables it"),
        "token", str("a token or accessor"), "certificate", str("PEM client certificate: its binding"),
        "key", str("grants naming keys/KEY exactly")));
    r.schema("RevokeResponse", obj(List.of(), "revoked", Map.of("type", "object")));
    r.schema("AccessReview", obj(List.of(), "generated_at", time, "dormant_after_days", Map.of("type", "integer"),
        "principals", Map.of("type", "array", "items", Map.of("type", "object")),
        "unused_grants", Map.of("type", "array", "items", Map.of("type", "object")),
        "dormant_principals", strings,
        "pending_approvals", Map.of("type", "array", "items", Map.of("type", "object")), "notes", strings));

    Map<Integer, String> denied = Map.of(401, "Not authenticated", 403, "Not allowed");
    r.add(route("POST", "/v1/access/principals", "createPrincipal", "Create a person or machine principal",
        with(denied, 201, "The principal", 400, "Invalid", 409, "Exists"), Map.of(201, "Principal"), "PrincipalRequest"),
        this::createPrincipal);
    r.add(route("GET", "/v1/access/principals", "listPrincipals", "Every principal", with(denied, 200, "Principals"),
        Map.of(200, "PrincipalList"), null), this::listPrincipals);
    r.add(route("GET", "/v1/access/principals/{id}", "getPrincipal", "One principal",
        with(denied, 200, "The principal", 404, "No such principal"), Map.of(200, "Principal"), null), this::getPrincipal);
    r.add(route("POST", "/v1/access/principals/{id}/disable", "disablePrincipal",
        "Disable a principal: its tokens and certificates stop authenticating at once",
        with(denied, 200, "The principal", 404, "No such principal"), Map.of(200, "Principal"), null),
        this::disablePrincipal);
    r.add(route("PUT", "/v1/access/principals/{id}/roles", "setPrincipalRoles",
        "Set a principal's built-in roles and policies (an absent field is kept)",
        with(denied, 200, "The principal", 400, "Unknown role or policy"), Map.of(200, "Principal"), "RolesRequest"),
        this::setRoles);
    r.add(route("POST", "/v1/access/principals/{id}/certificates", "bindCertificate",
        "Bind a client certificate (by SHA-256 of its public key) to the principal for mutual TLS",
        with(denied, 200, "The binding", 409, "Bound to another principal"), Map.of(200, "CertificateBinding"),
        "CertificateRequest"), this::bindCertificate);
    r.add(route("POST", "/v1/access/tokens", "createToken", "A new token for a principal, shown once (no-store)",
        with(denied, 200, "The token", 409, "Principal disabled"), Map.of(200, "Token"), "TokenRequest"),
        this::createToken);
    r.add(route("GET", "/v1/access/tokens", "listTokens", "Token accessors and metadata, of `principal` or all",
        with(denied, 200, "Tokens"), Map.of(200, "TokenList"), null), this::listTokens);
    r.add(route("GET", "/v1/access/tokens/self", "lookupSelfToken", "The caller's own token and principal",
        with(denied, 200, "Token info"), Map.of(200, "TokenInfo"), null), this::lookupSelf);
    r.add(route("POST", "/v1/access/tokens/self/renew", "renewSelfToken", "Extend the caller's token, never past its max TTL",
        with(denied, 200, "Token info"), Map.of(200, "TokenInfo"), "RenewRequest"), this::renewSelf);
    r.add(route("POST", "/v1/access/tokens/revoke", "revokeToken",
        "Revoke a token by value or accessor; a caller may always revoke its own",
        with(denied, 200, "Outcome"), Map.of(200, "RevokeTokenResponse"), "RevokeTokenRequest"), this::revokeToken);
    r.add(route("GET", "/v1/access/policies", "listPolicies", "Stored policies and the built-in roles (role:NAME)",
        with(denied, 200, "Policies"), Map.of(200, "PolicyList"), null), this::listPolicies);
    r.add(route("GET", "/v1/access/policies/{name}", "getPolicy", "One policy or built-in role",
        with(denied, 200, "The policy", 404, "No such policy"), Map.of(200, "Policy"), null), this::getPolicy);
    r.add(route("PUT", "/v1/access/policies/{name}", "writePolicy",
        "Write a policy document (application/json or application/yaml); a new version each time",
        with(denied, 200, "The stored policy", 400, "Malformed, with the line", 415, "Not JSON or YAML"),
        Map.of(200, "Policy"), "PolicyDocument"), this::writePolicy);
    r.add(route("DELETE", "/v1/access/policies/{name}", "deletePolicy", "Delete a policy no principal uses",
        with(denied, 204, "Deleted", 404, "No such policy", 409, "In use"), Map.of(), null), this::deletePolicy);
    r.add(route("POST", "/v1/access/revoke", "revokeAccess",
        "Revoke every authorisation tied to a principal, token, client certificate or key (SS-002 11.6.1); "
            + "effective on the next request",
        with(denied, 200, "What was revoked", 404, "Nothing by that name"), Map.of(200, "RevokeResponse"),
        "RevokeRequest"), this::revoke);
    r.add(route("GET", "/v1/access/review", "accessReview",
        "The access review (SS-002 11.8.1): principals, roles, grants and their last use, unused grants, "
            + "dormant principals (`dormant_days`, default 90), tokens",
        with(denied, 200, "The review"), Map.of(200, "AccessReview"), null), this::review);
  }

  private static ApiRoute route(String method, String path, String id, String summary, Map<Integer, String> responses,
      Map<Integer, String> schemas, String request) {
    return new ApiRoute(method, path, id, summary, TAG, responses, schemas, Optional.ofNullable(request));
  }

  private static Map<Integer, String> with(Map<Integer, String> base, Object... more) {
    Map<Integer, String> m = new LinkedHashMap<>(base);
    for (int i = 0; i < more.length; i += 2) {
      m.put((Integer) more[i], (String) more[i + 1]);
    }
    return m;
  }

  // ---------------------------------------------------------------- principals

  private void createPrincipal(Context ctx) {
    JsonNode body = fields(Json.body(ctx), Set.of("id", "kind", "name", "email", "phone", "roles", "policies"));
    String id = text(body, "id", true);
    PrincipalKind kind = PrincipalKind.parse(text(body, "kind", true));
    Optional<String> phone = Optional.ofNullable(text(body, "phone", false)).filter(s -> !s.isBlank());
    List<String> roles = strings(body, "roles").orElse(List.of());
    List<String> policies = strings(body, "policies").orElse(List.of());
    Principal p = new Principal(id, kind, text(body, "name", true), text(body, "email", true), phone, roles, policies,
        List.of(), false, clock.instant());
    String resource = "access/principals/" + id;
    Map<String, String> params = new LinkedHashMap<>();
    params.put("kind", kind.id());
    params.put("roles", String.join(",", roles));
    params.put("policies", String.join(",", policies));
    call.run(ctx, Optional.of("access:principal-write"), "access.principal.create", resource, params, () -> {
      if (!roles.isEmpty() || !policies.isEmpty()) {
        requireAlso(ctx, "access:role-write", resource);
      }
      Principal created = access.createPrincipal(p);
      return () -> Json.respond(ctx, 201, principalJson(created));
    });
  }

  private void listPrincipals(Context ctx) {
    Map<String, String> params = new LinkedHashMap<>();
    call.run(ctx, Optional.of("access:read"), "access.principal.list", "access/principals/*", params, () -> {
      List<Map<String, Object>> all = access.principals().stream().map(AccessRoutes::principalJson).toList();
      params.put("count", String.valueOf(all.size()));
      return () -> Json.respond(ctx, 200, Map.of("principals", all));
    });
  }

  private void getPrincipal(Context ctx) {
    String id = ctx.pathParam("id");
    call.run(ctx, Optional.of("access:read"), "access.principal.read", "access/principals/" + id, Map.of(), () -> {
      Principal p = access.principal(id).orElseThrow(() -> new NotFoundException("no principal '" + clip(id) + "'"));
      return () -> Json.respond(ctx, 200, principalJson(p));
    });
  }

  private void disablePrincipal(Context ctx) {
    String id = ctx.pathParam("id");
    call.run(ctx, Optional.of("access:principal-write"), "access.principal.disable", "access/principals/" + id,
        Map.of(), () -> {
          Principal p = access.updatePrincipal(id, x -> x.withDisabled(true));
          return () -> Json.respond(ctx, 200, principalJson(p));
        });
  }

  private void setRoles(Context ctx) {
    String id = ctx.pathParam("id");
    JsonNode body = fields(Json.body(ctx), Set.of("roles", "policies"));
    Optional<List<String>> roles = strings(body, "roles");
    Optional<List<String>> policies = strings(body, "policies");
    if (roles.isEmpty() && policies.isEmpty()) {
      throw new InvalidInputException("give 'roles', 'policies' or both");
    }
    Map<String, String> params = new LinkedHashMap<>();
    roles.ifPresent(r -> params.put("roles", String.join(",", r)));
    policies.ifPresent(r -> params.put("policies", String.join(",", r)));
    call.run(ctx, Optional.of("access:role-write"), "access.principal.roles", "access/principals/" + id, params, () -> {
      Principal p = access.updatePrincipal(id, x -> x.withRoles(roles.orElse(x.roles()), policies.orElse(x.policies())));
      return () -> Json.respond(ctx, 200, principalJson(p));
    });
  }

  private void bindCertificate(Context ctx) {
    String id = ctx.pathParam("id");
    JsonNode body = fields(Json.body(ctx), Set.of("certificate"));
    X509Certificate cert = certificate(text(body, "certificate", true));
    String spki = spkiSha256(cert);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("spki_sha256", spki);
    call.run(ctx, Optional.of("access:principal-write"), "access.principal.bind_certificate", "access/principals/" + id,
        params, () -> {
          Optional<Principal> holder = access.principalForCertificate(spki);
          if (holder.isPresent() && !holder.get().id().equals(id)) {
            throw new ConflictException("that certificate's key is bound to another principal");
          }
          access.updatePrincipal(id, x -> {
            List<String> certs = new ArrayList<>(x.clientCertificates());
            if (!certs.contains(spki)) {
              certs.add(spki);
            }
            return x.withClientCertificates(certs);
          });
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("principal", id);
          out.put("spki_sha256", spki);
          out.put("subject", cert.getSubjectX500Principal().getName());
          out.put("not_after", cert.getNotAfter().toInstant().toString());
          return () -> Json.respond(ctx, 200, out);
        });
  }

  // ---------------------------------------------------------------- tokens

  private void createToken(Context ctx) {
    JsonNode body = fields(Json.body(ctx), Set.of("principal", "ttl", "max_ttl"));
    String principal = text(body, "principal", true);
    Duration ttl = Optional.ofNullable(text(body, "ttl", false)).map(t -> duration(t, "ttl")).orElse(DEFAULT_TTL);
    Duration max = Optional.ofNullable(text(body, "max_ttl", false)).map(t -> duration(t, "max_ttl"))
        .orElse(ttl.compareTo(DEFAULT_MAX_TTL) > 0 ? ttl : DEFAULT_MAX_TTL);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("principal", principal);
    params.put("ttl", ttl.toSeconds() + "s");
    params.put("max_ttl", max.toSeconds() + "s");
    call.run(ctx, Optional.of("access:token-create"), "access.token.create", "access/tokens/" + principal, params, () -> {
      Caller creator = call.caller(ctx);
      Tokens.Issued issued = access.createToken(principal, ttl, max, creator.principalId(),
          Authentication.certificateUsed(ctx, creator));
      params.put("accessor", issued.info().accessor());
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("token", issued.token());
      out.put("accessor", issued.info().accessor());
      out.put("principal", principal);
      out.put("expires_at", issued.info().expiresAt().toString());
      out.put("max_expires_at", issued.info().maxExpiresAt().toString());
      return () -> {
        ctx.header("Cache-Control", "no-store");
        Json.respond(ctx, 200, out);
      };
    });
  }

  private void listTokens(Context ctx) {
    String principal = ctx.queryParam("principal");
    if (principal != null && !Principal.ID.matcher(principal).matches()) {
      throw new InvalidInputException("query parameter 'principal' is not a principal id");
    }
    Map<String, String> params = new LinkedHashMap<>();
    call.run(ctx, Optional.of("access:read"), "access.token.list", "access/tokens/" + (principal == null ? "*" : principal),
        params, () -> {
          Instant now = clock.instant();
          List<Map<String, Object>> rows = access.tokens(principal).stream().map(i -> tokenJson(i, now)).toList();
          params.put("count", String.valueOf(rows.size()));
          return () -> Json.respond(ctx, 200, Map.of("tokens", rows));
        });
  }

  /** The caller, who must have authenticated with a token; 401 otherwise. */
  private Caller tokenCaller(Context ctx) {
    Caller caller = call.caller(ctx);
    if (caller.principalId().equals("anonymous")) {
      throw new UnauthenticatedException();
    }
    if (Authentication.presentedToken(ctx).isEmpty()) {
      throw new InvalidInputException("this request carries no token (authenticate with Authorization: Bearer TOKEN)");
    }
    return caller;
  }

  private void lookupSelf(Context ctx) {
    Caller caller = tokenCaller(ctx);
    String token = Authentication.presentedToken(ctx).orElseThrow();
    Optional<Tokens.Info> info = access.lookupToken(token);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("accessor", info.map(Tokens.Info::accessor).orElse("root-token"));
    call.run(ctx, Optional.empty(), "access.token.lookup_self", "access/tokens/" + caller.principalId(), params,
        () -> {
          Map<String, Object> out = selfJson(caller, info);
          return () -> Json.respond(ctx, 200, out);
        });
  }

  private void renewSelf(Context ctx) {
    Caller caller = tokenCaller(ctx);
    String token = Authentication.presentedToken(ctx).orElseThrow();
    JsonNode body = ctx.bodyAsBytes().length == 0 ? Json.MAPPER.createObjectNode() : fields(Json.body(ctx), Set.of("increment"));
    Duration increment = Optional.ofNullable(text(body, "increment", false)).map(t -> duration(t, "increment"))
        .orElse(DEFAULT_TTL);
    Optional<Tokens.Info> info = access.lookupToken(token);
    if (info.isEmpty()) {
      throw new InvalidInputException("the root token does not expire; there is nothing to renew");
    }
    Map<String, String> params = new LinkedHashMap<>();
    params.put("accessor", info.get().accessor());
    params.put("increment", increment.toSeconds() + "s");
    call.run(ctx, Optional.empty(), "access.token.renew_self", "access/tokens/" + caller.principalId(), params, () -> {
      Tokens.Info renewed = access.renewToken(token, increment);
      params.put("expires_at", renewed.expiresAt().toString());
      Map<String, Object> out = selfJson(caller, Optional.of(renewed));
      return () -> Json.respond(ctx, 200, out);
    });
  }

  private void revokeToken(Context ctx) {
    JsonNode body = fields(Json.body(ctx), Set.of("token", "accessor"));
    String token = text(body, "token", false);
    String accessor = text(body, "accessor", false);
    if ((token == null) == (accessor == null)) {
      throw new InvalidInputException("give exactly one of 'token' and 'accessor'");
    }
    Optional<String> presented = Authentication.presentedToken(ctx);
    Optional<Tokens.Info> own = presented.flatMap(access::lookupToken);
    boolean self = token != null ? presented.map(token::equals).orElse(false)
        : own.map(i -> i.accessor().equals(accessor)).orElse(false);
    Optional<Tokens.Info> target = token != null ? access.lookupToken(token) : byAccessor(accessor);
    String targetAccessor = target.map(Tokens.Info::accessor).orElse(token != null ? (self ? "root-token" : "unknown")
        : accessor);
    String principal = target.map(Tokens.Info::principal).orElse(self ? call.caller(ctx).principalId() : "*");
    Map<String, String> params = new LinkedHashMap<>();
    params.put("accessor", targetAccessor);
    if (self) {
      params.put("own_token", "true");
      call.caller(ctx); // must authenticate: 401 otherwise
    }
    call.run(ctx, self ? Optional.empty() : Optional.of("access:token-revoke"), "access.token.revoke",
        "access/tokens/" + principal, params, () -> {
          boolean revoked = access.revokeToken(token != null ? token : accessor);
          params.put("revoked", String.valueOf(revoked));
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("revoked", revoked);
          out.put("accessor", targetAccessor);
          return () -> Json.respond(ctx, 200, out);
        });
  }

  private Optional<Tokens.Info> byAccessor(String accessor) {
    if (!accessor.matches("[0-9a-f]{24}")) {
      throw new InvalidInputException("'accessor' must be 24 hex digits");
    }
    return access.tokens(null).stream().filter(i -> i.accessor().equals(accessor)).findFirst();
  }

  // ---------------------------------------------------------------- policies

  private void listPolicies(Context ctx) {
    Map<String, String> params = new LinkedHashMap<>();
    call.run(ctx, Optional.of("access:read"), "access.policy.list", "access/policies/*", params, () -> {
      List<Map<String, Object>> all = access.policies().stream().map(AccessRoutes::policyJson).toList();
      params.put("count", String.valueOf(all.size()));
      return () -> Json.respond(ctx, 200, Map.of("policies", all));
    });
  }

  private void getPolicy(Context ctx) {
    String name = ctx.pathParam("name");
    call.run(ctx, Optional.of("access:read"), "access.policy.read", "access/policies/" + name, Map.of(), () -> {
      Policy p = access.policy(name).orElseThrow(() -> new NotFoundException("no policy '" + clip(name) + "'"));
      return () -> Json.respond(ctx, 200, policyJson(p));
    });
  }

  private void writePolicy(Context ctx) {
    String name = ctx.pathParam("name");
    if (name.startsWith("role:") || name.equals("root")) {
      throw new InvalidInputException("'" + clip(name) + "' is built in and read-only");
    }
    if (!name.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
      throw new InvalidInputException("policy name must match [a-z0-9][a-z0-9._-]{0,63}");
    }
    String type = Optional.ofNullable(ctx.contentType()).map(t -> t.toLowerCase(Locale.ROOT).split(";")[0].trim())
        .orElse("");
    boolean yaml = switch (type) {
      case "application/json" -> false;
      case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml" -> true;
      default -> throw new HttpResponseException(415, "a policy document is application/json or application/yaml, not "
          + (type.isEmpty() ? "untyped" : "'" + clip(type) + "'"));
    };
    String text = new String(ctx.bodyAsBytes(), StandardCharsets.UTF_8);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("format", yaml ? "yaml" : "json");
    call.run(ctx, Optional.of("access:policy-write"), "access.policy.write", "access/policies/" + name, params, () -> {
      Policy parsed = PolicyDocument.parse(name, text, yaml);
      Policy stored = access.writePolicy(parsed);
      params.put("version", String.valueOf(stored.version()));
      params.put("grants", String.valueOf(stored.grants().size()));
      return () -> Json.respond(ctx, 200, policyJson(stored));
    });
  }

  private void deletePolicy(Context ctx) {
    String name = ctx.pathParam("name");
    if (name.startsWith("role:")) {
      throw new InvalidInputException("built-in roles are read-only");
    }
    call.run(ctx, Optional.of("access:policy-write"), "access.policy.delete", "access/policies/" + name, Map.of(), () -> {
      access.deletePolicy(name);
      return () -> ctx.status(204);
    });
  }

  // ---------------------------------------------------------------- revocation (SS-002 11.6.1)

  private void revoke(Context ctx) {
    JsonNode body = fields(Json.body(ctx), Set.of("principal", "token", "certificate", "key"));
    if (body.size() != 1) {
      throw new InvalidInputException("give exactly one of 'principal', 'token', 'certificate' and 'key'");
    }
    String what = body.fieldNames().next();
    String value = text(body, what, true);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("kind", what);
    String resource;
    Runnable[] work = new Runnable[1];
    Map<String, Object> revoked = new LinkedHashMap<>();
    switch (what) {
      case "principal" -> {
        resource = "access/principals/" + value;
        work[0] = () -> {
          Principal before = access.principal(value)
              .orElseThrow(() -> new NotFoundException("no principal '" + clip(value) + "'"));
          int tokens = access.revokePrincipal(value);
          revoked.put("principal", value);
          revoked.put("disabled", true);
          revoked.put("tokens", tokens);
          revoked.put("certificates", before.clientCertificates().size());
          params.put("tokens", String.valueOf(tokens));
          params.put("certificates", String.valueOf(before.clientCertificates().size()));
        };
      }
      case "token" -> {
        boolean isAccessor = value.matches("[0-9a-f]{24}");
        Optional<Tokens.Info> info = isAccessor ? byAccessor(value) : access.lookupToken(value);
        String accessor = info.map(Tokens.Info::accessor).orElse(isAccessor ? value : "unknown");
        params.put("accessor", accessor);
        resource = "access/tokens/" + info.map(Tokens.Info::principal).orElse("*");
        work[0] = () -> {
          boolean done = access.revokeToken(value);
          if (!done) {
            throw new NotFoundException("no live token by that value or accessor");
          }
          revoked.put("token", accessor);
          info.ifPresent(i -> revoked.put("principal", i.principal()));
        };
      }
      case "certificate" -> {
        String spki = spkiSha256(certificate(value));
        params.put("spki_sha256", spki);
        resource = "access/certificates/" + spki;
        work[0] = () -> {
          List<String> from = access.revokeCertificate(spki);
          if (from.isEmpty()) {
            throw new NotFoundException("that certificate is bound to no principal");
          }
          revoked.put("certificate", spki);
          revoked.put("principals", from);
          params.put("principals", String.join(",", from));
        };
      }
      default -> {
        if (!value.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
          throw new InvalidInputException("key name must match [a-z0-9][a-z0-9._-]{0,63}");
        }
        resource = "kms/keys/" + value;
        work[0] = () -> {
          List<String> policies = access.revokeKeyGrants(value);
          revoked.put("key", value);
          revoked.put("policies_changed", policies);
          revoked.put("note", "grants naming keys/" + value + " exactly were removed; wildcard grants and the key's "
              + "owner are unchanged (suspend or compromise the key to stop its use)");
          params.put("policies_changed", String.join(",", policies));
        };
      }
    }
    call.run(ctx, Optional.of("access:revoke"), "access/revoke", "access.revoke", resource, params, () -> {
      work[0].run();
      return () -> Json.respond(ctx, 200, Map.of("revoked", revoked));
    });
  }

  // ---------------------------------------------------------------- review (SS-002 11.8.1)

  private void review(Context ctx) {
    int dormantDays = Optional.ofNullable(ctx.queryParam("dormant_days")).map(v -> {
      try {
        int n = Integer.parseInt(v);
        if (n >= 1 && n <= 3650) {
          return n;
        }
      } catch (NumberFormatException e) {
        // refused below
      }
      throw new InvalidInputException("query parameter 'dormant_days' must be a whole number from 1 to 3650");
    }).orElse(DEFAULT_DORMANT_DAYS);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("dormant_days", String.valueOf(dormantDays));
    call.run(ctx, Optional.of("access:review"), "access.review", "access/review", params, () -> {
      Map<String, Object> out = reviewJson(dormantDays);
      params.put("principals", String.valueOf(((List<?>) out.get("principals")).size()));
      return () -> Json.respond(ctx, 200, out);
    });
  }

  private Map<String, Object> reviewJson(int dormantDays) {
    Instant now = clock.instant();
    Map<String, Instant> lastUse = access.lastUse();
    Map<String, Instant> lastAuth = access.lastAuthentication();
    List<Map<String, Object>> principals = new ArrayList<>();
    List<Map<String, Object>> unused = new ArrayList<>();
    List<String> dormant = new ArrayList<>();
    for (Principal p : access.principals()) {
      List<Map<String, Object>> grants = new ArrayList<>();
      List<Policy> policies = new ArrayList<>();
      p.roles().forEach(r -> policies.add(BuiltInRoles.policy(r)));
      p.policies().forEach(n -> access.policy(n).ifPresent(policies::add));
      for (Policy pol : policies) {
        for (int i = 0; i < pol.grants().size(); i++) {
          Grant g = pol.grants().get(i);
          String key = p.id() + "|" + pol.name() + " v" + pol.version() + " grant " + (i + 1) + ": " + g;
          Instant used = lastUse.get(key);
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("policy", pol.name());
          row.put("version", pol.version());
          row.put("grant", i + 1);
          row.put("capability", g.capability());
          row.put("resource", g.resource());
          if (!g.constraints().isEmpty()) {
            row.put("constraints", g.constraints());
          }
          row.put("last_used", used == null ? null : used.toString());
          grants.add(row);
          if (used == null) {
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("principal", p.id());
            u.putAll(row);
            u.remove("last_used");
            unused.add(u);
          }
        }
      }
      List<Tokens.Info> tokens = access.tokens(p.id());
      long live = tokens.stream().filter(t -> !t.expired(now)).count();
      Instant auth = lastAuth.get(p.id());
      boolean isDormant = !p.disabled() && (auth == null ? !p.createdAt().isAfter(now.minus(Duration.ofDays(dormantDays)))
          : auth.isBefore(now.minus(Duration.ofDays(dormantDays))));
      if (isDormant) {
        dormant.add(p.id());
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", p.id());
      row.put("kind", p.kind().id());
      row.put("name", p.displayName());
      row.put("email", p.email());
      row.put("disabled", p.disabled());
      row.put("roles", p.roles());
      row.put("policies", p.policies());
      row.put("client_certificates", p.clientCertificates().size());
      row.put("tokens", live);
      row.put("last_authenticated", auth == null ? null : auth.toString());
      row.put("dormant", isDormant);
      row.put("grants", grants);
      principals.add(row);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("generated_at", now.toString());
    out.put("dormant_after_days", dormantDays);
    out.put("principals", principals);
    out.put("unused_grants", unused);
    out.put("dormant_principals", dormant);
    List<Map<String, Object>> waiting = new ArrayList<>();
    for (io.custos.access.ApprovalRequest a : pending.get()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", a.id());
      row.put("capability", a.capability());
      row.put("resource", a.resource());
      row.put("requester", a.requester());
      row.put("approvals", a.approvals().size());
      row.put("required", a.required());
      row.put("expires_at", a.expiresAt().toString());
      waiting.add(row);
    }
    out.put("pending_approvals", waiting);
    out.put("notes", List.of(
        "last_used and last_authenticated are kept in memory since this node started; after a restart a principal "
            + "counts as dormant only once dormant_after_days have passed without authenticating",
        "a never-authenticated principal is dormant once it is older than dormant_after_days",
        "pending_approvals lists approval requests still awaiting their approvers"));
    return out;
  }

  // ---------------------------------------------------------------- JSON

  static Map<String, Object> principalJson(Principal p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.id());
    m.put("kind", p.kind().id());
    m.put("name", p.displayName());
    m.put("email", p.email());
    m.put("phone", p.phone().orElse(null));
    m.put("roles", p.roles());
    m.put("policies", p.policies());
    m.put("client_certificates", p.clientCertificates());
    m.put("disabled", p.disabled());
    m.put("created_at", p.createdAt().toString());
    return m;
  }

  static Map<String, Object> policyJson(Policy p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", p.name());
    m.put("version", p.version());
    m.put("description", p.description());
    m.put("built_in", p.name().startsWith("role:"));
    List<Map<String, Object>> grants = new ArrayList<>();
    for (Grant g : p.grants()) {
      Map<String, Object> gm = new LinkedHashMap<>();
      gm.put("capability", g.capability());
      gm.put("resource", g.resource());
      if (!g.constraints().isEmpty()) {
        gm.put("constraints", g.constraints());
      }
      grants.add(gm);
    }
    m.put("grants", grants);
    m.put("step_up", new TreeSet<>(p.stepUp()));
    m.put("step_up_within", formatDuration(p.stepUpWithin()));
    return m;
  }

  private static Map<String, Object> tokenJson(Tokens.Info i, Instant now) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("accessor", i.accessor());
    m.put("principal", i.principal());
    m.put("created_at", i.createdAt().toString());
    m.put("expires_at", i.expiresAt().toString());
    m.put("max_expires_at", i.maxExpiresAt().toString());
    m.put("expired", i.expired(now));
    m.put("second_factor_at", i.secondFactorAt().map(Instant::toString).orElse(null));
    m.put("created_by", i.createdBy());
    return m;
  }

  private Map<String, Object> selfJson(Caller caller, Optional<Tokens.Info> info) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("principal", caller.principalId());
    m.put("auth_method", caller.authMethod());
    m.put("accessor", info.map(Tokens.Info::accessor).orElse(null));
    m.put("created_at", info.map(i -> i.createdAt().toString()).orElse(null));
    m.put("expires_at", info.map(i -> i.expiresAt().toString()).orElse(null));
    m.put("max_expires_at", info.map(i -> i.maxExpiresAt().toString()).orElse(null));
    m.put("second_factor_at", info.flatMap(Tokens.Info::secondFactorAt).map(Instant::toString).orElse(null));
    m.put("created_by", info.map(Tokens.Info::createdBy).orElse(null));
    Optional<Principal> p = caller.principalId().equals(AccessControl.ROOT) ? Optional.empty()
        : access.principal(caller.principalId());
    m.put("name", p.map(Principal::displayName).orElse(caller.principalId().equals(AccessControl.ROOT)
        ? "Bootstrap root" : null));
    m.put("roles", p.map(Principal::roles).orElse(List.of()));
    m.put("policies", p.map(Principal::policies).orElse(caller.principalId().equals(AccessControl.ROOT)
        ? List.of("root") : List.of()));
    return m;
  }

  static String formatDuration(Duration d) {
    long s = d.toSeconds();
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }

  // ---------------------------------------------------------------- request helpers

  /** A second capability some requests need (roles given at creation). */
  private void requireAlso(Context ctx, String capability, String resource) {
    if (gate.check(call.caller(ctx), capability, resource) instanceof Decision.Deny d) {
      throw new PermissionDeniedException(d.control().orElse("SS-002 11.3.5"), d.reason());
    }
  }

  static Duration duration(String text, String field) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new InvalidInputException("'" + field + "' must be a duration such as 90s, 30m, 1h or 7d, got '"
          + clip(text) + "'");
    }
    long v = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(v);
      case "m" -> Duration.ofMinutes(v);
      case "h" -> Duration.ofHours(v);
      default -> Duration.ofDays(v);
    };
  }

  private static X509Certificate certificate(String pem) {
    if (pem.length() > 64 * 1024) {
      throw new InvalidInputException("'certificate' is larger than 64 KiB");
    }
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      return (X509Certificate) f.generateCertificate(new ByteArrayInputStream(pem.trim().getBytes(StandardCharsets.US_ASCII)));
    } catch (CertificateException | ClassCastException e) {
      throw new InvalidInputException("'certificate' is not a PEM X.509 certificate");
    }
  }

  static String spkiSha256(X509Certificate cert) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode fields(JsonNode body, Set<String> allowed) {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw new InvalidInputException("body has an unknown field '" + clip(f) + "'; known fields are "
            + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
    return body;
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new InvalidInputException("'" + field + "' is required");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidInputException("'" + field + "' must be a string");
    }
    return v.asText();
  }

  private static Optional<List<String>> strings(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isArray() || v.size() > 100) {
      throw new InvalidInputException("'" + field + "' must be a list of at most 100 names");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode n : v) {
      if (!n.isTextual()) {
        throw new InvalidInputException("'" + field + "' must be a list of strings");
      }
      out.add(n.asText());
    }
    return Optional.of(List.copyOf(out));
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }
}
