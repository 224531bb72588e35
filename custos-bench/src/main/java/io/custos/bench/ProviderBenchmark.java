package io.custos.bench;

import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.KeyPairType;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Signatures made and verified per second through the asymmetric provider port, AWS-LC (ACCP)
 * next to the JDK in the same run, for ECDSA P-256 and Ed25519 with keys from the validated
 * module. Divide the accp score by the jdk score for the speed-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ProviderBenchmark {
  @Param({"jdk", "accp"})
  public String provider;

  @Param({"EC_P256", "ED25519"})
  public String keyType;

  private KeyPairMaterial pair;
  private AsymmetricProvider.PrivateKeyHandle privateKey;
  private AsymmetricProvider.PublicKeyHandle publicKey;
  private byte[] message;
  private byte[] signature;

  @Setup(Level.Trial)
  public void load() {
    KeyPairType type = KeyPairType.valueOf(keyType);
    pair = FipsCryptoModule.start().generateKeyPair(type);
    AsymmetricProvider chosen = AsymmetricProviders.select(provider);
    privateKey = chosen.privateKey(type, pair.privateKey());
    publicKey = chosen.publicKey(type, pair.publicKey());
    message = "tbsCertificate of about this size, signed once per issued certificate..........."
        .getBytes(StandardCharsets.US_ASCII);
    signature = privateKey.sign(message);
    if (!publicKey.verify(message, signature)) {
      throw new IllegalStateException("benchmark key pair does not verify");
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    privateKey.close();
    pair.close();
  }

  @Benchmark
  public byte[] sign() {
    return privateKey.sign(message);
  }

  @Benchmark
  public boolean verify() {
    return publicKey.verify(message, signature);
  }
}
