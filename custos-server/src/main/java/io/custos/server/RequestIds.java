package io.custos.server;

import io.javalin.http.Context;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Every request carries an id: the caller's {@code X-Request-Id} when it is well formed,
 * otherwise a fresh one. It is echoed in the response, put on every log line (MDC key
 * {@code request_id}) and written into problem documents.
 */
final class RequestIds {
  static final String HEADER = "X-Request-Id";
  static final String MDC_KEY = "request_id";
  private static final String ATTR = "custos.request_id";
  private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private RequestIds() {}

  static void assign(Context ctx) {
    String given = ctx.header(HEADER);
    String id = given != null && WELL_FORMED.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.attribute(ATTR, id);
    ctx.header(HEADER, id);
    MDC.put(MDC_KEY, id);
  }

  static String of(Context ctx) {
    String id = ctx.attribute(ATTR);
    return id != null ? id : "none";
  }
}
