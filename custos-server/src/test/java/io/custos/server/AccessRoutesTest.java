package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.access.AccessControl;
import io.custos.audit.AuditLog;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.failure.UnauthenticatedException;
import io.custos.seal.Seal;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access API over real HTTP, with real tokens: a bootstrap root token, then principals and policies. */
class AccessRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final String ROOT = "root-token-for-tests";
  @TempDir Path dir;
  private Storage storage;
  private Seal seal;
  private AuditLog log;
  private AccessControl access;
  private TestNode node;

  @BeforeEach
  void start() {
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir.resolve("store")), TestNode.VERSION.version(),
        InstantSource.system());
    seal = new Seal(storage.records(), MODULE);
    Seal.InitResult init = seal.init(1, 1, true, Optional.of(ROOT));
    seal.unseal(init.shares().getFirst());
    log = AuditLog.open(storage.audit(), Optional.empty(), "test", "test", InstantSource.system(),
        AuditLog.Settings.defaults());
    access = new AccessControl(storage.records(), seal::barrier, MODULE, Clock.systemUTC());
    // Not a dev gate: requests without credentials are anonymous, as in production.
    node = new TestNode(dir.resolve("data"), TestNode.dev(), List.of(AccessRoutes.module(access, log, access, false)),
        access);
  }

  @AfterEach
  void stop() {
    node.close();
    log.close();
    seal.close();
    storage.close();
  }

  private HttpResponse<String> send(String method, String path, String token, Object body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(node.uri(path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body)));
    }
    return node.send(b);
  }

  private HttpResponse<String> putPolicy(String token, String name, String contentType, String text) throws Exception {
    return node.send(HttpRequest.newBuilder(node.uri("/v1/access/policies/" + name))
        .header("Authorization", "Bearer " + token).header("Content-Type", contentType)
        .PUT(HttpRequest.BodyPublishers.ofString(text)));
  }

  private static JsonNode ok(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  private void createPrincipal(String id, String kind, List<String> roles, List<String> policies) throws Exception {
    ok(send("POST", "/v1/access/principals", ROOT, Map.of("id", id, "kind", kind, "name", "The " + id,
        "email", id + "@example.com", "roles", roles, "policies", policies)), 201);
  }

  private JsonNode token(String principal) throws Exception {
    HttpResponse<String> r = send("POST", "/v1/access/tokens", ROOT, Map.of("principal", principal, "ttl", "1h"));
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    return ok(r, 200);
  }

  private static void assertUnauthenticated(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    assertThat(JSON.readTree(r.body()).get("detail").asText()).isEqualTo(UnauthenticatedException.MESSAGE);
  }

  private String auditText() {
    StringBuilder b = new StringBuilder();
    for (var row : log.events(1, 10_000)) {
      b.append(new String(row.event(), StandardCharsets.UTF_8)).append('\n');
    }
    return b.toString();
  }

  @Test
  @DisplayName("create a principal, give it a token, use it, revoke it: the very next request is 401")
  void tokenLifecycle() throws Exception {
    createPrincipal("alice", "person", List.of("auditor"), List.of());
    JsonNode t = token("alice");
    String alice = t.get("token").asText();
    String accessor = t.get("accessor").asText();
    assertThat(alice).startsWith("cus.");

    JsonNode list = ok(send("GET", "/v1/access/principals", alice, null), 200);
    assertThat(list.get("principals").findValuesAsText("id")).contains("alice");
    JsonNode self = ok(send("GET", "/v1/access/tokens/self", alice, null), 200);
    assertThat(self.get("principal").asText()).isEqualTo("alice");
    assertThat(self.get("accessor").asText()).isEqualTo(accessor);
    assertThat(self.get("roles").get(0).asText()).isEqualTo("auditor");

    // An auditor reads but does not write.
    HttpResponse<String> denied = send("POST", "/v1/access/principals", alice, Map.of("id", "mallory", "kind", "person",
        "name", "M", "email", "m@example.com"));
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(denied.body()).get("detail").asText()).contains("access:principal-write", "implicit deny");

    JsonNode tokens = ok(send("GET", "/v1/access/tokens?principal=alice", ROOT, null), 200);
    assertThat(tokens.get("tokens").findValuesAsText("accessor")).containsExactly(accessor);

    ok(send("POST", "/v1/access/tokens/revoke", ROOT, Map.of("accessor", accessor)), 200);
    assertUnauthenticated(send("GET", "/v1/access/principals", alice, null));

    String audit = auditText();
    assertThat(audit).doesNotContain(alice).contains(accessor, "access.token.create", "access.token.revoke");
  }

  @Test
  @DisplayName("a caller may revoke its own token without access:token-revoke; renewing stays within max TTL")
  void ownToken() throws Exception {
    createPrincipal("bob", "machine", List.of(), List.of());
    String bob = token("bob").get("token").asText();
    JsonNode renewed = ok(send("POST", "/v1/access/tokens/self/renew", bob, Map.of("increment", "2h")), 200);
    assertThat(renewed.get("expires_at").asText()).isNotEmpty();
    // bob has no grants at all, yet may give up his own token
    assertThat(send("GET", "/v1/access/principals", bob, null).statusCode()).isEqualTo(403);
    JsonNode r = ok(send("POST", "/v1/access/tokens/revoke", bob, Map.of("token", bob)), 200);
    assertThat(r.get("revoked").asBoolean()).isTrue();
    assertUnauthenticated(send("GET", "/v1/access/tokens/self", bob, null));
    // but not someone else's
    createPrincipal("carol", "machine", List.of(), List.of());
    String carol = token("carol").get("token").asText();
    String bob2 = token("bob").get("token").asText();
    assertThat(send("POST", "/v1/access/tokens/revoke", bob2, Map.of("token", carol)).statusCode()).isEqualTo(403);
    assertThat(send("GET", "/v1/access/tokens/self", carol, null).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("forged, malformed, expired and revoked tokens are all 401 with the same detail; no token is 401 too")
  void badTokens() throws Exception {
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    String forged = "cus." + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    assertUnauthenticated(send("GET", "/v1/access/principals", forged, null));
    assertUnauthenticated(send("GET", "/v1/access/principals", "not-a-token", null));
    assertUnauthenticated(send("GET", "/v1/access/principals", "x".repeat(300), null));
    assertUnauthenticated(send("GET", "/v1/access/principals", null, null));

    createPrincipal("dave", "person", List.of("auditor"), List.of());
    String expiring = ok(send("POST", "/v1/access/tokens", ROOT, Map.of("principal", "dave", "ttl", "1s")), 200)
        .get("token").asText();
    Thread.sleep(1200);
    assertUnauthenticated(send("GET", "/v1/access/principals", expiring, null));
    assertUnauthenticated(send("GET", "/v1/access/tokens/self", expiring, null));
  }

  @Test
  @DisplayName("policy documents in YAML and JSON: stored with versions; malformed ones refused with the line and reason")
  void policies() throws Exception {
    String yaml = """
        description: app encryption
        grants:
          - capability: kms:encrypt
            resource: keys/app-*
          - capability: ca:issue
            resource: ca/issuing-1/profiles/tls-server
            constraints:
              dns: ["*.app.example.com"]
        step_up: [kms:decrypt]
        step_up_within: 5m
        """;
    JsonNode p = ok(putPolicy(ROOT, "app", "application/yaml", yaml), 200);
    assertThat(p.get("version").asInt()).isEqualTo(1);
    assertThat(p.get("grants")).hasSize(2);
    assertThat(p.get("step_up_within").asText()).isEqualTo("5m");
    JsonNode p2 = ok(putPolicy(ROOT, "app", "application/json",
        "{\"grants\": [{\"capability\": \"kms:encrypt\", \"resource\": \"keys/app-*\"}]}"), 200);
    assertThat(p2.get("version").asInt()).isEqualTo(2);
    assertThat(ok(send("GET", "/v1/access/policies/app", ROOT, null), 200).get("grants")).hasSize(1);
    JsonNode all = ok(send("GET", "/v1/access/policies", ROOT, null), 200);
    assertThat(all.get("policies").findValuesAsText("name")).contains("app", "role:admin", "role:auditor");
    assertThat(ok(send("GET", "/v1/access/policies/role:crypto-officer", ROOT, null), 200).get("built_in").asBoolean())
        .isTrue();

    assertBad(putPolicy(ROOT, "bad", "application/yaml", """
        description: x
        grants:
          - capability: kms:encrypt
            resource: keys/a
            colour: blue
        """), "line 5: grant 1 has an unknown field 'colour'");
    assertBad(putPolicy(ROOT, "bad", "application/yaml", """
        grants:
          - capability: kms:encrypt
            resource: keys/a
          - capability: kms:fly
            resource: keys/b
        """), "line 4: grant 2: unknown capability 'kms:fly'");
    assertBad(putPolicy(ROOT, "bad", "application/yaml", """
        grants:
          - capability: kms:encrypt
            resource: Keys/A B
        """), "line 3: grant 1: bad resource pattern");
    assertBad(putPolicy(ROOT, "bad", "application/yaml", "grants:\n  - capability: [\n"), "line ");
    assertBad(putPolicy(ROOT, "bad", "application/json", "{\n  \"grants\": [],\n  \"owner\": \"me\"\n}"),
        "line 3: policy has an unknown field 'owner'");
    assertBad(putPolicy(ROOT, "bad", "application/yaml", "grants: []\nstep_up_within: 2d\n"), "line 2: step_up_within");
    assertBad(putPolicy(ROOT, "role:admin", "application/yaml", "grants: []\n"), "read-only");
    assertThat(putPolicy(ROOT, "bad", "text/plain", "grants: []").statusCode()).isEqualTo(415);
    assertThat(send("GET", "/v1/access/policies/bad", ROOT, null).statusCode()).isEqualTo(404);

    ok(send("DELETE", "/v1/access/policies/app", ROOT, null), 204);
    assertThat(send("GET", "/v1/access/policies/app", ROOT, null).statusCode()).isEqualTo(404);
    assertBad(send("DELETE", "/v1/access/policies/role:admin", ROOT, null), "read-only");
  }

  private static void assertBad(HttpResponse<String> r, String detail) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("detail").asText()).contains(detail);
  }

  @Test
  @DisplayName("revoking a principal, a key's grants or a client certificate takes effect on the very next request")
  void revocation() throws Exception {
    ok(putPolicy(ROOT, "readers", "application/yaml", """
        grants:
          - capability: access:read
            resource: access/principals/*
          - capability: kms:encrypt
            resource: keys/app-1
          - capability: kms:encrypt
            resource: keys/app-*
        """), 200);
    createPrincipal("svc", "machine", List.of(), List.of("readers"));
    String svc = token("svc").get("token").asText();
    String svc2 = token("svc").get("token").asText();
    assertThat(send("GET", "/v1/access/principals", svc, null).statusCode()).isEqualTo(200);

    JsonNode key = ok(send("POST", "/v1/access/revoke", ROOT, Map.of("key", "app-1")), 200).get("revoked");
    assertThat(key.get("policies_changed").get(0).asText()).isEqualTo("readers");
    JsonNode readers = ok(send("GET", "/v1/access/policies/readers", ROOT, null), 200);
    assertThat(readers.get("version").asInt()).isEqualTo(2);
    assertThat(readers.get("grants").findValuesAsText("resource")).containsExactly("access/principals/*", "keys/app-*");

    JsonNode revoked = ok(send("POST", "/v1/access/revoke", ROOT, Map.of("principal", "svc")), 200).get("revoked");
    assertThat(revoked.get("tokens").asInt()).isEqualTo(2);
    assertUnauthenticated(send("GET", "/v1/access/principals", svc, null));
    assertUnauthenticated(send("GET", "/v1/access/principals", svc2, null));
    assertThat(ok(send("GET", "/v1/access/principals/svc", ROOT, null), 200).get("disabled").asBoolean()).isTrue();
    // a disabled principal gets no new tokens
    assertThat(send("POST", "/v1/access/tokens", ROOT, Map.of("principal", "svc")).statusCode()).isEqualTo(409);

    // client certificate: bound, authenticates, revoked, authenticates no more
    String pem = selfSignedCertificate();
    createPrincipal("edge", "machine", List.of(), List.of());
    JsonNode bound = ok(send("POST", "/v1/access/principals/edge/certificates", ROOT, Map.of("certificate", pem)), 200);
    String spki = bound.get("spki_sha256").asText();
    byte[] spkiDer = certificate(pem).getPublicKey().getEncoded();
    assertThat(access.authenticateCertificate(spkiDer, "", "r")).map(c -> c.principalId()).hasValue("edge");
    JsonNode cert = ok(send("POST", "/v1/access/revoke", ROOT, Map.of("certificate", pem)), 200).get("revoked");
    assertThat(cert.get("certificate").asText()).isEqualTo(spki);
    assertThat(access.authenticateCertificate(spkiDer, "", "r")).isEmpty();

    assertThat(send("POST", "/v1/access/revoke", ROOT, Map.of("principal", "svc", "key", "x")).statusCode()).isEqualTo(400);
    assertThat(auditText()).contains("access.revoke", "\"kind\":\"principal\"");
  }

  @Test
  @DisplayName("the root token can revoke itself, after which it is refused")
  void rootRevokesItself() throws Exception {
    ok(send("POST", "/v1/access/tokens/revoke", ROOT, Map.of("token", ROOT)), 200);
    assertUnauthenticated(send("GET", "/v1/access/principals", ROOT, null));
  }

  @Test
  @DisplayName("the access review lists principals with their grants, last use, unused grants and tokens")
  void review() throws Exception {
    createPrincipal("alice", "person", List.of("auditor"), List.of());
    createPrincipal("bob", "person", List.of("approver"), List.of());
    String alice = token("alice").get("token").asText();
    ok(send("GET", "/v1/access/principals", alice, null), 200);
    JsonNode review = ok(send("GET", "/v1/access/review", alice, null), 200);
    assertThat(review.get("pending_approvals")).isEmpty();
    JsonNode a = null;
    for (JsonNode p : review.get("principals")) {
      if (p.get("id").asText().equals("alice")) {
        a = p;
      }
    }
    assertThat(a).isNotNull();
    assertThat(a.get("tokens").asInt()).isEqualTo(1);
    assertThat(a.get("last_authenticated").isNull()).isFalse();
    boolean accessReadUsed = false;
    for (JsonNode g : a.get("grants")) {
      if (g.get("capability").asText().equals("access:read")) {
        accessReadUsed = !g.get("last_used").isNull();
      }
    }
    assertThat(accessReadUsed).isTrue();
    assertThat(review.get("unused_grants").findValuesAsText("principal")).contains("bob", "alice");
    assertThat(review.get("dormant_principals")).isEmpty();
    assertThat(send("GET", "/v1/access/review?dormant_days=0", alice, null).statusCode()).isEqualTo(400);
  }

  // ---------------------------------------------------------------- a certificate to bind

  private String selfSignedCertificate() throws Exception {
    Path cert = dir.resolve("client.pem");
    Path key = dir.resolve("client.key");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "1",
        "-subj", "/CN=edge-1").redirectErrorStream(true).start();
    String out = new String(openssl.getInputStream().readAllBytes());
    assertThat(openssl.waitFor()).as(out).isZero();
    return Files.readString(cert);
  }

  private static java.security.cert.X509Certificate certificate(String pem) throws Exception {
    return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }
}
