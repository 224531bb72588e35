package io.custos.server;

import static io.custos.server.Schemas.ref;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the OpenAPI 3.1 document from the registered routes and schemas. */
final class OpenApiDocument {
  private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}/]+)}");

  private OpenApiDocument() {}

  static Map<String, Object> build(String version, List<ApiRoute> routes, Map<String, Map<String, Object>> schemas) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.1.0");
    doc.put("info", Map.of(
        "title", "Custos API",
        "version", version,
        "description", "PKI, key management and container supply chain under SS-002 and SS-011. "
            + "Errors are RFC 9457 problem documents (application/problem+json)."));
    Map<String, Object> paths = new TreeMap<>();
    for (ApiRoute r : routes) {
      @SuppressWarnings("unchecked")
      Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(openApiPath(r.path()),
          p -> new LinkedHashMap<>());
      item.put(r.method().toLowerCase(Locale.ROOT), operation(r));
    }
    doc.put("paths", paths);
    Map<String, Object> allSchemas = new TreeMap<>(schemas);
    allSchemas.put("Problem", problemSchema());
    doc.put("components", Map.of("schemas", allSchemas));
    return doc;
  }

  /** Javalin's {@code <name>} (a parameter that may hold slashes) is an ordinary {@code {name}} in OpenAPI. */
  static String openApiPath(String javalinPath) {
    return javalinPath.replaceAll("<([^>/]+)>", "{$1}");
  }

  private static Map<String, Object> operation(ApiRoute r) {
    Map<String, Object> op = new LinkedHashMap<>();
    op.put("operationId", r.operationId());
    op.put("summary", r.summary());
    op.put("tags", List.of(r.tag()));
    List<Map<String, Object>> params = new ArrayList<>();
    Matcher m = PATH_PARAM.matcher(openApiPath(r.path()));
    while (m.find()) {
      params.add(Map.of("name", m.group(1), "in", "path", "required", true, "schema", Map.of("type", "string")));
    }
    if (!params.isEmpty()) {
      op.put("parameters", params);
    }
    r.requestSchema().ifPresent(s -> op.put("requestBody", Map.of("required", true,
        "content", Map.of(Json.CONTENT_TYPE, Map.of("schema", ref(s))))));
    Map<String, Object> responses = new TreeMap<>();
    r.responses().forEach((status, description) -> {
      Map<String, Object> resp = new LinkedHashMap<>();
      resp.put("description", description);
      String schema = r.responseSchemas().get(status);
      if (schema != null) {
        resp.put("content", Map.of(Json.CONTENT_TYPE, Map.of("schema", ref(schema))));
      }
      responses.put(String.valueOf(status), resp);
    });
    responses.put("default", Map.of("description", "A problem document (RFC 9457)",
        "content", Map.of(Problem.CONTENT_TYPE, Map.of("schema", ref("Problem")))));
    op.put("responses", responses);
    return op;
  }

  private static Map<String, Object> problemSchema() {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put("type", Map.of("type", "string", "description", "URN naming the kind of problem"));
    props.put("title", Map.of("type", "string"));
    props.put("status", Map.of("type", "integer"));
    props.put("detail", Map.of("type", "string"));
    props.put("instance", Map.of("type", "string"));
    props.put("request_id", Map.of("type", "string"));
    props.put("control", Map.of("type", "string", "description", "the standard's control that forbade the action"));
    return Map.of("type", "object", "required", List.of("type", "title", "status"), "properties", props);
  }
}
