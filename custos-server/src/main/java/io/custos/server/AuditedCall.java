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
import io.custos.store.JoinedWrite;
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
   * Refuses a caller who brought no credentials, for routes whose grant is decided later with
   * what the request asks for: the denial is recorded and answered 401, as a grant check would.
   */
  void requireAuthenticated(Context ctx, Caller caller, String capability, String action, String resource) {
    if (caller.principalId().equals("anonymous")) {
      log.record(AuditDraft.denied(caller.requestId(), new AuditEvent.Principal("anonymous", caller.authMethod()), action,
          resource, Optional.empty(), caller.clientAddress(), Map.of("capability", capability,
              "reason", "no credentials")));
      throw new UnauthenticatedException();
    }
  }

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
    runJoined(ctx, capability, grantResource, action, resource, params, () -> new Performed<>(null, perform.get()));
  }

  /**
   * What an operation left: the answer, and the write its success event commits with (an issued
   * certificate's inventory row), or {@code null} if it stored what it did itself.
   */
  record Performed<T>(JoinedWrite joined, T result) {}

  /**
   * As {@link #run(Context, Optional, String, String, String, Map, Supplier)}, for an operation
   * whose write commits together with its success event (one commit; see {@link JoinedWrite}).
   * The responder runs only once both are durable.
   */
  void runJoined(Context ctx, Optional<String> capability, String grantResource, String action, String resource,
      Map<String, String> params, Supplier<Performed<Runnable>> perform) {
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
        performAudited(caller, action, resource, params, allow.grant(), perform).run();
      }
    }
  }

  /**
   * Performs an operation the caller may attempt and records its outcome: on success an
   * {@code OK} event (committed with the operation's joined write, if any) and the result; on
   * failure a {@code DENIED} or {@code ERROR} event, then the failure is thrown. Also used alone,
   * for each item of a batch request once the caller is authenticated.
   *
   * @param grant what allowed the attempt, for the event
   */
  <T> T performAudited(Caller caller, String action, String resource, Map<String, String> params, String grant,
      Supplier<Performed<T>> perform) {
    AuditEvent.Principal who = new AuditEvent.Principal(caller.principalId(), caller.authMethod());
    Performed<T> done;
    try {
      done = perform.get();
    } catch (CustosException e) {
      recordFailure(caller, who, action, resource, params, e);
      throw e;
    }
    Map<String, String> granted = new LinkedHashMap<>(params);
    granted.put("grant", grant);
    try {
      log.record(AuditDraft.ok(caller.requestId(), who, action, resource, caller.clientAddress(), granted), done.joined());
    } catch (CustosException e) {
      if (done.joined() != null && !(e instanceof io.custos.failure.StorageException)
          && !(e instanceof io.custos.failure.UnavailableException)) {
        // The joined write was refused (a duplicate that raced in): neither it nor the event is stored.
        recordFailure(caller, who, action, resource, params, e);
      }
      throw e;
    }
    return done.result();
  }

  private void recordFailure(Caller caller, AuditEvent.Principal who, String action, String resource,
      Map<String, String> params, CustosException e) {
    Map<String, String> failed = new LinkedHashMap<>(params);
    failed.put("error", e.code());
    // A refusal by the service itself (not the owner, no grant) is a denial, not a failure.
    AuditEvent.Outcome outcome = e instanceof PermissionDeniedException
        ? AuditEvent.Outcome.DENIED : AuditEvent.Outcome.ERROR;
    log.record(new AuditDraft(caller.requestId(), who, action, resource, outcome,
        e.control(), caller.clientAddress(), failed));
  }
}
