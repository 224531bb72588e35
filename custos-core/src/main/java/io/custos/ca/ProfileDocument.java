package io.custos.ca;

import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.kms.Cryptoperiod;
import io.custos.x509.CaLevel;
import io.custos.x509.Certificates;
import io.custos.x509.Profile;
import io.custos.x509.RequestChecks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A custom certificate profile as written in the configuration ({@code ca.profiles}) or sent to
 * {@code PUT /v1/ca/profiles/{name}} (SS-002 11.1.6, 11.1.8): a mapping with the keys
 *
 * <pre>
 *   description: text
 *   key_algorithms: [ecdsa-p256, ecdsa-p384, ed25519, rsa, ml-dsa-44, ml-dsa-65, ml-dsa-87]  (required)
 *   min_rsa_bits: 3072                   (3072 to 16384; default 3072)
 *   key_usage: [digitalSignature]        (required; no keyCertSign or cRLSign: end entities only)
 *   extended_key_usage: [clientAuth]     (required; exactly one purpose, SS-002 11.3.3)
 *   san_types: [dns, ip, email, uri]     (default none)
 *   require_san: false
 *   required_subject_fields: [CN, O]
 *   max_lifetime: 90d                    (required; at most 2 years, SS-002 11.1.9)
 *   policy_oids: [1.2.3.4]               (default the Custos policy OID)
 *   server_keygen: false                 (SS-002 11.1.2)
 * </pre>
 *
 * Every problem is collected, so a refused document lists all of them at once, each with its
 * control.
 */
public final class ProfileDocument {
  /** A profile's name: lower case, digits and hyphens. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,47}");
  /** The keys a document may hold. */
  public static final Set<String> KEYS = Set.of("description", "key_algorithms", "min_rsa_bits", "key_usage",
      "extended_key_usage", "san_types", "require_san", "required_subject_fields", "max_lifetime", "policy_oids",
      "server_keygen");
  private static final Set<String> SAN_TYPES = Set.of("dns", "ip", "email", "uri");
  private static final Set<String> SUBJECT_FIELDS = Set.of("CN", "O", "OU", "C", "L", "ST", "STREET", "DC", "UID",
      "SERIALNUMBER", "E", "emailAddress");
  private static final Set<String> CA_KEY_USAGE = Set.of("keyCertSign", "cRLSign");
  private static final Pattern OID = Pattern.compile("[0-2](\\.(0|[1-9][0-9]{0,47})){1,40}");
  private static final int MAX_ITEMS = 32;

  private ProfileDocument() {}

  /**
   * Reads and checks a custom profile.
   *
   * @param doc the mapping (strings, booleans, numbers and lists of strings, as JSON or YAML give them)
   * @throws ControlViolationException listing every problem, the first one's control leading
   */
  public static Profile parse(String name, Map<String, ?> doc) {
    List<RequestChecks.Violation> problems = new ArrayList<>();
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidInputException("a profile name matches [a-z0-9][a-z0-9-]{0,47}");
    }
    if (doc == null) {
      throw new InvalidInputException("profile " + name + ": the profile is a mapping of keys to values");
    }
    for (String key : doc.keySet()) {
      if (!KEYS.contains(key)) {
        problems.add(v("SS-002 11.1.6", "unknown key '" + key + "'; known keys are " + new java.util.TreeSet<>(KEYS)));
      }
    }
    String description = string(doc, "description", problems).orElse("custom profile " + name);

    List<String> algorithms = list(doc, "key_algorithms", problems);
    if (algorithms.isEmpty()) {
      problems.add(v("SS-002 11.1.6", "key_algorithms is required: the key algorithms this profile accepts, from "
          + sorted(Profile.STANDARD_KEYS)));
    }
    for (String a : algorithms) {
      if (!Profile.STANDARD_KEYS.contains(a)) {
        problems.add(v("SS-002 11.3.9", "key algorithm '" + a + "' is not on the approved list " + sorted(Profile.STANDARD_KEYS)));
      }
    }
    int minRsa = 3072;
    Object rsa = doc.get("min_rsa_bits");
    if (rsa != null) {
      try {
        minRsa = Integer.parseInt(String.valueOf(rsa).trim());
        if (minRsa < 3072) {
          problems.add(v("SS-002 11.3.9", "min_rsa_bits " + minRsa + " is below the approved minimum of 3072"));
        } else if (minRsa > 16384) {
          problems.add(v("SS-002 11.1.6", "min_rsa_bits " + minRsa + " is above 16384"));
        }
      } catch (NumberFormatException e) {
        problems.add(v("SS-002 11.1.6", "min_rsa_bits must be a number, got '" + rsa + "'"));
      }
    }

