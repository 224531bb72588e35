package io.custos.bench;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.ca.CertificateAuthority;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.CustodianEnvelope;
import io.custos.crypto.EncryptedPrivateKeys;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.KeyPairType;
import io.custos.crypto.Pem;
import io.custos.crypto.SecretBytes;
import io.custos.crypto.SignatureVerifier;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.x509.CaLevel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Server-side key generation (SS-002 11.1.2) per second, in process, with every check, the
 * P-256 issuing CA's signature from the barrier and the inventory row in SQLite, next to the raw
 * crypto of the same run ({@code rawKeyPairAndSignature}: one P-256 key pair from the FIPS module
 * and one P-256 certificate signature). Two ways of return: wrapped for the requester's P-256
 * key (one ECDH, HKDF and AES-GCM more), and PKCS#8 under a password, where PBKDF2 with 600,000
 * iterations dominates by design ({@code pbkdf2Only} shows that cost alone).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class ServerKeyGenerationBenchmark {
  private static final Caller CALLER = new Caller("bench", "token", "127.0.0.1", "bench");
  private Path dir;
  private JdbcStorage storage;
  private Barrier barrier;
  private KeyManager keys;
  private CertificateAuthority ca;
  private CryptoModule module;
  private CustodianEnvelope.Recipient recipient;
  private SecretBytes password;
  private SecretBytes samplePkcs8;
  private AsymmetricProvider.PrivateKeyHandle signer;
  private byte[] tbs;
  private final AtomicInteger next = new AtomicInteger();

  @Setup(Level.Trial)
  public void open() throws Exception {
    module = FipsCryptoModule.start();
    AsymmetricProvider provider = AsymmetricProviders.select("auto");
    System.out.println("provider: " + provider.name());
    dir = Files.createTempDirectory("custos-bench-keygen-");
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), "bench", InstantSource.system());
    barrier = new Barrier(BarrierKeyring.create(module));
    keys = new KeyManager(storage.records(), () -> barrier, module, provider, AlgorithmPolicy.defaults(),
        AccessGate.devMode(), Clock.systemUTC());
    ca = new CertificateAuthority(storage.records(), () -> barrier, keys, storage.certificates(), AccessGate.devMode(),
        SignatureVerifier.of(provider), module.drbg(), Clock.systemUTC(),
        id -> Optional.of(new CertificateAuthority.Owner(id, "Bench service", "bench@example.com")),
        "https://pki.example.com", List.of());
    ca.createDevRoot(CALLER, "root", "ecdsa-p384", "CN=Bench Root,O=Example Ltd,C=GB", Duration.ofDays(3650));
    ca.create(CALLER, "issuing", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Bench Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(CALLER, "root", "issuing", Duration.ofDays(365 * 3));
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    recipient = CustodianEnvelope.Recipient.fromPem(Pem.write("PUBLIC KEY", g.generateKeyPair().getPublic().getEncoded()));
    password = SecretBytes.copyOf("a bench password of some length".getBytes(StandardCharsets.UTF_8));
    KeyPairMaterial material = module.generateKeyPair(KeyPairType.EC_P256);
    signer = provider.privateKey(KeyPairType.EC_P256, material.privateKey());
    samplePkcs8 = SecretBytes.copyOf(material.privateKey().use(byte[]::clone));
    material.close();
    byte[] sample = wrapped().issued().certificate();
    tbs = org.bouncycastle.asn1.x509.Certificate.getInstance(sample).getTBSCertificate().getEncoded("DER");
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    System.out.println("certificates issued: " + storage.certificates().count());
    signer.close();
    password.close();
    samplePkcs8.close();
    keys.close();
    barrier.close();
    storage.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private CertificateAuthority.KeyGenerationRequest request() {
    String host = "device-" + next.getAndIncrement() + ".bench.example.com";
    return new CertificateAuthority.KeyGenerationRequest("ecdsa-p256", "CN=" + host, List.of(host), List.of());
  }

  private CertificateAuthority.IssuedWithKey wrapped() {
    return ca.issueWithGeneratedKey(CALLER, "issuing", "tls-client", request(),
        CertificateAuthority.KeyDelivery.wrapFor(recipient), "bench", Optional.empty());
  }

  /** The raw crypto: one P-256 key pair generated in the FIPS module, one P-256 certificate signature. */
  @Benchmark
  public byte[] rawKeyPairAndSignature() {
    try (KeyPairMaterial pair = module.generateKeyPair(KeyPairType.EC_P256)) {
      byte[] sig = signer.sign(tbs);
      sig[0] ^= pair.publicKey()[0];
      return sig;
    }
  }

  /** Generate, check, sign, store, and wrap the key for the requester's P-256 key. */
  @Benchmark
  public String issueWrappedForRequester() {
    return wrapped().privateKey();
  }

  /** Generate, check, sign, store, and encrypt the key as PKCS#8 PBES2 (600,000 PBKDF2 iterations). */
  @Benchmark
  public String issuePasswordProtected() {
    return ca.issueWithGeneratedKey(CALLER, "issuing", "tls-client", request(),
        CertificateAuthority.KeyDelivery.password(password), "bench", Optional.empty()).privateKey();
  }

  /** PKCS#8 PBES2 encryption of one P-256 key alone: what the password costs. */
  @Benchmark
  public String pbkdf2Only() {
    return EncryptedPrivateKeys.encrypt(samplePkcs8, password, module.drbg());
  }
}
