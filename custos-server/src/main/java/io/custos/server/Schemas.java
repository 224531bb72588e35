package io.custos.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for the JSON Schemas route modules register in the OpenAPI document. */
final class Schemas {
  private Schemas() {}

  /** An object schema: {@code props} are name, schema pairs. */
  static Map<String, Object> obj(List<String> required, Object... props) {
    Map<String, Object> p = new LinkedHashMap<>();
    for (int i = 0; i < props.length; i += 2) {
      p.put((String) props[i], props[i + 1]);
    }
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "object");
    if (!required.isEmpty()) {
      s.put("required", required);
    }
    s.put("properties", p);
    return s;
  }

  static Map<String, Object> str(String description) {
    return Map.of("type", "string", "description", description);
  }

  static Map<String, Object> ref(String schema) {
    return Map.of("$ref", "#/components/schemas/" + schema);
  }
}
