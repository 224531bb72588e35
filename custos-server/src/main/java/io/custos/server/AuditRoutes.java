package io.custos.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.access.AccessGate;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditKeys;
import io.custos.audit.AuditLog;
import io.custos.audit.AuditQuery;
import io.custos.audit.EventCodec;
import io.custos.audit.CheckpointKeys;
import io.custos.audit.SignedCheckpoint;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code /v1/audit/*}: export, checkpoints, proofs, the checkpoint public key and identifier
 * hashing. Reading the log is itself audited, and needs the {@code audit:read} capability.
 */
public final class AuditRoutes implements RouteModule {
  static final int MAX_EXPORT = 10_000;
  private static final String READ = "audit:read";
  private static final String JSONL = "application/jsonl";

  private final AuditLog log;
  private final AuditKeys keys;
  private final AuditedCall call;

  AuditRoutes(AuditLog log, AuditKeys keys, AccessGate gate, boolean devMode) {
    this.log = log;
    this.keys = keys;
    this.call = new AuditedCall(log, gate, devMode);
  }

  /** The audit routes for the server; {@code devMode} makes every caller the dev root. */
  public static RouteModule module(AuditLog log, AuditKeys keys, AccessGate gate, boolean devMode) {
    return new AuditRoutes(log, keys, gate, devMode);
  }

  @Override
  public void register(Registrar r) {
    r.schema("Checkpoint", Map.of("type", "object", "properties", Map.of(
        "size", Map.of("type", "integer"), "root_hash", Map.of("type", "string", "contentEncoding", "base64"),
        "time", Map.of("type", "string", "format", "date-time"), "note", Map.of("type", "string"))));
    r.schema("Proof", Map.of("type", "object", "properties", Map.of(
        "proof", Map.of("type", "array", "items", Map.of("type", "string", "contentEncoding", "base64")))));
    r.schema("HashRequest", Map.of("type", "object", "required", List.of("value"),
        "properties", Map.of("value", Map.of("type", "string"))));
    r.schema("HashResponse", Map.of("type", "object", "properties", Map.of("hmac", Map.of("type", "string"))));
    r.add(route("GET", "/v1/audit/export", "exportAudit",
        "Events (canonical encoding, one per line) with the signed checkpoints among them, from seq `from`, at most `limit` (10000)",
        null), this::export);
    r.add(route("GET", "/v1/audit/events", "searchAudit",
        "Events matching principal, action, resource (exact, or prefix with a trailing *), outcome "
            + "(ok|denied|error), since and until (RFC 3339), from seq `from`, at most `limit` (1000); "
            + "`next_from` continues a search that stopped early", null), this::events);
    r.add(route("GET", "/v1/audit/checkpoint", "getAuditCheckpoint", "The latest signed checkpoint", "Checkpoint"),
        this::checkpoint);
    r.add(route("GET", "/v1/audit/proof/inclusion", "proveAuditInclusion",
        "RFC 9162 inclusion proof of event `seq` in the tree of size `size` (default: latest checkpoint)", "Proof"),
        this::inclusion);
    r.add(route("GET", "/v1/audit/proof/consistency", "proveAuditConsistency",
        "RFC 9162 consistency proof between tree sizes `from` and `to`", "Proof"), this::consistency);
    r.add(route("GET", "/v1/audit/public-key", "getAuditPublicKey",
        "The checkpoint signing public key (PEM) and its name", null), this::publicKey);
    r.add(new ApiRoute("POST", "/v1/audit/hash", "hashAuditIdentifier",
        "HMAC-SHA-256 of a sensitive identifier under the audit HMAC key, to match it in events",
        "audit", Map.of(200, "The HMAC"), Map.of(200, "HashResponse"), Optional.of("HashRequest")), this::hash);
  }

  private static ApiRoute route(String method, String path, String id, String summary, String schema) {
    return new ApiRoute(method, path, id, summary, "audit", Map.of(200, "OK", 403, "Not allowed"),
        schema == null ? Map.of() : Map.of(200, schema), Optional.empty());
  }

  private void export(Context ctx) {
    long from = longParam(ctx, "from", 1, 1, AuditEvent.MAX_SEQ);
    int limit = (int) longParam(ctx, "limit", MAX_EXPORT, 1, MAX_EXPORT);
    guarded(ctx, "audit.export", "audit/log", Map.of("from", String.valueOf(from), "limit", String.valueOf(limit)), () -> {
      if (from + limit > log.size()) {
        log.checkpointNow(); // an export that reaches the end is covered by a signature to its last event
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        log.export(from, from + limit - 1, out);
      } catch (java.io.IOException e) {
        throw new IllegalStateException("writing to memory failed", e);
      }
      byte[] body = out.toByteArray();
      return () -> {
        ctx.status(200).contentType(JSONL).header("X-Custos-Audit-Size", String.valueOf(log.size()));
        ctx.result(body);
      };
    });
  }

