package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.access.AccessControl;
import io.custos.access.Principal;
import io.custos.access.PrincipalKind;
import io.custos.audit.AuditLog;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.system.SystemHealth;
import io.custos.system.SystemState;
import io.custos.trust.ClientCertificates;
import io.custos.trust.TrustStores;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS for machines over a real TLS server: a client certificate authenticates only if its
 * chain reaches the 'clients' trust store and its key is bound to an enabled principal.
 */
class MutualTlsTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  @TempDir static Path pki;
  @TempDir Path dir;
  private Storage storage;
  private Barrier barrier;
  private AuditLog log;
  private AccessControl access;
  private TrustStores trust;
  private ApiServer server;

  @BeforeAll
  static void makePki() throws Exception {
    TlsServerTest.run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", pki.resolve("server.key").toString(), "-out", pki.resolve("server.pem").toString(), "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
    ca("machines-ca");
    ca("stranger-ca");
    leaf("robot", "machines-ca");
    leaf("unbound", "machines-ca");
    leaf("outsider", "stranger-ca");
  }

  private static void ca(String name) throws Exception {
    TlsServerTest.run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", pki.resolve(name + ".key").toString(), "-out", pki.resolve(name + ".pem").toString(), "-days", "2",
        "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  }

  private static void leaf(String name, String issuer) throws Exception {
    Path ext = pki.resolve(name + ".ext");
    Files.writeString(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        + "extendedKeyUsage=clientAuth\n");
    TlsServerTest.run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", pki.resolve(name + ".key").toString(), "-out", pki.resolve(name + ".csr").toString(),
        "-subj", "/CN=" + name);
    TlsServerTest.run("openssl", "x509", "-req", "-in", pki.resolve(name + ".csr").toString(),
        "-CA", pki.resolve(issuer + ".pem").toString(), "-CAkey", pki.resolve(issuer + ".key").toString(),
        "-set_serial", "0x" + Long.toHexString(System.nanoTime()), "-days", "2", "-extfile", ext.toString(),
        "-out", pki.resolve(name + ".pem").toString());
    TlsServerTest.run("openssl", "pkcs12", "-export", "-in", pki.resolve(name + ".pem").toString(),
        "-inkey", pki.resolve(name + ".key").toString(), "-certfile", pki.resolve(issuer + ".pem").toString(),
        "-out", pki.resolve(name + ".p12").toString(), "-passout", "pass:changeit");
  }

  @BeforeEach
  void start() throws Exception {
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), TestNode.VERSION.version(), InstantSource.system());
    barrier = new Barrier(BarrierKeyring.create(MODULE));
    log = AuditLog.open(storage.audit(), Optional.empty(), "test", "test", InstantSource.system(),
        AuditLog.Settings.defaults());
    access = new AccessControl(storage.records(), () -> barrier, MODULE, Clock.systemUTC());
    trust = new TrustStores(storage.records(), () -> barrier, MODULE, Clock.systemUTC());
    trust.importAnchors(TrustStores.CLIENTS, Files.readString(pki.resolve("machines-ca.pem")));
    access.createPrincipal(new Principal("robot", PrincipalKind.MACHINE, "Build robot", "robot@example.com",
        Optional.empty(), List.of("auditor"), List.of(), List.of(spki("robot"), spki("outsider")), false,
        java.time.Instant.now()));
    ServerSettings tls = ServerSettings.of("127.0.0.1", 0,
        Optional.of(new ServerSettings.Tls(pki.resolve("server.pem"), pki.resolve("server.key"))), false);
    SystemHealth health = new SystemHealth(TestNode.VERSION, storage, () -> SystemState.UNSEALED,
        InstantSource.system(), false);
    server = ApiServer.start(tls, TestNode.VERSION.version(), health,
        List.of(TrustRoutes.module(trust, log, access, false), AccessRoutes.module(access, log, access, false)),
        new Metrics(), new ClientCertificates(access, trust));
  }

  @AfterEach
  void stop() {
    server.close();
    log.close();
    storage.close();
    barrier.close();
  }

  private static String spki(String name) throws Exception {
    X509Certificate c;
    try (InputStream in = Files.newInputStream(pki.resolve(name + ".pem"))) {
      c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getPublicKey().getEncoded()));
  }

  /** An HTTP client presenting {@code name}'s certificate (or none), trusting the server's. */
  private static HttpClient client(String name) throws Exception {
    KeyManagerFactory kmf = null;
    if (name != null) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(pki.resolve(name + ".p12"))) {
        ks.load(in, "changeit".toCharArray());
      }
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, "changeit".toCharArray());
    }
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    try (InputStream in = Files.newInputStream(pki.resolve("server.pem"))) {
      ts.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).build();
  }

  private HttpResponse<String> get(HttpClient client, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(server.address().resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String auditText() {
    StringBuilder b = new StringBuilder();
    for (var row : log.events(1, 10_000)) {
      b.append(new String(row.event(), StandardCharsets.UTF_8)).append('\n');
    }
    return b.toString();
  }

  @Test
  @DisplayName("SS-002 11.3.12 — a bound certificate from a trusted CA authenticates the machine; revoking the binding works on the next request")
  void boundCertificate() throws Exception {
    try (HttpClient robot = client("robot")) {
      HttpResponse<String> r = get(robot, "/v1/trust/clients");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("CN=machines-ca");
      assertThat(auditText()).contains("\"robot\"").contains("mtls");

      assertThat(access.revokeCertificate(spki("robot"))).containsExactly("robot");
      HttpResponse<String> after = get(robot, "/v1/trust/clients");
      assertThat(after.statusCode()).isEqualTo(401);
      assertThat(after.body()).contains("missing, invalid, expired or revoked credentials").doesNotContain("bound");
    }
  }

  @Test
  @DisplayName("SS-002 11.6.1 — a token obtained with a client certificate records it, and a compromise of that key revokes it")
  void tokenObtainedWithCertificate() throws Exception {
    access.writePolicy(new io.custos.access.Policy("robot-tokens", 0, "", List.of(io.custos.access.Grant.of(
        "access:token-create", "access/tokens/robot")), java.util.Set.of(), io.custos.access.Policy.DEFAULT_STEP_UP));
    access.updatePrincipal("robot", p -> p.withRoles(p.roles(), List.of("robot-tokens")));
    String other = access.createToken("robot", java.time.Duration.ofHours(1), java.time.Duration.ofHours(1), "admin")
        .info().accessor();
    try (HttpClient robot = client("robot")) {
      HttpResponse<String> r = robot.send(HttpRequest.newBuilder(server.address().resolve("/v1/access/tokens"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"principal\":\"robot\",\"ttl\":\"1h\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    var viaCertificate = access.tokens("robot").stream().filter(t -> t.obtainedWith().isPresent()).toList();
    assertThat(viaCertificate).singleElement().satisfies(t -> assertThat(t.obtainedWith()).contains(spki("robot")));
    assertThat(access.revokeTokensObtainedWith(spki("robot"))).containsExactly(viaCertificate.getFirst().accessor());
    assertThat(access.tokens("robot")).extracting(t -> t.accessor()).containsExactly(other);
  }

  @Test
  @DisplayName("SS-002 11.4.5 — an unbound certificate, or a bound one from a CA outside the trust store, is refused with 401")
  void refusedCertificates() throws Exception {
    try (HttpClient unbound = client("unbound"); HttpClient outsider = client("outsider"); HttpClient none = client(null)) {
      assertThat(get(unbound, "/v1/trust/clients").statusCode()).isEqualTo(401);
      assertThat(get(outsider, "/v1/trust/clients").statusCode()).isEqualTo(401);
      // Without a certificate (the TLS layer only asks for one) the request is simply anonymous.
      HttpResponse<String> anonymous = get(none, "/v1/sys/health");
      assertThat(anonymous.statusCode()).isIn(200, 429, 472, 473, 501, 503);
      assertThat(get(none, "/v1/trust/clients").statusCode()).isEqualTo(401);
    }
    // Removing the CA from the store stops even the bound, trusted machine.
    trust.remove(TrustStores.CLIENTS, TrustStores.fingerprint(Files.readString(pki.resolve("machines-ca.pem"))
        .transform(MutualTlsTest::der)));
    try (HttpClient robot = client("robot")) {
      assertThat(get(robot, "/v1/trust/clients").statusCode()).isEqualTo(401);
    }
  }

  private static byte[] der(String pem) {
    return io.custos.crypto.Pem.read(pem).getFirst().der();
  }
}
