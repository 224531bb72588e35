package io.custos.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.custos.failure.InvalidInputException;
import io.custos.system.HealthReport;
import io.custos.system.SystemHealth;
import io.custos.system.SystemState;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** {@code /v1/sys/*}: health and the API's own description. */
final class SysRoutes implements RouteModule {
  static final ApiRoute HEALTH = new ApiRoute("GET", "/v1/sys/health", "getHealth",
      "Node health: version, seal state, storage and uptime. Status codes follow Vault's health "
          + "endpoint; override them with activecode, sealedcode and uninitcode.",
      "sys",
      Map.of(200, "Initialised and unsealed", 500, "Storage does not answer",
          501, "Not initialised", 503, "Sealed"),
      Map.of(200, "Health", 500, "Health", 501, "Health", 503, "Health"),
      Optional.empty());
  static final ApiRoute OPENAPI = new ApiRoute("GET", "/v1/openapi.json", "getOpenApi",
      "This OpenAPI 3.1 document", "sys", Map.of(200, "The document"), Map.of(), Optional.empty());

  static final ApiRoute METRICS = new ApiRoute("GET", "/metrics", "getMetrics",
      "Prometheus metrics (text exposition format 0.0.4): operations by action and outcome, HTTP "
          + "latency, seal state, audit log size, checkpoint age, central-log backlog",
      "sys", Map.of(200, "The metrics"), Map.of(), Optional.empty());

  private final SystemHealth health;
  private final Supplier<Map<String, Object>> openApi;
  private final Metrics metrics;

  SysRoutes(SystemHealth health, Supplier<Map<String, Object>> openApi, Metrics metrics) {
    this.health = health;
    this.openApi = openApi;
    this.metrics = metrics;
    metrics.gauge("custos_seal_state", "Root of trust: 0 uninitialised, 1 sealed, 2 unsealed",
        () -> (double) health.report().state().ordinal());
  }

  @Override
  public void register(Registrar r) {
    r.schema("Health", healthSchema());
    r.add(HEALTH, this::health);
    r.add(OPENAPI, ctx -> Json.respond(ctx, 200, openApi.get()));
    r.add(METRICS, ctx -> ctx.status(200).contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.render()));
  }

  private void health(Context ctx) {
    HealthReport report = health.report();
    int status;
    if (!report.storageReachable()) {
      status = 500;
    } else {
      status = switch (report.state()) {
        case UNINITIALISED -> code(ctx, "uninitcode", 501);
        case SEALED -> code(ctx, "sealedcode", 503);
        case UNSEALED -> code(ctx, "activecode", 200);
      };
    }
    Json.respond(ctx, status, HealthBody.of(report));
  }

  private static int code(Context ctx, String param, int fallback) {
    String v = ctx.queryParam(param);
    if (v == null) {
      return fallback;
    }
    try {
      int code = Integer.parseInt(v);
      if (code >= 200 && code <= 599) {
        return code;
      }
    } catch (NumberFormatException e) {
      // fall through to the refusal
    }
    throw new InvalidInputException(param + " must be an HTTP status code from 200 to 599, got '" + v + "'");
  }

  /** The health document; field names follow Vault's where they mean the same. */
  record HealthBody(
      boolean initialized,
      boolean sealed,
      String state,
      boolean standby,
      String version,
      String commit,
      @JsonProperty("dev_mode") boolean devMode,
      Map<String, Object> storage,
      @JsonProperty("server_time_utc") long serverTimeUtc,
      @JsonProperty("uptime_seconds") long uptimeSeconds) {

    static HealthBody of(HealthReport r) {
      Map<String, Object> storage = new LinkedHashMap<>();
      storage.put("kind", r.storageKind());
      storage.put("schema_version", r.schemaVersion());
      storage.put("reachable", r.storageReachable());
      return new HealthBody(r.state().initialised(), r.state().sealed(),
          r.state().name().toLowerCase(Locale.ROOT), false, r.version(), r.commit(), r.devMode(),
          storage, r.serverTime().getEpochSecond(), r.uptime().toSeconds());
    }
  }

  private static Map<String, Object> healthSchema() {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put("initialized", Map.of("type", "boolean"));
    props.put("sealed", Map.of("type", "boolean"));
    props.put("state", Map.of("type", "string", "enum",
        java.util.Arrays.stream(SystemState.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).toList()));
    props.put("standby", Map.of("type", "boolean"));
    props.put("version", Map.of("type", "string"));
    props.put("commit", Map.of("type", "string"));
    props.put("dev_mode", Map.of("type", "boolean"));
    props.put("storage", Map.of("type", "object", "properties", Map.of(
        "kind", Map.of("type", "string"),
        "schema_version", Map.of("type", "integer"),
        "reachable", Map.of("type", "boolean"))));
    props.put("server_time_utc", Map.of("type", "integer", "description", "seconds since the epoch"));
    props.put("uptime_seconds", Map.of("type", "integer"));
    return Map.of("type", "object", "properties", props, "required", List.copyOf(props.keySet()));
  }
}
