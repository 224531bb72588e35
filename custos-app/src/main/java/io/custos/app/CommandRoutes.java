package io.custos.app;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every CLI verb does on the server: the API routes it calls (each mapped to its capability
 * by {@code io.custos.server.RouteCapabilities}), or why it needs none (it works locally). A test
 * walks the command tree and fails for a verb missing here.
 */
final class CommandRoutes {

  /**
   * @param routes "METHOD /path" of each API route the verb may call
   * @param local why the verb needs no grant, for verbs that work locally (empty if it calls routes)
   */
  record Verb(List<String> routes, String local) {
    Verb {
      routes = List.copyOf(routes);
    }
  }

  private static final Map<String, Verb> VERBS = new LinkedHashMap<>();

  static {
    local("server", "runs a server; needs the data directory, not a grant");
    calls("status", "GET /v1/sys/health");
    local("completion", "prints a shell script");
    local("help", "prints help");
    calls("operator init", "PUT /v1/sys/init");
    calls("operator unseal", "PUT /v1/sys/unseal");
    local("operator decrypt-share", "decrypts a share with the custodian's own private key, offline");
    local("cert open-key", "decrypts a key wrapped for the requester with the requester's own private key, offline");
    for (String v : List.of("init-root", "sign-ca", "crl", "revoke-ca", "rollover", "audit-export")) {
      local("ceremony " + v, "offline root ceremony on its own data directory, never served: custodian shares and a witness, not a grant");
    }
    calls("operator seal", "PUT /v1/sys/seal");
    calls("operator rotate", "PUT /v1/sys/rotate");
    calls("operator status", "GET /v1/sys/seal-status");
    calls("key create", "POST /v1/keys");
    calls("key list", "GET /v1/keys");
    calls("key show", "GET /v1/keys/{name}");
    calls("key rotate", "POST /v1/keys/{name}/rotate");
    for (String v : List.of("activate", "suspend", "deactivate", "compromise")) {
      calls("key " + v, "POST /v1/keys/{name}/state");
    }
    calls("key destroy", "GET /v1/keys/{name}", "POST /v1/keys/{name}/state");
    for (String v : List.of("encrypt", "decrypt", "rewrap", "datakey", "sign", "verify", "mac", "verify-mac", "wrap",
        "unwrap", "backup")) {
      calls("key " + v, "POST /v1/keys/{name}/" + v);
    }
    calls("key restore", "POST /v1/keys/restore");
    calls("key import-key", "GET /v1/keys/import-key");
    calls("key import", "POST /v1/keys/import");
    calls("key public-key", "GET /v1/keys/{name}/public");
    // The audit verbs also work offline with --data-dir, reading the store directly (file access, not a grant).
    calls("audit search", "GET /v1/audit/events");
    calls("audit tail", "GET /v1/audit/events");
    calls("audit report", "GET /v1/audit/events");
    calls("audit export", "GET /v1/audit/export");
    calls("audit verify", "GET /v1/audit/export", "GET /v1/audit/public-key");
    calls("audit prove", "GET /v1/audit/proof/inclusion");
    calls("audit consistency", "GET /v1/audit/proof/consistency");
    calls("audit public-key", "GET /v1/audit/public-key");
    calls("audit hash", "POST /v1/audit/hash");
    calls("audit import", "POST /v1/audit/import");
    calls("principal create", "POST /v1/access/principals");
    calls("principal list", "GET /v1/access/principals");
    calls("principal show", "GET /v1/access/principals/{id}");
    calls("principal disable", "POST /v1/access/principals/{id}/disable");
    calls("principal bind-cert", "POST /v1/access/principals/{id}/certificates");
    calls("token create", "POST /v1/access/tokens");
    calls("token list", "GET /v1/access/tokens");
    calls("token lookup", "GET /v1/access/tokens/self");
    calls("token renew", "POST /v1/access/tokens/self/renew");
    calls("token revoke", "POST /v1/access/tokens/revoke");
    calls("login", "GET /v1/access/tokens/self", "POST /v1/auth/totp/verify");
    calls("logout", "POST /v1/access/tokens/revoke");
    calls("policy write", "PUT /v1/access/policies/{name}");
    calls("policy read", "GET /v1/access/policies/{name}");
    calls("policy list", "GET /v1/access/policies");
    calls("policy delete", "DELETE /v1/access/policies/{name}");
    calls("access revoke", "POST /v1/access/revoke");
    calls("access review", "GET /v1/access/review");
    calls("approval list", "GET /v1/approvals");
    calls("ca create", "POST /v1/ca");
    calls("ca activate", "POST /v1/ca/{name}/activate");
    calls("ca list", "GET /v1/ca");
    calls("ca show", "GET /v1/ca/{name}");
    calls("ca cps", "GET /v1/ca/{name}/cps");
    calls("ca chain", "GET /v1/ca/{name}/chain");
    calls("ca profile list", "GET /v1/ca/profiles");
    calls("ca profile show", "GET /v1/ca/profiles/{name}");
    calls("ca profile put", "PUT /v1/ca/profiles/{name}");
    calls("ca profile delete", "DELETE /v1/ca/profiles/{name}");
    calls("cert issue", "POST /v1/ca/{name}/issue");
    calls("cert issue-batch", "POST /v1/ca/{name}/issue-batch");
    calls("cert list", "GET /v1/certs");
    calls("cert show", "GET /v1/certs/{serial}");
    calls("cert revoke", "POST /v1/certs/{serial}/revoke");
    calls("crl fetch", "GET /v1/ca/{name}/crl", "GET /v1/ca/{name}/crl/delta");
    calls("crl import", "POST /v1/ca/{name}/crl");
    calls("compromise declare", "POST /v1/compromise");
    calls("compromise plan", "GET /v1/compromise/plan");
    calls("approval show", "GET /v1/approvals/{id}");
    calls("approval approve", "POST /v1/approvals/{id}/approve");
    calls("approval deny", "POST /v1/approvals/{id}/deny");
    calls("trust list", "GET /v1/trust");
    calls("trust show", "GET /v1/trust/{name}");
    calls("trust import", "POST /v1/trust/{name}/import");
    calls("trust export", "GET /v1/trust/{name}/export");
    calls("trust remove", "DELETE /v1/trust/{name}/anchors/{sha256}");
    calls("totp enroll", "POST /v1/auth/totp/enroll");
    calls("totp confirm", "POST /v1/auth/totp/confirm");
    calls("totp verify", "POST /v1/auth/totp/verify");
  }

  private CommandRoutes() {}

  private static void calls(String verb, String... routes) {
    VERBS.put(verb, new Verb(List.of(routes), ""));
  }

  private static void local(String verb, String why) {
    VERBS.put(verb, new Verb(List.of(), why));
  }

  /** Every leaf command ("key create") and what it calls. */
  static Map<String, Verb> all() {
    return Collections.unmodifiableMap(VERBS);
  }
}
