package io.custos.server;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.access.Decision;
import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.failure.CustosException;
import io.custos.failure.PermissionDeniedException;
import io.custos.failure.UnauthenticatedException;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one request path of ARCHITECTURE.md for HTTP: authenticate, authorise, perform, audit,
 * then answer. Denials and failures are audited too; if the audit record cannot be written
 * the caller gets an error and no result (fail closed).
 */
final class AuditedCall {
  private final AuditLog log;
  private final AccessGate gate;
  private final boolean devMode;

  AuditedCall(AuditLog log, AccessGate gate, boolean devMode) {
    this.log = log;
    this.gate = gate;
    this.devMode = devMode;
  }

  /**
   * The authenticated caller (see {@link Authentication}); credentials that do not
   * authenticate are recorded as a denied {@code auth.login} and refused with 401.
   */
  Caller caller(Context ctx) {
    try {
      return Authentication.of(ctx, devMode);
    } catch (UnauthenticatedException e) {
      if (ctx.attribute(AUTH_FAILURE_RECORDED) == null) {
        ctx.attribute(AUTH_FAILURE_RECORDED, Boolean.TRUE);
        log.record(AuditDraft.denied(RequestIds.of(ctx), new AuditEvent.Principal("anonymous", "none"), "auth.login",
            ctx.method().name() + " " + ctx.path(), Optional.empty(), ctx.ip(), Map.of("reason", "credentials refused")));
      }
      throw e;
    }
  }

  private static final String AUTH_FAILURE_RECORDED = "custos.auth-failure-recorded";

  /**
   * Runs {@code perform} if {@code capability} is granted (or {@code null}: the route needs
   * no grant, as unsealing needs only shares), records the outcome, then runs the responder
   * that {@code perform} returned.
   */
  void run(Context ctx, Optional<String> capability, String action, String resource, Map<String, String> params,
      Supplier<Runnable> perform) {
    run(ctx, capability, resource, action, resource, params, perform);
  }

  /**
   * As {@link #run(Context, Optional, String, String, Map, Supplier)}, where the resource the
   * grant is checked on ({@code keys/payments}) is named differently in the audit log
   * ({@code kms/keys/payments}, the form the anomaly monitor watches). {@code params} may be
   * filled in by {@code perform} (key version, sizes): they are read after it ran.
   */
  void run(Context ctx, Optional<String> capability, String grantResource, String action, String resource,
      Map<String, String> params, Supplier<Runnable> perform) {
    Caller caller;
    try {
      caller = caller(ctx);
    } catch (UnauthenticatedException | io.custos.failure.UnavailableException e) {
      if (capability.isPresent()) {
        throw e;
      }
      // Routes that need no grant (init, unseal) work whatever credentials come along.
      caller = Caller.anonymous(ctx.ip(), RequestIds.of(ctx));
    }
    Caller who0 = caller;
    AuditEvent.Principal who = new AuditEvent.Principal(caller.principalId(), caller.authMethod());
    Decision decision = capability.map(c -> gate.check(who0, c, grantResource))
        .orElse(new Decision.Allow("no grant needed"));
    switch (decision) {
      case Decision.Deny deny -> {
        log.record(AuditDraft.denied(caller.requestId(), who, action, resource, deny.control(), caller.clientAddress(), params));
        if (caller.principalId().equals("anonymous")) {
          throw new UnauthenticatedException();
        }
        throw new PermissionDeniedException(deny.control().map(c -> c + ": ").orElse("") + deny.reason());
      }
      case Decision.Allow allow -> {
        if (capability.isPresent() && gate instanceof io.custos.access.ApprovalGate approvals) {
          // Dual control (SS-002 11.3.11): sensitive operations wait for approvals, then run once.
          ApprovalCheck.Outcome admitted = ApprovalCheck.admit(ctx, log, approvals.approvals(), caller,
              new ApprovalCheck.Subject(capability.get(), grantResource), action);
          if (!admitted.perform()) {
            return;
          }
          admitted.approval().ifPresent(id -> params.put("approval", id));
        }
        Runnable respond;
        try {
          respond = perform.get();
        } catch (CustosException e) {
          Map<String, String> failed = new LinkedHashMap<>(params);
          failed.put("error", e.code());
          // A refusal by the service itself (not the owner, no grant) is a denial, not a failure.
          AuditEvent.Outcome outcome = e instanceof PermissionDeniedException
              ? AuditEvent.Outcome.DENIED : AuditEvent.Outcome.ERROR;
          log.record(new AuditDraft(caller.requestId(), who, action, resource, outcome,
              e.control(), caller.clientAddress(), failed));
          throw e;
        }
        Map<String, String> granted = new LinkedHashMap<>(params);
        granted.put("grant", allow.grant());
        log.record(AuditDraft.ok(caller.requestId(), who, action, resource, caller.clientAddress(), granted));
        respond.run();
      }
    }
  }
}
