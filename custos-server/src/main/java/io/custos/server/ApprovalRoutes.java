package io.custos.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessGate;
import io.custos.access.ApprovalRequest;
import io.custos.access.Approvals;
import io.custos.audit.AuditLog;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.javalin.http.Context;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v1/approvals}: dual control (SS-002 11.3.11). Reading requests needs
 * {@code approval:read}; approving or denying needs {@code approval:decide} on
 * {@code approvals/<family>/<capability>} (e.g. {@code approvals/kms/backup}), and passes the
 * separation-of-duties rules. Every decision is audited.
 */
public final class ApprovalRoutes implements RouteModule {
  private static final String TAG = "approvals";

  private final Approvals approvals;
  private final AuditedCall call;

  private ApprovalRoutes(Approvals approvals, AuditLog log, AccessGate gate, boolean devMode) {
    this.approvals = approvals;
    this.call = new AuditedCall(log, gate, devMode);
  }

  public static RouteModule module(Approvals approvals, AuditLog log, AccessGate gate, boolean devMode) {
    return new ApprovalRoutes(approvals, log, gate, devMode);
  }

  @Override
  public void register(Registrar r) {
    Map<String, Object> time = Map.of("type", "string", "format", "date-time");
    Map<String, Object> text = Map.of("type", "string");
    r.schema("ApprovalRequest", Map.of("type", "object", "properties", ordered(
        "id", text, "status", Map.of("type", "string", "enum", List.of("pending", "approved", "executed", "denied", "expired")),
        "capability", text, "resource", text, "operation", text,
        "operation_digest", Map.of("type", "string", "description", "SHA-256 of method, path and canonical body"),
        "requester", text, "required", Map.of("type", "integer"),
        "approvals", Map.of("type", "array", "items", Map.of("type", "object", "properties",
            Map.of("principal", text, "at", time))),
        "denied_by", text, "denied_at", time, "reason", text,
        "created_at", time, "expires_at", time, "executed_at", time)));
    r.schema("ApprovalList", Map.of("type", "object", "properties",
        Map.of("approvals", Map.of("type", "array", "items", Map.of("$ref", "#/components/schemas/ApprovalRequest")))));
    r.schema("DenyRequest", Map.of("type", "object", "required", List.of("reason"), "properties",
        Map.of("reason", Map.of("type", "string", "maxLength", 512))));
    r.schema("ApprovalPending", Map.of("type", "object", "description",
        "Answer (202) of an operation that needs approvals: it was not performed",
        "properties", ordered("approval_id", text, "status", text, "required", Map.of("type", "integer"),
            "expires_at", time, "capability", text, "resource", text, "detail", text)));
    r.add(route("GET", "/v1/approvals", "listApprovals", "Approval requests, newest first; `status` filters",
        Map.of(200, "Requests", 400, "Unknown status", 403, "Not allowed"), Map.of(200, "ApprovalList"), null),
        this::list);
    r.add(route("GET", "/v1/approvals/{id}", "getApproval", "One approval request",
        Map.of(200, "The request", 403, "Not allowed", 404, "No such request"), Map.of(200, "ApprovalRequest"), null),
        this::show);
    r.add(route("POST", "/v1/approvals/{id}/approve", "approve",
        "Approve a pending request; refused for its requester, the key's owner (export, backup, destroy) and twice by one approver",
        Map.of(200, "The request", 403, "Not allowed or forbidden by separation of duties", 404, "No such request",
            409, "Already approved by this approver, decided, executed or expired"),
        Map.of(200, "ApprovalRequest"), null), this::approve);
    r.add(route("POST", "/v1/approvals/{id}/deny", "deny", "Deny a request, ending it",
        Map.of(200, "The request", 400, "No reason", 403, "Not allowed", 404, "No such request",
            409, "Decided, executed or expired"),
        Map.of(200, "ApprovalRequest"), "DenyRequest"), this::deny);
  }

  private static ApiRoute route(String method, String path, String id, String summary, Map<Integer, String> responses,
      Map<Integer, String> schemas, String request) {
    return new ApiRoute(method, path, id, summary, TAG, responses, schemas, Optional.ofNullable(request));
  }

