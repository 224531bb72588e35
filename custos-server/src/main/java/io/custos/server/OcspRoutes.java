package io.custos.server;

import io.custos.ca.OcspResponder;
import io.custos.failure.InvalidInputException;
import io.custos.x509.Ocsp;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v1/ocsp/{ca}}: the OCSP responder (RFC 6960 Appendix A, RFC 5019) at the AIA address
 * written into every certificate a CA issues. POST carries the DER request
 * ({@code application/ocsp-request}); GET carries it base64- and URL-encoded in the path, and its
 * successful answers are cacheable (Cache-Control max-age up to nextUpdate, ETag, Last-Modified).
 *
 * <p>Public, like a CRL: a relying party asks without credentials. The per-address rate limits
 * apply as to every route. Status queries are read-only and answered from kept signed responses,
 * so they are counted in {@code custos_ocsp_responses_total} rather than written one by one to
 * the audit log: an audit event per query would turn a flood of queries into a flood of durable
 * writes, making the responder a lever for denial of service against the log (SS-002 11.6.1). The
 * responder's own actions — issuing and rotating its certificate — are audit events.
 *
 * <p>Every answer is HTTP 200 with an OCSP response, as RFC 6960 wants; a refused request gets the
 * unsigned status (malformedRequest, unauthorized, tryLater) and an {@code X-Custos-Problem}
 * header saying what was wrong.
 */
public final class OcspRoutes implements RouteModule {
  static final String REQUEST_TYPE = "application/ocsp-request";
  static final String RESPONSE_TYPE = "application/ocsp-response";
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
  private static final String[] STATUS = {"successful", "malformedRequest", "internalError", "tryLater", "", "sigRequired",
      "unauthorized"};

  private final OcspResponder responder;
  private final Metrics.Counter responses;
  private final Clock clock;

  private OcspRoutes(OcspResponder responder, Metrics metrics, Clock clock) {
    this.responder = responder;
    this.responses = metrics.counter("custos_ocsp_responses_total", "OCSP answers by method and response status",
        "method", "status");
    this.clock = clock;
  }

  public static RouteModule module(OcspResponder responder, Metrics metrics) {
    return new OcspRoutes(responder, metrics, Clock.systemUTC());
  }

  @Override
  public void register(Registrar r) {
    r.add(new ApiRoute("POST", "/v1/ocsp/{ca}", "ocspPost",
        "OCSP (RFC 6960): the DER request in the body as application/ocsp-request; answers application/ocsp-response",
        "ocsp", Map.of(200, "An OCSP response (signed; or malformedRequest, unauthorized, tryLater unsigned)",
            400, "Not application/ocsp-request"), Map.of(), Optional.empty()), this::post);
    r.add(new ApiRoute("GET", "/v1/ocsp/{ca}/<request>", "ocspGet",
        "OCSP (RFC 6960 Appendix A): the DER request base64- then URL-encoded in the path; cacheable answers",
        "ocsp", Map.of(200, "An OCSP response with caching headers", 304, "Not modified (If-None-Match)"), Map.of(),
        Optional.empty()), this::get);
  }

  private void post(Context ctx) {
    String type = Optional.ofNullable(ctx.contentType()).orElse("").split(";")[0].strip().toLowerCase(Locale.ROOT);
    if (!type.equals(REQUEST_TYPE)) {
      throw new InvalidInputException("an OCSP request is sent as " + REQUEST_TYPE + ", not '" + type + "'");
    }
    // Bounded by the server's request-size limit before it is read; beyond 64 KiB it is malformed.
    byte[] body = ctx.bodyAsBytes();
    answer(ctx, "POST", respond(ctx.pathParam("ca"), body), false);
  }

  private void get(Context ctx) {
    String ca = ctx.pathParam("ca");
    // The raw path, decoded here: a servlet or router decoding '+' as a space would break base64.
    String raw = ctx.req().getRequestURI();
    String prefix = "/v1/ocsp/" + ca + "/";
    String encoded = raw.startsWith(prefix) ? raw.substring(prefix.length()) : "";
    OcspResponder.Answer a;
    Optional<byte[]> der = decode(encoded);
    if (der.isEmpty()) {
      a = new OcspResponder.Answer(Ocsp.ErrorStatus.MALFORMED_REQUEST.der(), 1, Optional.empty(), Optional.empty(),
          Optional.empty(), false, Optional.of("the path does not carry a base64-encoded request"));
    } else {
      a = respond(ca, der.get());
    }
    if (a.cacheable() && a.etag().isPresent() && a.etag().get().equals(ctx.header("If-None-Match"))) {
      cacheHeaders(ctx, a);
      responses.inc("GET", "notModified");
      ctx.status(304);
      return;
    }
    answer(ctx, "GET", a, true);
  }

  /** The responder's answer; a sealed node (or a store away) answers the unsigned tryLater. */
  private OcspResponder.Answer respond(String ca, byte[] der) {
    try {
      return responder.respond(ca, der);
    } catch (io.custos.failure.CustosException e) {
      return new OcspResponder.Answer(Ocsp.ErrorStatus.TRY_LATER.der(), Ocsp.ErrorStatus.TRY_LATER.code(),
          Optional.empty(), Optional.empty(), Optional.empty(), false, Optional.of("the responder is unavailable: "
              + e.getMessage()));
    }
  }

  private void answer(Context ctx, String method, OcspResponder.Answer a, boolean cacheable) {
    responses.inc(method, a.status() < STATUS.length ? STATUS[a.status()] : "other");
    a.problem().ifPresent(p -> ctx.header("X-Custos-Problem", p.replaceAll("[\\r\\n]", " ")));
    if (cacheable && a.cacheable()) {
      cacheHeaders(ctx, a);
    } else {
      ctx.header("Cache-Control", "no-store");
    }
    ctx.status(200).contentType(RESPONSE_TYPE).result(a.der());
  }

  /** RFC 5019 6.2: max-age no later than nextUpdate, ETag, Last-Modified (producedAt), Expires. */
  private void cacheHeaders(Context ctx, OcspResponder.Answer a) {
    Instant now = clock.instant();
    Instant next = a.nextUpdate().orElseThrow();
    long maxAge = Math.max(0, Duration.between(now, next).toSeconds());
    ctx.header("Cache-Control", "max-age=" + maxAge + ", public, no-transform, must-revalidate");
    ctx.header("ETag", a.etag().orElseThrow());
    ctx.header("Last-Modified", HTTP_DATE.format(a.producedAt().orElseThrow()));
    ctx.header("Expires", HTTP_DATE.format(next));
  }

  /**
   * The request from a GET path: percent-decoded (never '+' to space), base64 in either alphabet,
   * padding optional.
   */
  static Optional<byte[]> decode(String path) {
    if (path.isEmpty() || path.length() > Ocsp.MAX_REQUEST_BYTES * 2) {
      return Optional.empty();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%') {
        if (i + 2 >= path.length()) {
          return Optional.empty();
        }
        int hi = Character.digit(path.charAt(i + 1), 16);
        int lo = Character.digit(path.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return Optional.empty();
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else {
        out.write(c);
      }
    }
    String b64 = out.toString(java.nio.charset.StandardCharsets.US_ASCII).strip().replace('-', '+').replace('_', '/');
    while (b64.length() % 4 != 0) {
      b64 = b64 + "=";
    }
    try {
      return Optional.of(Base64.getDecoder().decode(b64));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