    List<String> keyUsage = list(doc, "key_usage", problems);
    if (keyUsage.isEmpty()) {
      problems.add(v("SS-002 11.3.3", "key_usage is required, e.g. [digitalSignature]"));
    }
    for (String u : keyUsage) {
      if (CA_KEY_USAGE.contains(u)) {
        problems.add(v("SS-002 11.3.3", "key usage " + u + " belongs to CA certificates, not to end-entity profiles"));
      } else if (!Certificates.keyUsageNames().contains(u)) {
        problems.add(v("SS-002 11.1.6", "unknown key usage '" + u + "'; one of "
            + sorted(minus(Certificates.keyUsageNames(), CA_KEY_USAGE))));
      }
    }
    List<String> eku = list(doc, "extended_key_usage", problems);
    for (String e : eku) {
      if (!Certificates.extendedKeyUsageNames().contains(e)) {
        problems.add(v("SS-002 11.1.6", "unknown extended key usage '" + e + "'; one of "
            + sorted(Certificates.extendedKeyUsageNames())));
      }
    }
    if (eku.isEmpty()) {
      problems.add(v("SS-002 11.3.3", "extended_key_usage is required: the one purpose of this profile, e.g. [clientAuth]"));
    } else if (new LinkedHashSet<>(eku).size() > 1) {
      problems.add(v("SS-002 11.3.3", "extended_key_usage " + eku + " mixes purposes; a profile serves exactly one"));
    }
    if (!keyUsage.isEmpty() && !keyUsage.contains("digitalSignature") && !eku.isEmpty()) {
      problems.add(v("SS-002 11.3.3", "extended key usage " + eku.getFirst() + " needs key usage digitalSignature"));
    }

    List<String> sanTypes = list(doc, "san_types", problems);
    for (String t : sanTypes) {
      if (!SAN_TYPES.contains(t)) {
        problems.add(v("SS-002 11.1.6", "unknown subject alternative name type '" + t + "'; one of " + sorted(SAN_TYPES)));
      }
    }
    boolean requireSan = bool(doc, "require_san", problems);
    if (requireSan && sanTypes.isEmpty()) {
      problems.add(v("SS-002 11.1.6", "require_san is true but san_types allows no name type"));
    }
    List<String> subjectFields = list(doc, "required_subject_fields", problems);
    for (String f : subjectFields) {
      if (!SUBJECT_FIELDS.contains(f)) {
        problems.add(v("SS-002 11.1.6", "unknown subject field '" + f + "'; one of " + sorted(SUBJECT_FIELDS)));
      }
    }

    Duration lifetime = null;
    Object life = doc.get("max_lifetime");
    if (life == null) {
      problems.add(v("SS-002 11.1.9", "max_lifetime is required, e.g. 90d or 1y (at most 2 years)"));
    } else {
      try {
        lifetime = Cryptoperiod.parseDuration(String.valueOf(life), "max_lifetime");
        if (lifetime.compareTo(CaLevel.END_ENTITY.maxLifetime()) > 0) {
          problems.add(v("SS-002 11.1.9", "max_lifetime " + life + " is longer than the 2 years an end-entity "
              + "certificate may live"));
        } else if (lifetime.compareTo(Duration.ofHours(1)) < 0) {
          problems.add(v("SS-002 11.1.9", "max_lifetime " + life + " is shorter than one hour"));
        }
      } catch (InvalidInputException e) {
        problems.add(v("SS-002 11.1.9", e.getMessage()));
      }
    }
    List<String> policies = doc.containsKey("policy_oids") ? list(doc, "policy_oids", problems)
        : List.of(Profile.CUSTOS_POLICY);
    if (policies.isEmpty()) {
      problems.add(v("SS-002 11.1.8", "policy_oids is empty; certificates are issued under at least one certificate "
          + "policy (leave it out for the Custos default)"));
    }
    for (String oid : policies) {
      if (!OID.matcher(oid).matches()) {
        problems.add(v("SS-002 11.1.8", "'" + oid + "' is not an object identifier such as 1.3.6.1.4.1.99999.1"));
      }
    }
    boolean keygen = bool(doc, "server_keygen", problems);

