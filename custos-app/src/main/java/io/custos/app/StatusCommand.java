package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;


@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Show the health of the server at CUSTOS_ADDR.",
        "CUSTOS_ADDR defaults to http://127.0.0.1:8200.",
        "Trusts the CA certificate in CUSTOS_CACERT (PEM) for https addresses."})
final class StatusCommand implements Callable<Integer> {

  @ParentCommand CustosCommand parent;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    HttpResponse<byte[]> r;
    URI addr;
    try (ApiClient client = ApiClient.fromEnvironment(System.getenv())) {
      addr = client.base();
      r = client.get("/v1/sys/health");
    }
    JsonNode health;
    try {
      health = Output.JSON_MAPPER.readTree(r.body());
    } catch (IOException e) {
      health = null;
    }
    // Every health status code (200, 5xx) carries the document; anything else is not Custos.
    if (health == null || !health.isObject() || !health.has("sealed")) {
      throw new ClientFailure(addr + " answered HTTP " + r.statusCode() + " without a Custos health document");
    }
    parent.output.keyValues(spec.commandLine().getOut(), health, rows(health));
    return 0;
  }

  private static List<Map.Entry<String, String>> rows(JsonNode h) {
    List<Map.Entry<String, String>> rows = new ArrayList<>();
    rows.add(Map.entry("Initialized", h.path("initialized").asText()));
    rows.add(Map.entry("Sealed", h.path("sealed").asText()));
    rows.add(Map.entry("State", h.path("state").asText()));
    rows.add(Map.entry("Version", h.path("version").asText() + " (commit " + h.path("commit").asText() + ")"));
    JsonNode s = h.path("storage");
    rows.add(Map.entry("Storage", s.path("kind").asText() + " (schema " + s.path("schema_version").asText()
        + ", " + (s.path("reachable").asBoolean() ? "reachable" : "NOT reachable") + ")"));
    rows.add(Map.entry("Dev mode", h.path("dev_mode").asText()));
    rows.add(Map.entry("Uptime", Duration.ofSeconds(h.path("uptime_seconds").asLong()).toString().substring(2).toLowerCase()));
    return rows;
  }
}
