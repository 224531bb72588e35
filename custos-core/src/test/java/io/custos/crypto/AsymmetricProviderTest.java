package io.custos.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.custos.crypto.AsymmetricProvider.Encapsulation;
import io.custos.crypto.AsymmetricProvider.PrivateKeyHandle;
import io.custos.crypto.AsymmetricProvider.PublicKeyHandle;
import io.custos.failure.InvalidInputException;
import io.custos.failure.UnavailableException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AsymmetricKey;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class AsymmetricProviderTest {
  private static final byte[] MESSAGE = "issue certificate 42 for payments.example".getBytes(StandardCharsets.UTF_8);
  private static final Map<KeyPairType, KeyPairMaterial> KEYS = new EnumMap<>(KeyPairType.class);
  private static AsymmetricProvider jdk;
  private static AsymmetricProvider accp;
  private static String accpUnavailable;

  @BeforeAll
  static void generateOnce() {
    FipsCryptoModule module = FipsCryptoModule.start();
    for (KeyPairType type : KeyPairType.values()) {
      KEYS.put(type, module.generateKeyPair(type));
    }
    jdk = AsymmetricProviders.select("jdk");
    try {
      accp = AsymmetricProviders.select("accp");
    } catch (UnavailableException e) {
      accpUnavailable = e.getMessage();
    }
  }

  @AfterAll
  static void wipe() {
    KEYS.values().forEach(KeyPairMaterial::close);
  }

  static AsymmetricProvider provider(String name) {
    if (name.equals("jdk")) {
      return jdk;
    }
    assumeTrue(accp != null, () -> "ACCP cannot be used here: " + accpUnavailable);
    return accp;
  }

  static Stream<Arguments> everyTypeUnderEveryProvider() {
    return Stream.of("jdk", "accp").flatMap(p -> Arrays.stream(KeyPairType.values()).map(t -> Arguments.of(p, t)));
  }

  private static PrivateKeyHandle privateKey(AsymmetricProvider provider, KeyPairType type) {
    return provider.privateKey(type, KEYS.get(type).privateKey());
  }

  private static PublicKeyHandle publicKey(AsymmetricProvider provider, KeyPairType type) {
    return provider.publicKey(type, KEYS.get(type).publicKey());
  }

  @ParameterizedTest
  @EnumSource(KeyPairType.class)
  @DisplayName("SS-002 11.1.1 — generated keys are well-formed keys of their type that the JDK loads")
  void generatedKeysAreValid(KeyPairType type) throws Exception {
    KeyPairMaterial pair = KEYS.get(type);
    assertThat(pair.type()).isEqualTo(type);
    assertThat(pair.toString()).doesNotContain(pair.privateKey().use(HexFormatted::hex));
    String algorithm = switch (type) {
      case EC_P256, EC_P384 -> "EC";
      case ED25519 -> "Ed25519";
      case RSA_3072, RSA_4096 -> "RSA";
      case ML_DSA_44, ML_DSA_65, ML_DSA_87 -> "ML-DSA";
      case ML_KEM_768, ML_KEM_1024 -> "ML-KEM";
    };
    KeyFactory factory = KeyFactory.getInstance(algorithm);
    PublicKey pub = factory.generatePublic(new X509EncodedKeySpec(pair.publicKey()));
    PrivateKey priv = pair.privateKey().use(der -> {
      try {
        return factory.generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (Exception e) {
        throw new AssertionError(type + " private key does not load in the JDK", e);
      }
    });
    switch (type) {
      case EC_P256, EC_P384 -> assertThat(((ECPublicKey) pub).getParams().getCurve().getField().getFieldSize())
          .isEqualTo(type == KeyPairType.EC_P256 ? 256 : 384);
      case ED25519 -> assertThat(((EdECPublicKey) pub).getParams().getName()).isEqualTo("Ed25519");
      case RSA_3072, RSA_4096 -> {
        int bits = type == KeyPairType.RSA_3072 ? 3072 : 4096;
        assertThat(((RSAPublicKey) pub).getModulus().bitLength()).isEqualTo(bits);
        assertThat(((RSAPublicKey) pub).getPublicExponent()).isEqualTo(BigInteger.valueOf(65537));
        assertThat(((RSAPrivateCrtKey) priv).getModulus()).isEqualTo(((RSAPublicKey) pub).getModulus());
      }
      default -> assertThat(((NamedParameterSpec) ((AsymmetricKey) pub).getParams()).getName())
          .isEqualTo(type.name().replace('_', '-'));
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("everyTypeUnderEveryProvider")
  @DisplayName("Round trip for every key type under both providers; tampering is detected")
  void roundTrip(String providerName, KeyPairType type) {
    AsymmetricProvider provider = provider(providerName);
    PublicKeyHandle pub = publicKey(provider, type);
    assertThat(pub.type()).isEqualTo(type);
    assertThat(pub.spki()).isEqualTo(KEYS.get(type).publicKey());
    try (PrivateKeyHandle key = privateKey(provider, type)) {
      assertThat(key.type()).isEqualTo(type);
      if (type.signs()) {
        byte[] signature = key.sign(MESSAGE);
        assertThat(pub.verify(MESSAGE, signature)).isTrue();
        byte[] otherMessage = MESSAGE.clone();
        otherMessage[3] ^= 0x01;
        assertThat(pub.verify(otherMessage, signature)).isFalse();
        byte[] bad = signature.clone();
        bad[bad.length / 2] ^= 0x01;
        assertThat(pub.verify(MESSAGE, bad)).isFalse();
        assertThat(pub.verify(MESSAGE, new byte[0])).isFalse();
        assertThat(pub.verify(MESSAGE, new byte[] {0x30, 0x03, 0x02, 0x01})).isFalse();
        assertThat(pub.verify(MESSAGE, Arrays.copyOf(signature, signature.length + 1))).isFalse();
      } else {
        assertThatThrownBy(() -> key.sign(MESSAGE)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("do not sign");
        assertThatThrownBy(() -> pub.verify(MESSAGE, new byte[64])).isInstanceOf(InvalidInputException.class);
      }
      if (type.use() == KeyPairType.Use.SIGN_OR_ENCRYPT) {
        int max = pub.maxOaepPlaintext();
        assertThat(max).isEqualTo((type == KeyPairType.RSA_3072 ? 384 : 512) - 66);
        byte[] secret = new byte[max];
        Arrays.fill(secret, (byte) 7);
        byte[] ciphertext = pub.encrypt(secret);
        try (SecretBytes opened = key.decrypt(ciphertext)) {
          assertThat(opened.sameAs(secret)).isTrue();
        }
        assertThatThrownBy(() -> pub.encrypt(new byte[max + 1])).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("at most " + max);
        byte[] bad = ciphertext.clone();
        bad[10] ^= 0x01;
        assertThatThrownBy(() -> key.decrypt(bad)).isInstanceOf(InvalidInputException.class);
      } else {
        assertThat(pub.maxOaepPlaintext()).isZero();
        assertThatThrownBy(() -> pub.encrypt(new byte[1])).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> key.decrypt(new byte[1])).isInstanceOf(InvalidInputException.class);
      }
      if (type.use() == KeyPairType.Use.ENCAPSULATE) {
        try (Encapsulation sent = pub.encapsulate()) {
          assertThat(sent.sharedSecret().length()).isEqualTo(32);
          assertThat(sent.encapsulation()).hasSize(type == KeyPairType.ML_KEM_768 ? 1088 : 1568);
          try (SecretBytes received = key.decapsulate(sent.encapsulation())) {
            assertThat(received.length()).isEqualTo(32);
            assertThat(sent.sharedSecret().use(received::sameAs)).isTrue();
          }
          byte[] bad = sent.encapsulation();
          bad[5] ^= 0x01;
          try (SecretBytes rejected = key.decapsulate(bad)) {
            assertThat(sent.sharedSecret().use(rejected::sameAs)).isFalse();
          }
          assertThatThrownBy(() -> key.decapsulate(Arrays.copyOf(bad, 100)))
              .isInstanceOf(InvalidInputException.class);
        }
      } else {
        assertThatThrownBy(pub::encapsulate).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> key.decapsulate(new byte[32])).isInstanceOf(InvalidInputException.class);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(KeyPairType.class)
  @DisplayName("ACCP and the JDK interoperate: each verifies, decrypts and decapsulates what the other made")
  void crossProvider(KeyPairType type) {
    AsymmetricProvider aws = provider("accp");
    for (AsymmetricProvider[] pair : new AsymmetricProvider[][] {{aws, jdk}, {jdk, aws}}) {
      PublicKeyHandle pub = publicKey(pair[1], type);
      try (PrivateKeyHandle key = privateKey(pair[0], type)) {
        if (type.signs()) {
          assertThat(pub.verify(MESSAGE, key.sign(MESSAGE))).as("%s signs, %s verifies", pair[0], pair[1]).isTrue();
        }
        if (type.use() == KeyPairType.Use.SIGN_OR_ENCRYPT) {
          try (SecretBytes opened = key.decrypt(pub.encrypt(new byte[] {1, 2, 3}))) {
            assertThat(opened.sameAs(new byte[] {1, 2, 3})).isTrue();
          }
        }
        if (type.use() == KeyPairType.Use.ENCAPSULATE) {
          try (Encapsulation sent = pub.encapsulate(); SecretBytes received = key.decapsulate(sent.encapsulation())) {
            assertThat(sent.sharedSecret().use(received::sameAs)).isTrue();
          }
        }
      }
    }
  }

  @Test
  @DisplayName("SS-002 11.3.7 — ACCP handles cleanse their native key on close; JDK handles say they cannot")
  void closeWipesAndRefusesLaterUse() {
    try (PrivateKeyHandle key = privateKey(jdk, KeyPairType.EC_P256)) {
      assertThat(key.wipesOnClose()).isFalse();
    }
    AsymmetricProvider aws = provider("accp");
    for (KeyPairType type : KeyPairType.values()) {
      PrivateKeyHandle key = privateKey(aws, type);
      assertThat(key.wipesOnClose()).as(type.name()).isEqualTo(type.use() != KeyPairType.Use.ENCAPSULATE);
      key.close();
      key.close();
      assertThatThrownBy(() -> key.sign(MESSAGE)).isInstanceOfAny(IllegalStateException.class,
          InvalidInputException.class);
      if (type.signs()) {
        assertThatThrownBy(() -> key.sign(MESSAGE)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
      }
      if (type.use() == KeyPairType.Use.ENCAPSULATE) {
        assertThatThrownBy(() -> key.decapsulate(new byte[1088])).isInstanceOf(IllegalStateException.class);
      }
      if (type.use() == KeyPairType.Use.SIGN_OR_ENCRYPT) {
        assertThatThrownBy(() -> key.decrypt(new byte[384])).isInstanceOf(IllegalStateException.class);
      }
    }
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"jdk", "accp"})
  @DisplayName("A key of another type, size or curve, or not a key at all, is refused")
  void wrongKeysRefused(String providerName) {
    AsymmetricProvider provider = provider(providerName);
    SecretBytes p384 = KEYS.get(KeyPairType.EC_P384).privateKey();
    assertThatThrownBy(() -> provider.privateKey(KeyPairType.EC_P256, p384))
        .isInstanceOf(InvalidInputException.class).hasMessage("the private key is not an EC P-256 key");
    assertThatThrownBy(() -> provider.privateKey(KeyPairType.RSA_3072, KEYS.get(KeyPairType.RSA_4096).privateKey()))
        .isInstanceOf(InvalidInputException.class).hasMessage("the private key is not an RSA-3072 key");
    assertThatThrownBy(() -> provider.publicKey(KeyPairType.RSA_4096, KEYS.get(KeyPairType.RSA_3072).publicKey()))
        .isInstanceOf(InvalidInputException.class).hasMessage("the public key is not an RSA-4096 key");
    assertThatThrownBy(() -> provider.publicKey(KeyPairType.ML_DSA_65, KEYS.get(KeyPairType.ML_DSA_44).publicKey()))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> provider.privateKey(KeyPairType.ML_KEM_768, KEYS.get(KeyPairType.ML_DSA_65).privateKey()))
        .isInstanceOf(InvalidInputException.class);
    try (SecretBytes garbage = SecretBytes.copyOf(new byte[] {0x30, 0x03, 0x02, 0x01, 0x00})) {
      assertThatThrownBy(() -> provider.privateKey(KeyPairType.ED25519, garbage))
          .isInstanceOf(InvalidInputException.class).hasMessage("the private key is not PKCS#8 DER");
    }
    byte[] truncated = Arrays.copyOf(KEYS.get(KeyPairType.EC_P256).publicKey(), 40);
    assertThatThrownBy(() -> provider.publicKey(KeyPairType.EC_P256, truncated)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  @DisplayName("The provider is chosen by configuration; auto falls back to the JDK, accp refuses")
  void selection() {
    assertThat(AsymmetricProviders.select("jdk").name()).startsWith("JDK 25");
    assertThatThrownBy(() -> AsymmetricProviders.select("bouncy")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("auto, accp or jdk");
    java.util.function.Function<JdkAsymmetricProvider, AsymmetricProvider> broken = j -> {
      throw new UnavailableException("the native library did not load: test");
    };
    assertThat(AsymmetricProviders.select("auto", broken)).isInstanceOf(JdkAsymmetricProvider.class);
    assertThatThrownBy(() -> AsymmetricProviders.select("accp", broken)).isInstanceOf(UnavailableException.class)
        .hasMessageContaining("native library did not load");
    java.util.function.Function<JdkAsymmetricProvider, AsymmetricProvider> missing = j -> {
      throw new UnsatisfiedLinkError("no libamazonCorrettoCryptoProvider");
    };
    assertThat(AsymmetricProviders.select("AUTO", missing)).isInstanceOf(JdkAsymmetricProvider.class);
    assertThatThrownBy(() -> AsymmetricProviders.select("accp", missing)).isInstanceOf(UnavailableException.class)
        .hasMessageContaining("libamazonCorrettoCryptoProvider");
  }

  @Test
  @DisplayName("The inventory says which implementation performs each key type")
  void performers() {
    assertThat(AsymmetricProviders.performers(jdk)).allSatisfy((type, who) -> assertThat(who).startsWith("JDK 25"));
    assertThat(AsymmetricProviders.performer(jdk, KeyPairType.ML_DSA_65)).endsWith("(SUN)");
    AsymmetricProvider aws = provider("accp");
    assertThat(aws.name()).isEqualTo("AWS-LC (ACCP 2.5.0); JDK for ML-KEM");
    assertThat(AsymmetricProviders.select("auto").name()).isEqualTo(aws.name());
    for (KeyPairType type : KeyPairType.values()) {
      assertThat(AsymmetricProviders.performer(aws, type))
          .isEqualTo(type.use() == KeyPairType.Use.ENCAPSULATE ? AsymmetricProviders.performer(jdk, type)
              : "AWS-LC (ACCP 2.5.0)");
    }
  }

  @Test
  @DisplayName("SS-002 11.3.6 — EC and Ed25519 key pairs are generated with the module in approved-only mode")
  void generatesInApprovedOnlyMode() throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        CryptoServicesRegistrar.setApprovedOnlyMode(true);
        FipsCryptoModule approved = FipsCryptoModule.start();
        for (KeyPairType type : new KeyPairType[] {KeyPairType.EC_P256, KeyPairType.ED25519}) {
          try (KeyPairMaterial pair = approved.generateKeyPair(type); PrivateKeyHandle key = jdk.privateKey(type, pair.privateKey())) {
            assertThat(jdk.publicKey(type, pair.publicKey()).verify(MESSAGE, key.sign(MESSAGE))).isTrue();
          }
        }
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    t.start();
    t.join();
    assertThat(failure.get()).isNull();
  }

  private static final class HexFormatted {
    static String hex(byte[] b) {
      return java.util.HexFormat.of().formatHex(b);
    }
  }
}
