package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import io.custos.failure.UnavailableException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Chooses the {@link AsymmetricProvider} from configuration and says which implementation
 * performs each key type, for status pages and the cryptographic inventory.
 *
 * <ul>
 *   <li>{@code jdk}: the JDK's own providers.
 *   <li>{@code accp}: AWS-LC through the Amazon Corretto Crypto Provider; refused with
 *       {@link UnavailableException} when its native library cannot load or fails its self-tests.
 *   <li>{@code auto}: ACCP where it loads, otherwise the JDK, with one warning saying why.
 * </ul>
 *
 * In every case key types ACCP has no engine for are performed by the JDK ({@link #performer}).
 */
public final class AsymmetricProviders {
  private static final System.Logger LOG = System.getLogger(AsymmetricProviders.class.getName());

  private AsymmetricProviders() {}

  /**
   * The provider for {@code choice}: "auto", "accp" or "jdk" (case does not matter).
   *
   * @throws InvalidInputException if {@code choice} is none of those
   * @throws UnavailableException if "accp" was asked for and cannot be used
   */
  public static AsymmetricProvider select(String choice) {
    return select(choice, AccpAsymmetricProvider::load);
  }

  /** {@link #select(String)} with the ACCP loader replaced, so that a failing load can be tested. */
  static AsymmetricProvider select(String choice, Function<JdkAsymmetricProvider, ? extends AsymmetricProvider> accp) {
    Objects.requireNonNull(choice, "choice");
    String normalised = choice.strip().toLowerCase(Locale.ROOT);
    switch (normalised) {
      case "jdk":
        return new JdkAsymmetricProvider();
      case "accp":
        return loadAccp(accp, new JdkAsymmetricProvider());
      case "auto": {
        JdkAsymmetricProvider jdk = new JdkAsymmetricProvider();
        try {
          return loadAccp(accp, jdk);
        } catch (UnavailableException e) {
          LOG.log(System.Logger.Level.WARNING, "asymmetric provider: using the JDK because " + e.getMessage());
          return jdk;
        }
      }
      default:
        throw new InvalidInputException("the asymmetric provider must be auto, accp or jdk, not '" + choice + "'");
    }
  }

  private static AsymmetricProvider loadAccp(Function<JdkAsymmetricProvider, ? extends AsymmetricProvider> accp,
      JdkAsymmetricProvider jdk) {
    try {
      return accp.apply(jdk);
    } catch (LinkageError e) {
      // The ACCP classes or their native library are missing or built for another platform.
      throw new UnavailableException("the Amazon Corretto Crypto Provider cannot be loaded: " + e);
    }
  }

  /**
   * Which implementation performs operations with keys of {@code type} under {@code provider},
   * e.g. "AWS-LC (ACCP 2.5.0)" or "JDK 25.0.1 (SunJCE)".
   */
  public static String performer(AsymmetricProvider provider, KeyPairType type) {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(type, "type");
    return provider instanceof JcaAsymmetricProvider jca ? jca.performer(type) : provider.name();
  }

  /** {@link #performer} for every key type, in declaration order. */
  public static Map<KeyPairType, String> performers(AsymmetricProvider provider) {
    Map<KeyPairType, String> out = new EnumMap<>(KeyPairType.class);
    for (KeyPairType type : KeyPairType.values()) {
      out.put(type, performer(provider, type));
    }
    return Collections.unmodifiableMap(out);
  }
}
