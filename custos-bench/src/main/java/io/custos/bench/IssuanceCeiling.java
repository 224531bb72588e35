package io.custos.bench;

import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.KeyPairType;
import io.custos.crypto.SignatureVerifier;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
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

/**
 * What the issuance benchmarks measure against: the raw crypto of one issuance — one P-256
 * request signature verified, one P-256 certificate signature made, through the configured
 * provider — over pre-decoded requests and a loaded key. Also makes their pools of fresh
 * requests: a key is never certified twice (SS-002 11.1.10), so every request has its own.
 */
final class IssuanceCeiling implements AutoCloseable {
  private static final ASN1ObjectIdentifier ECDSA_SHA256 = new ASN1ObjectIdentifier("1.2.840.10045.4.3.2");
  private final SignatureVerifier verifier;
  private final PublicKey[] keys;
  private final byte[][] info;
  private final byte[][] signatures;
  private final AsymmetricProvider.PrivateKeyHandle signer;
  private final byte[] tbs;
  private final AtomicInteger next = new AtomicInteger();

  /**
   * @param requests DER requests to verify, in rotation
   * @param tbs a certificate body of the size issuance signs
   */
  IssuanceCeiling(CryptoModule module, AsymmetricProvider provider, byte[][] requests, byte[] tbs) {
    verifier = SignatureVerifier.of(provider);
    keys = new PublicKey[requests.length];
    info = new byte[requests.length][];
    signatures = new byte[requests.length][];
    try {
      for (int i = 0; i < requests.length; i++) {
        CertificationRequest r = CertificationRequest.getInstance(requests[i]);
        info[i] = r.getCertificationRequestInfo().getEncoded("DER");
        signatures[i] = r.getSignature().getBytes();
        keys[i] = verifier.publicKey("EC", r.getCertificationRequestInfo().getSubjectPublicKeyInfo().getEncoded("DER"));
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    try (KeyPairMaterial material = module.generateKeyPair(KeyPairType.EC_P256)) {
      signer = provider.privateKey(KeyPairType.EC_P256, material.privateKey());
    }
    this.tbs = tbs.clone();
  }

  /** One request signature verified and one certificate signature made. */
  byte[] run() {
    int i = Math.floorMod(next.getAndIncrement(), keys.length);
    if (!verifier.verify("SHA256withECDSA", null, keys[i], info[i], signatures[i])) {
      throw new IllegalStateException("request signature did not verify");
    }
    return signer.sign(tbs);
  }

  @Override
  public void close() {
    signer.close();
  }

  /** {@code count} P-256 requests for {@code host-<i>.bench.example.com}, each with a fresh key pair. */
  static byte[][] requests(int count) {
    Provider keyGen = fastKeyGeneration();
    long start = System.nanoTime();
    byte[][] csrs = new byte[count][];
    IntStream.range(0, count).parallel().forEach(i -> csrs[i] = request(i, keyGen));
    System.out.printf("%,d requests made in %.1f s%n", count, (System.nanoTime() - start) / 1e9);
    return csrs;
  }

  /** AWS-LC makes P-256 key pairs many times faster than the JDK; the JDK where it does not load. */
  private static Provider fastKeyGeneration() {
    try {
      Provider accp = com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.INSTANCE;
      KeyPairGenerator.getInstance("EC", accp);
      return accp;
    } catch (Throwable e) {
      return null;
    }
  }

  private static byte[] request(int i, Provider keyGen) {
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
}