  private static Map<String, Object> ordered(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private void list(Context ctx) {
    Optional<ApprovalRequest.Status> status = Optional.ofNullable(ctx.queryParam("status"))
        .filter(s -> !s.isBlank()).map(ApprovalRequest.Status::parse);
    Map<String, String> params = new LinkedHashMap<>();
    status.ifPresent(s -> params.put("status", s.id()));
    call.run(ctx, Optional.of(Approvals.READ), "approvals/*", "approval.list", "approvals/*", params, () -> {
      List<Map<String, Object>> rows = approvals.list(status).stream().map(this::json).toList();
      params.put("count", String.valueOf(rows.size()));
      return () -> Json.respond(ctx, 200, Map.of("approvals", rows));
    });
  }

  private void show(Context ctx) {
    String id = ctx.pathParam("id");
    Optional<ApprovalRequest> found = approvals.find(id);
    call.run(ctx, Optional.of(Approvals.READ), grantResource(found), "approval.read", resource(id), new LinkedHashMap<>(),
        () -> {
          ApprovalRequest r = found.orElseThrow(() -> notFound(id));
          return () -> Json.respond(ctx, 200, json(r));
        });
  }

  private void approve(Context ctx) {
    String id = ctx.pathParam("id");
    if (ctx.bodyAsBytes().length > 0) {
      fields(Json.body(ctx), List.of());
    }
    Optional<ApprovalRequest> found = approvals.find(id);
    Map<String, String> params = subjectParams(found);
    call.run(ctx, Optional.of(Approvals.DECIDE), grantResource(found), "approval.approved", resource(id), params, () -> {
      ApprovalRequest asked = found.orElseThrow(() -> notFound(id));
      approvals.violatedRule(call.caller(ctx), asked).ifPresent(rule -> params.put("rule", rule));
      ApprovalRequest r = approvals.approve(call.caller(ctx), id);
      params.put("approvals", String.valueOf(r.approvals().size()));
      params.put("status", r.status().id());
      return () -> Json.respond(ctx, 200, json(r));
    });
  }

  private void deny(Context ctx) {
    String id = ctx.pathParam("id");
    JsonNode body = fields(Json.body(ctx), List.of("reason"));
    JsonNode reasonNode = body.get("reason");
    if (reasonNode == null || !reasonNode.isTextual() || reasonNode.asText().isBlank()) {
      throw new InvalidInputException("'reason' is required: say why the request is denied");
    }
    String reason = reasonNode.asText();
    Optional<ApprovalRequest> found = approvals.find(id);
    Map<String, String> params = subjectParams(found);
    call.run(ctx, Optional.of(Approvals.DECIDE), grantResource(found), "approval.denied", resource(id), params, () -> {
      found.orElseThrow(() -> notFound(id));
      ApprovalRequest r = approvals.deny(call.caller(ctx), id, reason);
      params.put("status", r.status().id());
      return () -> Json.respond(ctx, 200, json(r));
    });
  }

  private static Map<String, String> subjectParams(Optional<ApprovalRequest> found) {
    Map<String, String> params = new LinkedHashMap<>();
    found.ifPresent(r -> {
      params.put("capability", r.capability());
      params.put("for_resource", r.resource());
      params.put("requester", r.requester());
    });
    return params;
  }

  /** Where the grant is checked: {@code approvals/kms/backup} for a kms:backup request. */
  private static String grantResource(Optional<ApprovalRequest> found) {
    return found.map(r -> Approvals.resourceFor(r.capability())).orElse("approvals/*");
  }

  private static String resource(String id) {
    return "approvals/" + (id.matches("[0-9a-f]{32}") ? id : "invalid");
  }

  private static NotFoundException notFound(String id) {
    return new NotFoundException("no approval request '" + (id.length() > 64 ? id.substring(0, 64) : id) + "'");
  }

  private static JsonNode fields(JsonNode body, List<String> allowed) {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw new InvalidInputException("body has an unknown field '" + (f.length() > 64 ? f.substring(0, 64) : f)
            + "'" + (allowed.isEmpty() ? "; this request takes no fields" : "; known fields are " + String.join(", ", allowed)));
      }
    }
    return body;
  }

  Map<String, Object> json(ApprovalRequest r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("status", approvals.statusOf(r).id());
    m.put("capability", r.capability());
    m.put("resource", r.resource());
    m.put("operation", r.operation());
    m.put("operation_digest", r.digest());
    m.put("requester", r.requester());
    m.put("required", r.required());
    m.put("approvals", r.approvals().stream().map(a -> Map.of("principal", a.principal(), "at", a.at().toString())).toList());
    r.denial().ifPresent(d -> {
      m.put("denied_by", d.principal());
      m.put("denied_at", d.at().toString());
      m.put("reason", d.reason());
    });
    m.put("created_at", r.createdAt().toString());
    m.put("expires_at", r.expiresAt().toString());
    r.executedAt().ifPresent(t -> m.put("executed_at", t.toString()));
    return m;
  }
}
