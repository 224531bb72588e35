package io.custos.server;

import static io.custos.server.Schemas.obj;
import static io.custos.server.Schemas.str;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.audit.OfflineLogImport;
import io.custos.failure.InvalidInputException;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /v1/audit/import}: an offline root's ceremony log (the export of
 * {@code custos ceremony audit-export}) into this node's audit log, and so to central logging
 * (SS-002 11.7.1). The whole export is verified against the offline log's pinned checkpoint key
 * before anything is recorded; see {@link OfflineLogImport}. Needs {@code audit:import}.
 */
public final class AuditImportRoutes implements RouteModule {
  static final String IMPORT = "audit:import";

  private final OfflineLogImport imports;
  private final AuditedCall call;

  AuditImportRoutes(OfflineLogImport imports, AuditLog log, AccessGate gate, boolean devMode) {
    this.imports = imports;
    this.call = new AuditedCall(log, gate, devMode);
  }

  public static RouteModule module(OfflineLogImport imports, AuditLog log, AccessGate gate, boolean devMode) {
    return new AuditImportRoutes(imports, log, gate, devMode);
  }

  @Override
  public void register(Registrar r) {
    r.schema("AuditImportRequest", obj(List.of("export"),
        "export", str("The offline log's export (JSON lines, events and signed checkpoints), as `ceremony audit-export` writes it"),
        "key", str("The offline log's checkpoint verifier key NAME+ID+KEY; required on the first import, then pinned")));
    r.schema("AuditImportResult", obj(List.of(),
        "origin", str("The offline log (its checkpoint key name)"),
        "verifier_key", str("The pinned checkpoint key"),
        "pinned_now", Map.of("type", "boolean"),
        "offline_events", Map.of("type", "integer"),
        "signed_events", Map.of("type", "integer", "description", "Events covered by a signed checkpoint"),
        "already_imported", Map.of("type", "integer"),
        "imported", Map.of("type", "integer"),
        "unsigned_tail", Map.of("type", "integer", "description", "Events after the last checkpoint, imported after the next ceremony")));
    r.add(new ApiRoute("POST", "/v1/audit/import", "importOfflineAudit",
        "Import an offline root's ceremony log: verified in full against its pinned checkpoint key, each new signed"
            + " event recorded once, naming its origin; forks and tampering refused (SS-002 11.7.1)",
        "audit", Map.of(200, "Imported", 400, "Bad export", 403, "Not allowed or refused by a control"),
        Map.of(200, "AuditImportResult"), Optional.of("AuditImportRequest")), this::importLog);
  }

  private void importLog(Context ctx) {
    JsonNode body = Json.body(ctx);
    JsonNode export = body.get("export");
    JsonNode key = body.get("key");
    if (export == null || !export.isTextual() || export.asText().isEmpty()) {
      throw new InvalidInputException("body must be {\"export\": \"<the offline log export>\", \"key\": \"<verifier key>\"}");
    }
    if (key != null && !key.isNull() && !key.isTextual()) {
      throw new InvalidInputException("'key' must be the verifier key as text (NAME+ID+KEY)");
    }
    var unknown = new java.util.ArrayList<String>();
    body.fieldNames().forEachRemaining(n -> {
      if (!n.equals("export") && !n.equals("key")) {
        unknown.add(n);
      }
    });
    if (!unknown.isEmpty()) {
      throw new InvalidInputException("unknown fields " + unknown + "; the body has 'export' and 'key'");
    }
    Optional<String> verifier = key == null || key.isNull() ? Optional.empty() : Optional.of(key.asText());
    Map<String, String> params = new LinkedHashMap<>();
    params.put("bytes", String.valueOf(export.asText().length()));
    call.run(ctx, Optional.of(IMPORT), "audit.import", "audit/offline", params, () -> {
      Caller caller = call.caller(ctx);
      OfflineLogImport.Result done = imports.importExport(export.asText().getBytes(StandardCharsets.UTF_8), verifier,
          new AuditEvent.Principal(caller.principalId(), caller.authMethod()), caller.requestId(),
          caller.clientAddress());
      params.put("origin", done.origin());
      params.put("imported", String.valueOf(done.imported()));
      params.put("already_imported", String.valueOf(done.alreadyImported()));
      params.put("unsigned_tail", String.valueOf(done.unsignedTail()));
      if (done.pinnedNow()) {
        params.put("pinned", done.verifierKey());
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("origin", done.origin());
      out.put("verifier_key", done.verifierKey());
      out.put("pinned_now", done.pinnedNow());
      out.put("offline_events", done.offlineEvents());
      out.put("signed_events", done.signedEvents());
      out.put("already_imported", done.alreadyImported());
      out.put("imported", done.imported());
      out.put("unsigned_tail", done.unsignedTail());
      return () -> Json.respond(ctx, 200, out);
    });
  }
}
