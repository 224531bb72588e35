package io.custos.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessGate;
import io.custos.audit.AuditLog;
import io.custos.crypto.Pem;
import io.custos.failure.InvalidInputException;
import io.custos.trust.TrustStores;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v1/trust}: the trust stores (SS-002 11.4.5, 11.4.6) — list, show, import anchors,
 * export as a PEM bundle, remove an anchor. Reading needs {@code trust:read}, importing and
 * removing {@code trust:import}, exporting {@code trust:export}; each on {@code trust/<name>}.
 */
public final class TrustRoutes implements RouteModule {
  private final TrustStores trust;
  private final AuditedCall call;

  private TrustRoutes(TrustStores trust, AuditLog log, AccessGate gate, boolean devMode) {
    this.trust = trust;
    this.call = new AuditedCall(log, gate, devMode);
  }

  public static RouteModule module(TrustStores trust, AuditLog log, AccessGate gate, boolean devMode) {
    return new TrustRoutes(trust, log, gate, devMode);
  }

  @Override
  public void register(Registrar r) {
    r.schema("TrustAnchor", Map.of("type", "object", "properties", Map.of(
        "subject", Map.of("type", "string"), "issuer", Map.of("type", "string"),
        "sha256", Map.of("type", "string", "description", "SHA-256 fingerprint of the certificate (hex)"),
        "not_before", Map.of("type", "string", "format", "date-time"),
        "not_after", Map.of("type", "string", "format", "date-time"))));
    r.schema("TrustStore", Map.of("type", "object", "properties", Map.of(
        "name", Map.of("type", "string"),
        "anchors", Map.of("type", "array", "items", Map.of("$ref", "#/components/schemas/TrustAnchor")))));
    r.schema("TrustStoreList", Map.of("type", "object", "properties", Map.of(
        "stores", Map.of("type", "array", "items", Map.of("type", "object", "properties", Map.of(
            "name", Map.of("type", "string"), "anchors", Map.of("type", "integer")))))));
    r.schema("TrustImportRequest", Map.of("type", "object", "required", List.of("certificates"), "properties", Map.of(
        "certificates", Map.of("type", "string", "maxLength", Pem.MAX_CHARS,
            "description", "PEM CA certificates (basicConstraints CA=true) to allow-list"))));
    r.schema("TrustImportResponse", Map.of("type", "object", "properties", Map.of(
        "name", Map.of("type", "string"),
        "added", Map.of("type", "array", "items", Map.of("$ref", "#/components/schemas/TrustAnchor")),
        "already_present", Map.of("type", "integer"), "anchors", Map.of("type", "integer"))));
    r.add(new ApiRoute("GET", "/v1/trust", "listTrustStores", "The trust stores and how many anchors each holds",
        "trust", Map.of(200, "Stores", 403, "Not allowed"), Map.of(200, "TrustStoreList"), Optional.empty()), this::list);
    r.add(new ApiRoute("GET", "/v1/trust/{name}", "getTrustStore", "A trust store's anchors: subject, fingerprint, validity",
        "trust", Map.of(200, "The store", 403, "Not allowed", 404, "No such store"), Map.of(200, "TrustStore"),
        Optional.empty()), this::show);
    r.add(new ApiRoute("POST", "/v1/trust/{name}/import", "importTrustAnchors",
        "Allow-list CA certificates in a trust store (created if needed)", "trust",
        Map.of(200, "Anchors added", 400, "Not CA certificates", 403, "Not allowed"), Map.of(200, "TrustImportResponse"),
        Optional.of("TrustImportRequest")), this::importAnchors);
    r.add(new ApiRoute("GET", "/v1/trust/{name}/export", "exportTrustStore", "A trust store's anchors as a PEM bundle",
        "trust", Map.of(200, "PEM bundle", 403, "Not allowed", 404, "No such store"), Map.of(), Optional.empty()),
        this::export);
    r.add(new ApiRoute("DELETE", "/v1/trust/{name}/anchors/{sha256}", "removeTrustAnchor",
        "Remove one anchor, by the SHA-256 fingerprint of its certificate", "trust",
        Map.of(200, "The store after removal", 403, "Not allowed", 404, "No such store or anchor"),
        Map.of(200, "TrustStore"), Optional.empty()), this::remove);
  }

  private void list(Context ctx) {
    call.run(ctx, Optional.of("trust:read"), "trust.list", "trust", Map.of(), () -> {
      List<Map<String, Object>> stores = new ArrayList<>();
      for (String n : trust.names()) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", n);
        s.put("anchors", trust.require(n).anchors().size());
        stores.add(s);
      }
      return () -> Json.respond(ctx, 200, Map.of("stores", stores));
    });
  }

  private void show(Context ctx) {
    String name = name(ctx);
    call.run(ctx, Optional.of("trust:read"), "trust.read", "trust/" + name, Map.of(), () -> {
      Map<String, Object> body = store(trust.require(name));
      return () -> Json.respond(ctx, 200, body);
    });
  }

  private void importAnchors(Context ctx) {
    String name = name(ctx);
    JsonNode body = Json.body(ctx);
    JsonNode pem = body.get("certificates");
    if (pem == null || !pem.isTextual() || pem.asText().isBlank()) {
      throw new InvalidInputException("body must be {\"certificates\": \"<PEM CA certificates>\"}");
    }
    Map<String, String> params = new LinkedHashMap<>();
    call.run(ctx, Optional.of("trust:import"), "trust.import", "trust/" + name, params, () -> {
      TrustStores.Imported done = trust.importAnchors(name, pem.asText());
      params.put("added", String.join(",", done.added().stream().map(TrustStores.Anchor::sha256).toList()));
      params.put("anchors", String.valueOf(done.store().anchors().size()));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("name", name);
      out.put("added", done.added().stream().map(TrustRoutes::anchor).toList());
      out.put("already_present", done.alreadyPresent());
      out.put("anchors", done.store().anchors().size());
      return () -> Json.respond(ctx, 200, out);
    });
  }

  private void export(Context ctx) {
    String name = name(ctx);
    call.run(ctx, Optional.of("trust:export"), "trust.export", "trust/" + name, Map.of(), () -> {
      TrustStores.Store s = trust.require(name);
      return () -> ctx.status(200).contentType("application/x-pem-file").result(s.pem());
    });
  }

  private void remove(Context ctx) {
    String name = name(ctx);
    String sha256 = ctx.pathParam("sha256");
    if (!sha256.matches("[0-9A-Fa-f:]{64,95}")) {
      throw new InvalidInputException("an anchor is named by the SHA-256 fingerprint of its certificate: 64 hex digits");
    }
    call.run(ctx, Optional.of("trust:import"), "trust.remove", "trust/" + name, Map.of("sha256", sha256), () -> {
      Map<String, Object> body = store(trust.remove(name, sha256));
      return () -> Json.respond(ctx, 200, body);
    });
  }

  private static String name(Context ctx) {
    String name = ctx.pathParam("name");
    if (!TrustStores.validName(name)) {
      throw new InvalidInputException("a trust store name must match [a-z0-9][a-z0-9._-]{0,63}");
    }
    return name;
  }

  private static Map<String, Object> store(TrustStores.Store s) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", s.name());
    body.put("anchors", s.anchors().stream().map(TrustRoutes::anchor).toList());
    return body;
  }

  private static Map<String, Object> anchor(TrustStores.Anchor a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("subject", a.subject());
    m.put("issuer", a.issuer());
    m.put("sha256", a.sha256());
    m.put("not_before", a.notBefore().toString());
    m.put("not_after", a.notAfter().toString());
    return m;
  }
}
