package io.custos.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.custos.access.ApprovalRequest;
import io.custos.access.Approvals;
import io.custos.access.Caller;
import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.failure.CustosException;
import io.custos.failure.PermissionDeniedException;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Dual control on the request path (SS-002 11.3.11): after a grant allowed an operation whose
 * capability needs approvals, and before it is performed. Without {@code X-Custos-Approval} the
 * operation is not performed: a pending approval request for exactly this operation is made and
 * answered 202. With the id of an approved request for exactly this operation by this caller, the
 * request is marked executed (once) and the operation goes ahead.
 */
final class ApprovalCheck {
  static final String HEADER = "X-Custos-Approval";
  /** Set by a route whose operation also needs approval under another capability (e.g. export by wrap). */
  private static final String EXTRA = "custos.approval-subjects";
  private static final ObjectMapper CANONICAL = Json.MAPPER.copy().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** A capability on a resource, as approvals are asked for. */
  record Subject(String capability, String resource) {}

  /** What the request path does next: perform (with the approval used, if any) or stop, answered. */
  record Outcome(boolean perform, Optional<String> approval) {}

  private ApprovalCheck() {}

  /** Declares that the operation of {@code ctx} is also {@code capability} on {@code resource}, for approvals. */
  static void also(Context ctx, String capability, String resource) {
    List<Subject> list = ctx.attribute(EXTRA);
    if (list == null) {
      list = new ArrayList<>();
      ctx.attribute(EXTRA, list);
    }
    list.add(new Subject(capability, resource));
  }

  static Outcome admit(Context ctx, AuditLog log, Approvals approvals, Caller caller, Subject routeSubject,
      String action) {
    List<Subject> candidates = new ArrayList<>();
    List<Subject> extra = ctx.attribute(EXTRA);
    if (extra != null) {
      candidates.addAll(extra);
    }
    candidates.add(routeSubject);
    Optional<Subject> due = candidates.stream().filter(s -> approvals.required(s.capability()) > 0).findFirst();
    if (due.isEmpty()) {
      return new Outcome(true, Optional.empty());
    }
    Subject s = due.get();
    String digest = digest(ctx);
    AuditEvent.Principal who = new AuditEvent.Principal(caller.principalId(), caller.authMethod());
    String header = ctx.header(HEADER);
    if (header == null || header.isBlank()) {
      ApprovalRequest r = approvals.request(caller, s.capability(), s.resource(), ctx.method().name() + " " + ctx.path(),
          digest);
      Map<String, String> params = new LinkedHashMap<>();
      params.put("capability", s.capability());
      params.put("for_resource", s.resource());
      params.put("for_action", action);
      params.put("required", String.valueOf(r.required()));
      params.put("expires_at", r.expiresAt().toString());
      log.record(AuditDraft.ok(caller.requestId(), who, "approval.requested", "approvals/" + r.id(),
          caller.clientAddress(), params));
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("approval_id", r.id());
      body.put("status", "pending");
      body.put("required", r.required());
      body.put("expires_at", r.expiresAt().toString());
      body.put("capability", s.capability());
      body.put("resource", s.resource());
      body.put("detail", s.capability() + " on " + s.resource() + " needs " + r.required()
          + " approvals (SS-002 11.3.11); once approved, send the same request again with " + HEADER + ": " + r.id());
      ctx.header("Location", "/v1/approvals/" + r.id());
      Json.respond(ctx, 202, body);
      return new Outcome(false, Optional.empty());
    }
    String id = header.trim();
    Map<String, String> params = new LinkedHashMap<>();
    params.put("capability", s.capability());
    params.put("for_resource", s.resource());
    params.put("for_action", action);
    String resource = "approvals/" + (id.matches("[0-9a-f]{32}") ? id : "invalid");
    try {
      approvals.execute(caller, id, s.capability(), s.resource(), digest);
    } catch (CustosException e) {
      params.put("error", e.code());
      log.record(new AuditDraft(caller.requestId(), who, "approval.executed", resource,
          e instanceof PermissionDeniedException ? AuditEvent.Outcome.DENIED : AuditEvent.Outcome.ERROR,
          e.control(), caller.clientAddress(), params));
      throw e;
    }
    log.record(AuditDraft.ok(caller.requestId(), who, "approval.executed", resource, caller.clientAddress(), params));
    return new Outcome(true, Optional.of(id));
  }

  /** Method, path with query, and the SHA-256 of the body in canonical form (JSON with sorted keys). */
  static String digest(Context ctx) {
    String target = ctx.path() + (ctx.queryString() == null || ctx.queryString().isEmpty() ? "" : "?" + ctx.queryString());
    return Approvals.digest(ctx.method().name(), target, canonicalBody(ctx.bodyAsBytes()));
  }

  static byte[] canonicalBody(byte[] raw) {
    if (raw.length == 0) {
      return raw;
    }
    try {
      Object tree = CANONICAL.readValue(raw, Object.class);
      return CANONICAL.writeValueAsBytes(tree);
    } catch (IOException e) {
      return raw; // not JSON: the bytes as sent
    }
  }
}