  private void events(Context ctx) {
    long from = longParam(ctx, "from", 1, 1, AuditEvent.MAX_SEQ);
    int limit = (int) longParam(ctx, "limit", 100, 1, 1000);
    AuditQuery query = new AuditQuery(text(ctx, "principal"), text(ctx, "action"), text(ctx, "resource"),
        text(ctx, "outcome").map(AuditQuery::outcome), time(ctx, "since"), time(ctx, "until"));
    Map<String, String> params = new LinkedHashMap<>();
    params.put("from", String.valueOf(from));
    text(ctx, "principal").ifPresent(v -> params.put("principal", v));
    text(ctx, "action").ifPresent(v -> params.put("action", v));
    guarded(ctx, "audit.search", "audit/log", params, () -> {
      AuditLog.SearchPage page = log.search(query, from, limit, 200_000);
      List<Object> events = new java.util.ArrayList<>();
      for (AuditEvent e : page.events()) {
        try {
          events.add(Json.MAPPER.readTree(EventCodec.encode(e)));
        } catch (java.io.IOException ex) {
          throw new IllegalStateException(ex);
        }
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("events", events);
      body.put("next_from", page.nextFrom().isPresent() ? page.nextFrom().getAsLong() : null);
      body.put("log_size", log.size());
      return () -> Json.respond(ctx, 200, body);
    });
  }

  private static Optional<String> text(Context ctx, String name) {
    String v = ctx.queryParam(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  private static Optional<java.time.Instant> time(Context ctx, String name) {
    return text(ctx, name).map(v -> {
      try {
        return java.time.Instant.parse(v);
      } catch (java.time.format.DateTimeParseException e) {
        throw new InvalidInputException("query parameter '" + name + "' must be an RFC 3339 UTC time such as 2026-11-01T00:00:00Z, got '" + v + "'");
      }
    });
  }

  private void checkpoint(Context ctx) {
    guarded(ctx, "audit.checkpoint", "audit/log", Map.of(), () -> {
      SignedCheckpoint cp = log.latestCheckpoint().orElseThrow(
          () -> new NotFoundException("the audit log has no checkpoint yet"));
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("size", cp.checkpoint().size());
      body.put("root_hash", Base64.getEncoder().encodeToString(cp.checkpoint().rootHash()));
      body.put("time", cp.checkpoint().time().toString());
      body.put("note", cp.toNote());
      return () -> Json.respond(ctx, 200, body);
    });
  }

  private void inclusion(Context ctx) {
    long seq = longParam(ctx, "seq", -1, 1, AuditEvent.MAX_SEQ);
    long size = longParam(ctx, "size", log.latestCheckpoint().map(c -> c.checkpoint().size())
        .filter(s -> s >= seq).orElse(log.size()), 1, AuditEvent.MAX_SEQ);
    guarded(ctx, "audit.prove", "audit/log", Map.of("seq", String.valueOf(seq), "size", String.valueOf(size)), () -> {
      AuditLog.InclusionProof proof = log.inclusionProof(seq, size);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("seq", seq);
      body.put("tree_size", size);
      body.put("leaf_index", seq - 1);
      body.put("leaf_hash", b64(proof.leafHash()));
      body.put("root_hash", b64(proof.rootHash()));
      body.put("proof", proof.path().stream().map(AuditRoutes::b64).toList());
      return () -> Json.respond(ctx, 200, body);
    });
  }

  private void consistency(Context ctx) {
    long from = longParam(ctx, "from", -1, 1, AuditEvent.MAX_SEQ);
    long to = longParam(ctx, "to", log.size(), 1, AuditEvent.MAX_SEQ);
    guarded(ctx, "audit.consistency", "audit/log", Map.of("from", String.valueOf(from), "to", String.valueOf(to)), () -> {
      AuditLog.ConsistencyProof proof = log.consistencyProof(from, to);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("old_size", from);
      body.put("new_size", to);
      body.put("old_root", b64(proof.oldRoot()));
      body.put("new_root", b64(proof.newRoot()));
      body.put("proof", proof.path().stream().map(AuditRoutes::b64).toList());
      return () -> Json.respond(ctx, 200, body);
    });
  }

  private void publicKey(Context ctx) {
    // Public by design: verifiers need it, and it reveals nothing.
    byte[] key = keys.publicKey().orElseThrow(() -> new NotFoundException(
        "there is no audit signing key yet: it is created by `custos operator init`"));
    ctx.status(200).contentType("application/x-pem-file")
        .header("X-Custos-Key-Name", keys.keyName()).result(CheckpointKeys.toPem(key));
  }

  private void hash(Context ctx) {
    JsonNode body = Json.body(ctx);
    JsonNode value = body.get("value");
    if (value == null || !value.isTextual() || body.size() != 1) {
      throw new InvalidInputException("body must be {\"value\": \"<identifier>\"}");
    }
    if (value.asText().length() > 4096) {
      throw new InvalidInputException("value is longer than 4096 characters");
    }
    guarded(ctx, "audit.hash", "audit/hmac", Map.of(), () -> {
      String hmac = keys.hash(value.asText());
      return () -> Json.respond(ctx, 200, Map.of("hmac", hmac));
    });
  }

  private void guarded(Context ctx, String action, String resource, Map<String, String> params,
      Supplier<Runnable> perform) {
    call.run(ctx, Optional.of(READ), action, resource, params, perform);
  }

  private static long longParam(Context ctx, String name, long fallback, long min, long max) {
    String v = ctx.queryParam(name);
    if (v == null) {
      if (fallback < 0) {
        throw new InvalidInputException("query parameter '" + name + "' is required");
      }
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new InvalidInputException("query parameter '" + name + "' must be a whole number from " + min + " to " + max + ", got '" + v + "'");
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }
}
