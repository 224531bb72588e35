package io.custos.bench;

import io.custos.app.EmbeddedNode;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.KeyPairType;
import io.custos.crypto.SignatureVerifier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.CertificationRequestInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Certificates issued per second through the HTTP API ({@code POST /v1/ca/dev-issuing/issue})
 * of a real dev node started in this JVM on 127.0.0.1: SQLite store (WAL, synchronous=FULL),
 * barrier, access check, request parsing and proof of possession, every profile and ladder
 * check, the certified-key index, a P-256 issuing CA signing, the inventory row and one audit
 * event made durable before the answer — from 1 and 2 keep-alive clients ("1 and 2 cores
 * busy"; 8 and 32 clients show what group commit does with more requests in flight). The
 * baseline is the raw crypto ceiling measured in the same run on as many threads (2 for more
 * clients: the machine has two cores): one P-256 request signature
 * verified plus one P-256 certificate signature made, through the configured provider (AWS-LC
 * where it loads). The goal is ≥ 0.7 × that ceiling; cfssl issues ~5,000/s over HTTP here.
 *
 * <p>The clients are a minimal HTTP/1.1 writer and reader over a socket, sending bodies made in
 * setup, so that the figure is the server's; they still share the two cores with it. Keys are
 * never certified twice (SS-002 11.1.10), so setup makes a pool of fresh requests, one key pair
 * each ({@code -Dcustos.bench.csrs}, default 200,000 — raise it if a run uses them up).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// The server (Jetty, Javalin, JSON, audit log, SQLite) needs ~15 s of load to reach its steady state.
@Warmup(iterations = 6, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx3g"})
public class CaIssueHttpBenchmark {
  static final int POOL = Integer.getInteger("custos.bench.csrs", 200_000);
  private static final String ROOT_TOKEN = "custos-bench-root";
  private static final String CA = "dev-issuing";
  private static final ASN1ObjectIdentifier ECDSA_SHA256 = new ASN1ObjectIdentifier("1.2.840.10045.4.3.2");
  private Path dir;
  private EmbeddedNode node;
  private InetSocketAddress server;
  private byte[][] requests;
  private final AtomicInteger next = new AtomicInteger();
  // The ceiling: pre-decoded requests and a loaded P-256 signing key.
  private SignatureVerifier verifier;
  private PublicKey[] ceilingKeys;
  private byte[][] ceilingInfo;
  private byte[][] ceilingSig;
  private AsymmetricProvider.PrivateKeyHandle signer;
  private byte[] tbs;

  @Setup(Level.Trial)
  public void open(BenchmarkParams params) throws Exception {
    boolean http = !params.getBenchmark().contains(".raw");
    CryptoModule module = FipsCryptoModule.start();
    AsymmetricProvider provider = AsymmetricProviders.select("auto");
    System.out.println("provider: " + provider.name());
    Provider keyGen = fastKeyGeneration();
    int pool = http ? POOL : 1024;
    long start = System.nanoTime();
    byte[][] csrs = new byte[pool][];
    IntStream.range(0, pool).parallel().forEach(i -> csrs[i] = csr(i, keyGen));
    System.out.printf("%,d requests made in %.1f s%n", pool, (System.nanoTime() - start) / 1e9);

    verifier = SignatureVerifier.of(provider);
    int n = 1024;
    ceilingKeys = new PublicKey[n];
    ceilingInfo = new byte[n][];
    ceilingSig = new byte[n][];
    for (int i = 0; i < n; i++) {
      CertificationRequest r = CertificationRequest.getInstance(csrs[pool - 1 - i]);
      ceilingInfo[i] = r.getCertificationRequestInfo().getEncoded("DER");
      ceilingSig[i] = r.getSignature().getBytes();
      ceilingKeys[i] = verifier.publicKey("EC", r.getCertificationRequestInfo().getSubjectPublicKeyInfo().getEncoded("DER"));
    }
    KeyPairMaterial material = module.generateKeyPair(KeyPairType.EC_P256);
    signer = provider.privateKey(KeyPairType.EC_P256, material.privateKey());
    material.close();
    // A certificate body of the size issuance signs (a tls-server leaf from the dev issuing CA).
    tbs = new byte[650];
    module.drbg().nextBytes(tbs);

    if (http) {
      dir = Files.createTempDirectory("custos-bench-ca-http-");
      // Every client is on 127.0.0.1 and the root principal: the rate limits would measure themselves.
      node = EmbeddedNode.startDev(dir.resolve("node"), "127.0.0.1:0", ROOT_TOKEN,
          Map.of("limits.per_address", "off", "limits.per_principal", "off"));
      URI base = URI.create(node.address());
      server = KeepAliveClient.address(base);
      requests = new byte[pool - n][];
      IntStream.range(0, requests.length).parallel().forEach(i -> requests[i] = request(base, csrs[i]));
      try (KeepAliveClient probe = new KeepAliveClient(server)) {
        byte[] first = probe.send(requests[next.getAndIncrement()]);
        System.out.println("first certificate: " + first.length + " bytes of JSON");
      }
    }
  }

  private static Provider fastKeyGeneration() {
    try {
      Provider accp = com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.INSTANCE;
      KeyPairGenerator.getInstance("EC", accp);
      return accp;
    } catch (Throwable e) {
      return null;
    }
  }

  private static byte[] csr(int i, Provider keyGen) {
    try {
      KeyPairGenerator g = keyGen == null ? KeyPairGenerator.getInstance("EC") : KeyPairGenerator.getInstance("EC", keyGen);
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair kp = g.generateKeyPair();
      String host = "host-" + i + ".bench.example.com";
      ASN1EncodableVector attrs = new ASN1EncodableVector();
      attrs.add(new Attribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, new DERSet(new DERSequence(
          new Extension(Extension.subjectAlternativeName, false, new DEROctetString(new GeneralNames(
              new GeneralName(GeneralName.dNSName, host))))))));
      CertificationRequestInfo info = new CertificationRequestInfo(new X500Name("CN=" + host),
          SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()), new DERSet(attrs));
      Signature s = keyGen == null ? Signature.getInstance("SHA256withECDSA")
          : Signature.getInstance("SHA256withECDSA", keyGen);
      s.initSign(kp.getPrivate());
      s.update(info.getEncoded("DER"));
      return new CertificationRequest(info, new AlgorithmIdentifier(ECDSA_SHA256), new DERBitString(s.sign()))
          .getEncoded("DER");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The whole HTTP/1.1 request for one CSR, as the client writes it. */
  private static byte[] request(URI base, byte[] csr) {
    String pem = "-----BEGIN CERTIFICATE REQUEST-----\\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(csr).replace("\n", "\\n")
        + "\\n-----END CERTIFICATE REQUEST-----\\n";
    byte[] body = ("{\"csr\":\"" + pem + "\",\"profile\":\"tls-server\",\"owner\":\"dev-root\",\"validity\":\"90d\"}")
        .getBytes(StandardCharsets.US_ASCII);
    return KeepAliveClient.request(base, "POST", "/v1/ca/" + CA + "/issue", "Authorization: Bearer " + ROOT_TOKEN
        + "\r\nContent-Type: application/json\r\nAccept: application/json\r\n", body);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    signer.close();
    if (node != null) {
      System.out.println("certificates issued over HTTP: " + next.get() + "; audit events: " + node.auditSize());
      node.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** One keep-alive connection per benchmark thread. */
  @State(Scope.Thread)
  public static class Connection {
    KeepAliveClient client;

    @Setup(Level.Trial)
    public void open(CaIssueHttpBenchmark bench) throws IOException {
      if (bench.server != null) {
        client = new KeepAliveClient(bench.server);
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      if (client != null) {
        client.close();
      }
    }
  }

  private byte[] issue(Connection c) throws IOException {
    int i = next.getAndIncrement();
    if (i >= requests.length) {
      throw new IllegalStateException("the pool of " + POOL + " requests is used up; raise -Dcustos.bench.csrs");
    }
    return c.client.send(requests[i]);
  }

  private byte[] ceiling() {
    int i = Math.floorMod(next.getAndIncrement(), ceilingKeys.length);
    if (!verifier.verify("SHA256withECDSA", null, ceilingKeys[i], ceilingInfo[i], ceilingSig[i])) {
      throw new IllegalStateException("request signature did not verify");
    }
    return signer.sign(tbs);
  }

  /** The ceiling on one thread: one P-256 request signature verified, one P-256 certificate signature made. */
  @Benchmark
  @Threads(1)
  public byte[] rawCryptoCeiling1() {
    return ceiling();
  }

  /** The ceiling on two threads. */
  @Benchmark
  @Threads(2)
  public byte[] rawCryptoCeiling2() {
    return ceiling();
  }

  /** One certificate over HTTP, one client: about one core busy. */
  @Benchmark
  @Threads(1)
  public byte[] httpIssue1(Connection c) throws IOException {
    return issue(c);
  }

  /** Two clients: both cores busy. */
  @Benchmark
  @Threads(2)
  public byte[] httpIssue2(Connection c) throws IOException {
    return issue(c);
  }

  /** Eight clients: more requests in flight than cores, so inventory rows and audit events commit in groups. */
  @Benchmark
  @Threads(8)
  public byte[] httpIssue8(Connection c) throws IOException {
    return issue(c);
  }

  /**
   * Thirty-two clients: with one fsync per commit, a client can have at most one certificate
   * per two fsyncs (its inventory row, then its audit event); throughput comes from sharing them.
   */
  @Benchmark
  @Threads(32)
  public byte[] httpIssue32(Connection c) throws IOException {
    return issue(c);
  }
}
