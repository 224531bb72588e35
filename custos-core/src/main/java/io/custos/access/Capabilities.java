package io.custos.access;

import io.custos.failure.InvalidInputException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every capability Custos knows, with what it allows. Policies may grant only these (or a
 * family wildcard such as {@code kms:*}); anything else is refused when the policy is loaded.
 */
public final class Capabilities {
  private static final Map<String, String> ALL;

  static {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("sys:read", "read seal status and health details");
    m.put("operator:seal", "seal the node, wiping key material from memory");
    m.put("operator:rotate", "add a barrier key version");
    m.put("audit:read", "read, export, search and prove the audit log");
    m.put("audit:import", "import an offline root's verified ceremony log into the audit log");
    m.put("kms:create", "create keys");
    m.put("kms:import", "import keys (bring your own key)");
    m.put("kms:list", "list every key in the inventory");
    m.put("kms:read", "read a key's metadata and public key");
    m.put("kms:rotate", "rotate a key");
    m.put("kms:manage", "activate, suspend or deactivate a key");
    m.put("kms:compromise", "mark a key compromised");
    m.put("kms:destroy", "destroy a key");
    m.put("kms:encrypt", "encrypt under a key");
    m.put("kms:decrypt", "decrypt under a key");
    m.put("kms:datakey", "generate data keys under a key");
    m.put("kms:rewrap", "rewrap ciphertexts to a key's newest version");
    m.put("kms:sign", "sign with a key");
    m.put("kms:verify", "verify signatures of a key");
    m.put("kms:mac", "compute MACs with a key");
    m.put("kms:verify-mac", "verify MACs of a key");
    m.put("kms:wrap", "wrap keys under a wrap key");
    m.put("kms:unwrap", "unwrap keys under a wrap key");
    m.put("kms:export", "let a key be wrapped out under another key");
    m.put("kms:backup", "back up a key");
    m.put("kms:restore", "restore a key from backup");
    m.put("access:read", "read principals, policies and tokens' metadata");
    m.put("access:principal-write", "create, change and disable principals");
    m.put("access:role-write", "change a principal's roles and policies");
    m.put("access:policy-write", "write and delete policies");
    m.put("access:token-create", "create tokens for a principal");
    m.put("access:token-revoke", "revoke tokens");
    m.put("access:revoke", "revoke every authorisation of a principal, token, certificate or key");
    m.put("access:review", "run the access review");
    m.put("approval:read", "list and read approval requests");
    m.put("approval:decide", "approve or deny approval requests");
    m.put("trust:read", "read trust stores");
    m.put("trust:import", "add anchors to a trust store");
    m.put("trust:export", "export a trust store");
    m.put("ca:create", "create certificate authorities");
    m.put("ca:read", "read CAs and certificates");
    m.put("ca:issue", "issue certificates");
    m.put("ca:revoke", "revoke certificates");
    m.put("ca:profile", "create, replace and delete custom certificate profiles");
    m.put("compromise:declare", "declare a key compromised, revoking everything tied to it");
    m.put("compromise:read", "read the key compromise recovery plan");
    ALL = Collections.unmodifiableMap(m);
  }

  private Capabilities() {}

  /** Every capability with its description, in a stable order. */
  public static Map<String, String> all() {
    return ALL;
  }

  public static Set<String> names() {
    return ALL.keySet();
  }

  /** True if {@code pattern} is a capability, {@code family:*} for a known family, or {@code *}. */
  public static boolean valid(String pattern) {
    if (pattern == null) {
      return false;
    }
    if (pattern.equals("*") || ALL.containsKey(pattern)) {
      return true;
    }
    if (pattern.endsWith(":*")) {
      String family = pattern.substring(0, pattern.length() - 1);
      return ALL.keySet().stream().anyMatch(c -> c.startsWith(family));
    }
    return false;
  }

  /** Whether {@code pattern} (as {@link #valid}) covers {@code capability}. */
  public static boolean covers(String pattern, String capability) {
    if (pattern.equals("*") || pattern.equals(capability)) {
      return true;
    }
    return pattern.endsWith(":*") && capability.startsWith(pattern.substring(0, pattern.length() - 1));
  }

  public static void check(String pattern) {
    if (!valid(pattern)) {
      throw new InvalidInputException("unknown capability '" + pattern + "'");
    }
  }
}
