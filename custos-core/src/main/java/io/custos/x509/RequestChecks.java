package io.custos.x509;

import io.custos.crypto.SignatureVerifier;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECPoint;
import java.security.spec.EllipticCurve;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The checks a verified request must pass whatever the profile: approved and sound keys, and
 * names that are well formed and free of wildcards. Every failure is collected, so a requester
 * learns all of them at once, each naming its control.
 */
public final class RequestChecks {
  /** One rule a request breaks, with the control that makes it a rule. */
  public record Violation(String control, String message) {
    @Override
    public String toString() {
      return control + ": " + message;
    }
  }

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  /** Primes of the ROCA fingerprint (CVE-2017-15361, Nemec et al. 2017). */
  private static final int[] ROCA_PRIMES = {3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73,
      79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167};
  private static final java.util.BitSet[] ROCA_RESIDUES = new java.util.BitSet[ROCA_PRIMES.length];

  static {
    for (int i = 0; i < ROCA_PRIMES.length; i++) {
      int p = ROCA_PRIMES[i];
      java.util.BitSet set = new java.util.BitSet(p);
      int g = 65537 % p;
      int x = 1;
      for (int k = 0; k < p; k++) {
        set.set(x);
        x = (x * g) % p;
      }
      ROCA_RESIDUES[i] = set;
    }
  }

  private RequestChecks() {}

  /** Key soundness: size, curve, point on the curve, RSA exponent, ROCA fingerprint. */
  public static List<Violation> key(CertificationRequest.RequestedKey key, SignatureVerifier verifier, int minRsaBits) {
    List<Violation> out = new ArrayList<>();
    switch (key.algorithm()) {
      case "rsa" -> {
        RSAPublicKey rsa = (RSAPublicKey) verifier.publicKey("RSA", key.spki());
        if (rsa.getModulus().bitLength() < minRsaBits) {
          out.add(new Violation("SS-002 11.3.9", "RSA-" + rsa.getModulus().bitLength() + " is below the "
              + minRsaBits + "-bit minimum"));
        }
        BigInteger e = rsa.getPublicExponent();
        if (e.compareTo(BigInteger.valueOf(65537)) < 0 || !e.testBit(0) || e.bitLength() > 256) {
          out.add(new Violation("SS-002 11.3.9", "RSA public exponent " + e + " is not an odd value from 65537 "
              + "to 2^256 (NIST SP 800-56B)"));
        }
        if (rocaFingerprint(rsa.getModulus())) {
          out.add(new Violation("SS-002 11.1.1", "the RSA modulus carries the ROCA fingerprint (CVE-2017-15361): "
              + "the key was made by a flawed generator and must be replaced"));
        }
      }
      case "ecdsa-p256", "ecdsa-p384" -> {
        PublicKey pub = verifier.publicKey("EC", key.spki());
        if (!(pub instanceof ECPublicKey ec) || !onCurve(ec)) {
          out.add(new Violation("SS-002 11.3.9", "the EC public key is not a valid point on its curve"));
        }
      }
      case "ed25519", "ml-dsa-44", "ml-dsa-65", "ml-dsa-87" -> {
        // Sizes are fixed by the algorithm and checked when the key was read.
      }
      default -> out.add(new Violation("SS-002 11.3.9", "key algorithm " + key.algorithm()
          + " is not approved (RSA ≥ " + minRsaBits + ", ECDSA P-256/P-384, Ed25519, ML-DSA)"));
    }
    return out;
  }

  /** DNS names: well formed, lower-case LDH labels, and never a wildcard (SS-002 11.1.9). */
  public static List<Violation> names(CertificationRequest csr) {
    List<Violation> out = new ArrayList<>();
    for (String name : csr.dnsNames()) {
      dnsName(name, "DNS name", out);
    }
    csr.commonName().filter(cn -> cn.contains("*")).ifPresent(cn -> out.add(new Violation("SS-002 11.1.9",
        "the common name '" + cn + "' is a wildcard; wildcard certificates are never issued")));
    return out;
  }

  static void dnsName(String name, String what, List<Violation> out) {
    if (name.contains("*")) {
      out.add(new Violation("SS-002 11.1.9", what + " '" + name + "' is a wildcard"
          + (name.startsWith("*.") ? " (left-side wildcard)" : "") + "; wildcard certificates are never issued"));
      return;
    }
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".")) {
      n = n.substring(0, n.length() - 1);
    }
    boolean ok = !n.isEmpty() && n.length() <= 253;
    if (ok) {
      for (String label : n.split("\\.", -1)) {
        if (!LABEL.matcher(label).matches()) {
          ok = false;
          break;
        }
      }
    }
    if (!ok || !n.contains(".")) {
      out.add(new Violation("SS-002 11.1.6", what + " '" + name + "' is not a fully qualified host name"));
    }
  }

  /** The ROCA fingerprint: the modulus lies in the subgroup generated by 65537 modulo each marker prime. */
  public static boolean rocaFingerprint(BigInteger modulus) {
    for (int i = 0; i < ROCA_PRIMES.length; i++) {
      int r = modulus.mod(BigInteger.valueOf(ROCA_PRIMES[i])).intValue();
      if (!ROCA_RESIDUES[i].get(r)) {
        return false;
      }
    }
    return true;
  }

  static boolean onCurve(ECPublicKey key) {
    EllipticCurve curve = key.getParams().getCurve();
    if (!(curve.getField() instanceof ECFieldFp fp)) {
      return false;
    }
    BigInteger p = fp.getP();
    ECPoint w = key.getW();
    if (w.equals(ECPoint.POINT_INFINITY)) {
      return false;
    }
    BigInteger x = w.getAffineX();
    BigInteger y = w.getAffineY();
    if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
      return false;
    }
    BigInteger left = y.multiply(y).mod(p);
    BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
    return left.equals(right);
  }
}
