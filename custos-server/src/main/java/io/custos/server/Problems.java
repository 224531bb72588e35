package io.custos.server;

import io.custos.failure.ControlViolationException;
import io.custos.failure.CustosException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.failure.ConflictException;
import io.custos.failure.StorageException;
import io.custos.failure.UnavailableException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place failures become RFC 9457 problem documents. Never a stack trace. */
final class Problems {
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);

  private Problems() {}

  static int statusOf(CustosException e) {
    return switch (e) {
      case InvalidInputException x -> 400;
      case ControlViolationException x -> 403;
      case PermissionDeniedException x -> 403;
      case io.custos.failure.UnauthenticatedException x -> 401;
      case NotFoundException x -> 404;
      case ConflictException x -> 409;
      case UnavailableException x -> 503;
      case StorageException x -> 503;
    };
  }

  static void custos(CustosException e, Context ctx) {
    int status = statusOf(e);
    if (status == 401) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"custos\"");
    }
    if (e instanceof StorageException) {
      LOG.error("storage failure: {}", e.getMessage());
    }
    write(ctx, status, e.code(), e.getMessage(), e.control().orElse(null));
  }

  static void http(HttpResponseException e, Context ctx) {
    int status = e.getStatus();
    String detail = switch (status) {
      case 413 -> "request body is larger than the limit of " + ctx.attribute(ApiServer.MAX_BODY_ATTR) + " bytes";
      default -> e.getMessage();
    };
    write(ctx, status, codeFor(status), detail, null);
  }

  static void tooManyRequests(TooManyRequests e, Context ctx) {
    ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
    write(ctx, 429, "too-many-requests", e.getMessage(), null);
  }

  static void unsupportedMediaType(Json.UnsupportedMediaType e, Context ctx) {
    write(ctx, 415, "unsupported-media-type", e.getMessage(), null);
  }

  static void unexpected(Exception e, Context ctx) {
    LOG.error("unexpected failure serving {} {}", ctx.method(), ctx.path(), e);
    write(ctx, 500, "internal", "internal error; the server log has the details under this request id", null);
  }

  static void write(Context ctx, int status, String code, String detail, String control) {
    Problem p = new Problem(Problem.typeFor(code), title(status), status, detail, ctx.path(),
        RequestIds.of(ctx), control);
    Json.respond(ctx, status, Problem.CONTENT_TYPE, p);
  }

  static String codeFor(int status) {
    return switch (status) {
      case 400 -> "invalid-input";
      case 404 -> "no-such-route";
      case 405 -> "method-not-allowed";
      case 408 -> "request-timeout";
      case 413 -> "request-too-large";
      case 414 -> "uri-too-long";
      case 415 -> "unsupported-media-type";
      case 429 -> "too-many-requests";
      case 431 -> "headers-too-large";
      case 503 -> "unavailable";
      default -> status >= 500 ? "internal" : "http-" + status;
    };
  }

  static String title(int status) {
    HttpStatus s = HttpStatus.forStatus(status);
    return s == HttpStatus.UNKNOWN ? "HTTP " + status : s.getMessage();
  }
}
