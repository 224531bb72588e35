package io.custos.server;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One documented API route: what the OpenAPI document says about it. Every route the server
 * serves is registered through one of these, so the document cannot fall behind.
 *
 * @param method HTTP method, upper case
 * @param path Javalin path, {@code {name}} for parameters
 * @param responses status code to description; schema names come from {@code responseSchemas}
 * @param requestSchema name of the JSON body schema, when the route takes one
 */
public record ApiRoute(
    String method,
    String path,
    String operationId,
    String summary,
    String tag,
    Map<Integer, String> responses,
    Map<Integer, String> responseSchemas,
    Optional<String> requestSchema) {

  public ApiRoute {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(operationId, "operationId");
    Objects.requireNonNull(summary, "summary");
    Objects.requireNonNull(tag, "tag");
    responses = Map.copyOf(responses);
    responseSchemas = Map.copyOf(responseSchemas);
    Objects.requireNonNull(requestSchema, "requestSchema");
    if (!method.equals(method.toUpperCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException("method must be upper case: " + method);
    }
  }

  /** "GET /v1/sys/health" — how the completeness test and the logs name a route. */
  public String key() {
    return method + " " + path;
  }
}
