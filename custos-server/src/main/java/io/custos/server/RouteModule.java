package io.custos.server;

import io.javalin.http.Handler;

/** A group of API routes (e.g. sys, kms, ca) that registers itself with the server. */
public interface RouteModule {

  /** Adds routes; every route comes with its documentation. */
  void register(Registrar registrar);

  /** How a module hands its routes over. */
  interface Registrar {
    void add(ApiRoute route, Handler handler);

    /** A named JSON schema (OpenAPI 3.1 / JSON Schema 2020-12) that routes refer to. */
    void schema(String name, java.util.Map<String, Object> jsonSchema);
  }
}