    if (!problems.isEmpty()) {
      throw new ControlViolationException(problems.getFirst().control(), "profile " + name + " is refused: "
          + String.join("; ", problems.stream().map(RequestChecks.Violation::toString).toList()));
    }
    boolean ocspNoCheck = eku.contains("OCSPSigning");
    return new Profile(name, description, new LinkedHashSet<>(algorithms), minRsa, new LinkedHashSet<>(keyUsage),
        List.of(eku.getFirst()), new LinkedHashSet<>(sanTypes), requireSan, subjectFields, lifetime, policies, keygen,
        ocspNoCheck);
  }

  /** The document form of {@code p}, as {@link #parse} reads it and the API answers it. */
  public static Map<String, Object> describe(Profile p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("description", p.description());
    m.put("key_algorithms", sorted(p.keyAlgorithms()));
    m.put("min_rsa_bits", p.minRsaBits());
    m.put("key_usage", sorted(p.keyUsage()));
    m.put("extended_key_usage", p.extendedKeyUsage());
    m.put("san_types", sorted(p.sanTypes()));
    m.put("require_san", p.requireSan());
    m.put("required_subject_fields", p.requiredSubjectFields());
    m.put("max_lifetime", p.maxLifetime().toDays() * 86_400 == p.maxLifetime().toSeconds()
        ? p.maxLifetime().toDays() + "d" : p.maxLifetime().toHours() + "h");
    m.put("policy_oids", p.policyOids());
    m.put("server_keygen", p.serverSideKeyGeneration());
    return m;
  }

  /** Stored form (under the barrier). */
  static byte[] encode(Profile p) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeUTF(p.name());
      Map<String, Object> doc = describe(p);
      out.writeInt(doc.size());
      for (Map.Entry<String, Object> e : doc.entrySet()) {
        out.writeUTF(e.getKey());
        if (e.getValue() instanceof List<?> l) {
          out.writeByte('L');
          out.writeInt(l.size());
          for (Object o : l) {
            out.writeUTF(String.valueOf(o));
          }
        } else {
          out.writeByte('S');
          out.writeUTF(String.valueOf(e.getValue()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Profile decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readUnsignedByte() != 1) {
        throw new InvalidInputException("stored profile has an unknown format");
      }
      String name = in.readUTF();
      int n = in.readInt();
      if (n < 0 || n > KEYS.size()) {
        throw new InvalidInputException("stored profile is malformed");
      }
      Map<String, Object> doc = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String key = in.readUTF();
        if (in.readUnsignedByte() == 'L') {
          int size = in.readInt();
          if (size < 0 || size > MAX_ITEMS) {
            throw new InvalidInputException("stored profile is malformed");
          }
          List<String> l = new ArrayList<>();
          for (int j = 0; j < size; j++) {
            l.add(in.readUTF());
          }
          doc.put(key, l);
        } else {
          doc.put(key, in.readUTF());
        }
      }
      return parse(name, doc);
    } catch (IOException e) {
      throw new InvalidInputException("stored profile is malformed");
    }
  }

  private static RequestChecks.Violation v(String control, String message) {
    return new RequestChecks.Violation(control, message);
  }

  private static java.util.Optional<String> string(Map<String, ?> doc, String key, List<RequestChecks.Violation> out) {
    Object o = doc.get(key);
    if (o == null) {
      return java.util.Optional.empty();
    }
    if (o instanceof Collection<?> || o instanceof Map<?, ?>) {
      out.add(v("SS-002 11.1.6", key + " must be a single value"));
      return java.util.Optional.empty();
    }
    String s = String.valueOf(o).strip();
    if (s.length() > 200) {
      out.add(v("SS-002 11.1.6", key + " is longer than 200 characters"));
    }
    return java.util.Optional.of(s);
  }

  private static List<String> list(Map<String, ?> doc, String key, List<RequestChecks.Violation> out) {
    Object o = doc.get(key);
    if (o == null) {
      return List.of();
    }
    if (!(o instanceof Collection<?> c)) {
      out.add(v("SS-002 11.1.6", key + " must be a list, e.g. " + key + ": [a, b]"));
      return List.of();
    }
    if (c.size() > MAX_ITEMS) {
      out.add(v("SS-002 11.1.6", key + " has more than " + MAX_ITEMS + " entries"));
      return List.of();
    }
    List<String> l = new ArrayList<>();
    for (Object item : c) {
      if (item == null || item instanceof Collection<?> || item instanceof Map<?, ?> || String.valueOf(item).isBlank()) {
        out.add(v("SS-002 11.1.6", key + " must be a list of non-empty names"));
        return List.of();
      }
      l.add(String.valueOf(item).strip());
    }
    return l;
  }

  private static boolean bool(Map<String, ?> doc, String key, List<RequestChecks.Violation> out) {
    Object o = doc.get(key);
    if (o == null) {
      return false;
    }
    String s = String.valueOf(o).strip();
    if (s.equals("true")) {
      return true;
    }
    if (!s.equals("false")) {
      out.add(v("SS-002 11.1.6", key + " must be true or false, got '" + s + "'"));
    }
    return false;
  }

  private static List<String> sorted(Collection<String> c) {
    return c.stream().sorted().toList();
  }

  private static Set<String> minus(Set<String> a, Set<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.removeAll(b);
    return out;
  }
}
