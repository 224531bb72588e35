package io.custos.access;

import io.custos.barrier.Barrier;
import io.custos.crypto.CryptoModule;
import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The front door of access control: principals, policies and tokens, authentication of
 * requests, and the authorisation decision every other front door asks for (SS-002 11.3.5,
 * 11.3.12). Everything is stored under the barrier, so it cannot be altered unnoticed, and is
 * read from the store on every decision: a revocation takes effect on the very next request
 * (SS-002 11.6.1).
 *
 * <p>The root token from {@code operator init} authenticates principal {@code root}, which holds
 * every capability; it exists for bootstrap and can be revoked like any token.
 */
public final class AccessControl implements AccessGate, Authenticator {
  public static final String PRINCIPAL_TYPE = "access.principal";
  public static final String POLICY_TYPE = "access.policy";
  public static final String TOKEN_TYPE = Tokens.TYPE;
  public static final String TOKEN_ACCESSOR_TYPE = Tokens.ACCESSOR_TYPE;
  public static final String TOKEN_KEY_TYPE = Tokens.KEY_TYPE;
  static final String ROOT_TOKEN_TYPE = "auth.root-token";
  public static final String ROOT = "root";
  private static final Policy ROOT_POLICY = new Policy("root", 1, "every capability (bootstrap)",
      List.of(Grant.of("*", "**")), java.util.Set.of(), Policy.DEFAULT_STEP_UP);

  private final RecordStore records;
  private final Supplier<Barrier> barrier;
  private final Clock clock;
  private final Tokens tokens;
  /** Last use of each grant, by "principal|grant", for the access review. */
  private final Map<String, Instant> lastUse = new ConcurrentHashMap<>();
  /** When each principal last authenticated, since start, for finding dormant principals. */
  private final Map<String, Instant> lastAuthenticated = new ConcurrentHashMap<>();

  public AccessControl(RecordStore records, Supplier<Barrier> barrier, CryptoModule module, Clock clock) {
    this.records = records;
    this.barrier = barrier;
    this.clock = clock;
    this.tokens = new Tokens(records, barrier, module, clock);
  }

  // ---------------------------------------------------------------- principals

  public Principal createPrincipal(Principal p) {
    p.validate();
    if (p.id().equals(ROOT)) {
      throw new InvalidInputException("'root' is reserved for the bootstrap token");
    }
    for (String policy : p.policies()) {
      policy(policy).orElseThrow(() -> new InvalidInputException("no policy named '" + policy + "'"));
    }
    try {
      records.put(PRINCIPAL_TYPE, p.id(), barrier.get().seal(PRINCIPAL_TYPE, p.id(), 1, encode(p).encode()), 0);
    } catch (ConflictException e) {
      throw new ConflictException("principal '" + p.id() + "' already exists");
    }
    return p;
  }

  public Optional<Principal> principal(String id) {
    if (id == null || !Principal.ID.matcher(id).matches()) {
      return Optional.empty();
    }
    return records.get(PRINCIPAL_TYPE, id).map(r -> decodePrincipal(
        Fields.decode(barrier.get().open(PRINCIPAL_TYPE, id, r.version(), r.payload()))));
  }

  public List<Principal> principals() {
    List<Principal> out = new ArrayList<>();
    for (String id : records.list(PRINCIPAL_TYPE, "", 10_000)) {
      principal(id).ifPresent(out::add);
    }
    return out;
  }

  /** Changes a principal; {@code change} gets the current one. */
  public Principal updatePrincipal(String id, java.util.function.UnaryOperator<Principal> change) {
    StoredRecord r = records.get(PRINCIPAL_TYPE, id).orElseThrow(() -> new NotFoundException("no principal '" + id + "'"));
    Principal current = decodePrincipal(Fields.decode(barrier.get().open(PRINCIPAL_TYPE, id, r.version(), r.payload())));
    Principal next = change.apply(current).validate();
    for (String policy : next.policies()) {
      policy(policy).orElseThrow(() -> new InvalidInputException("no policy named '" + policy + "'"));
    }
    records.put(PRINCIPAL_TYPE, id, barrier.get().seal(PRINCIPAL_TYPE, id, r.version() + 1, encode(next).encode()),
        r.version());
    return next;
  }

  /** The principal a client certificate (by SPKI SHA-256, hex) is bound to. */
  public Optional<Principal> principalForCertificate(String spkiSha256) {
    return principals().stream().filter(p -> p.clientCertificates().contains(spkiSha256)).findFirst();
  }

  // ---------------------------------------------------------------- policies

  public Policy writePolicy(Policy p) {
    p.validate();
    if (p.name().startsWith("role:") || p.name().equals("root")) {
      throw new InvalidInputException("'" + p.name() + "' is a built-in name");
    }
    Optional<StoredRecord> r = records.get(POLICY_TYPE, p.name());
    long expected = r.map(StoredRecord::version).orElse(0L);
    int version = r.map(x -> decodePolicy(p.name(), x).version() + 1).orElse(1);
    Policy stored = p.withVersion(version);
    records.put(POLICY_TYPE, p.name(), barrier.get().seal(POLICY_TYPE, p.name(), expected + 1,
        PolicyCodec.encode(stored)), expected);
    return stored;
  }

  /** A stored policy, or a built-in role's as {@code role:<name>}. */
  public Optional<Policy> policy(String name) {
    if (name.startsWith("role:")) {
      return Optional.ofNullable(BuiltInRoles.all().get(name.substring(5)));
    }
    if (!name.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
      return Optional.empty();
    }
    return records.get(POLICY_TYPE, name).map(r -> decodePolicy(name, r));
  }

  public List<Policy> policies() {
    List<Policy> out = new ArrayList<>(BuiltInRoles.all().values());
    for (String n : records.list(POLICY_TYPE, "", 10_000)) {
      policy(n).ifPresent(out::add);
    }
    return out;
  }

  public void deletePolicy(String name) {
    StoredRecord r = records.get(POLICY_TYPE, name).orElseThrow(() -> new NotFoundException("no policy '" + name + "'"));
    List<String> users = principals().stream().filter(p -> p.policies().contains(name)).map(Principal::id).toList();
    if (!users.isEmpty()) {
      throw new ConflictException("policy '" + name + "' is attached to " + users + "; detach it first");
    }
    records.delete(POLICY_TYPE, name, r.version());
  }

  private Policy decodePolicy(String name, StoredRecord r) {
    return PolicyCodec.decode(barrier.get().open(POLICY_TYPE, name, r.version(), r.payload()));
  }

  // ---------------------------------------------------------------- tokens

  /** A new token for {@code principal}; the text is shown once. */
  public Tokens.Issued createToken(String principal, Duration ttl, Duration maxTtl, String createdBy) {
    return createToken(principal, ttl, maxTtl, createdBy, Optional.empty());
  }

  /**
   * A new token, recording the client certificate (SPKI SHA-256, hex) its creator authenticated
   * with, so that a compromise of that key revokes the token too (SS-002 11.6.1).
   */
  public Tokens.Issued createToken(String principal, Duration ttl, Duration maxTtl, String createdBy,
      Optional<String> obtainedWith) {
    Principal p = principal(principal).orElseThrow(() -> new NotFoundException("no principal '" + principal + "'"));
    if (p.disabled()) {
      throw new ConflictException("principal '" + principal + "' is disabled");
    }
    return tokens.create(principal, ttl, maxTtl, createdBy, obtainedWith);
  }

  public Optional<Tokens.Info> lookupToken(String token) {
    return tokens.lookup(token);
  }

  public Tokens.Info renewToken(String token, Duration increment) {
    return tokens.renew(token, increment);
  }

  public Tokens.Info recordSecondFactor(String token) {
    return tokens.secondFactor(token, clock.instant());
  }

  public List<Tokens.Info> tokens(String principal) {
    return tokens.list(principal);
  }

  /**
   * Revokes one token, by its text or accessor, or the root token by its text.
   *
   * @return whether a live token was revoked
   */
  public boolean revokeToken(String tokenOrAccessor) {
    Optional<StoredRecord> root = records.get(ROOT_TOKEN_TYPE, sha256Hex(tokenOrAccessor));
    if (root.isPresent()) {
      records.delete(ROOT_TOKEN_TYPE, sha256Hex(tokenOrAccessor), root.get().version());
      return true;
    }
    return tokens.revoke(tokenOrAccessor);
  }

  /**
   * Revokes every authorisation of a principal: disables it, revokes its tokens and drops its
   * client-certificate bindings (SS-002 11.6.1).
   *
   * @return how many tokens were revoked
   */
  public int revokePrincipal(String id) {
    updatePrincipal(id, p -> p.withDisabled(true).withClientCertificates(List.of()));
    return tokens.revokeAll(id);
  }

  /** Drops the binding of a client certificate (SPKI SHA-256 hex) wherever it is. */
  public List<String> revokeCertificate(String spkiSha256) {
    List<String> from = new ArrayList<>();
    for (Principal p : principals()) {
      if (p.clientCertificates().contains(spkiSha256)) {
        List<String> rest = new ArrayList<>(p.clientCertificates());
        rest.remove(spkiSha256);
        updatePrincipal(p.id(), x -> x.withClientCertificates(rest));
        from.add(p.id());
      }
    }
    return from;
  }

  /**
   * Removes every grant that names {@code keys/<name>} exactly from stored policies, so that no
   * policy keeps authorising a revoked key (wildcard grants are left: they name no key).
   *
   * @return the policies changed
   */
  public List<String> revokeKeyGrants(String keyName) {
    List<String> changed = new ArrayList<>();
    for (String n : records.list(POLICY_TYPE, "", 10_000)) {
      Policy p = policy(n).orElseThrow();
      List<Grant> kept = p.grants().stream().filter(g -> !g.resource().equals("keys/" + keyName)).toList();
      if (kept.size() != p.grants().size()) {
        writePolicy(new Policy(p.name(), p.version(), p.description(), kept, p.stepUp(), p.stepUpWithin()));
        changed.add(n);
      }
    }
    return changed;
  }

  /** Revokes every token obtained by a caller authenticated with this client certificate (SPKI SHA-256 hex). */
  public List<String> revokeTokensObtainedWith(String spkiSha256) {
    return tokens.revokeObtainedWith(spkiSha256);
  }

  /**
   * Removes every grant on {@code resource} or anything under it ({@code ca/issuing},
   * {@code ca/issuing/profiles/tls-server}) from stored policies; wildcard grants that name no
   * particular resource are left.
   *
   * @return the policies changed
   */
  public List<String> revokeGrantsUnder(String resource) {
    List<String> changed = new ArrayList<>();
    for (String n : records.list(POLICY_TYPE, "", 10_000)) {
      Policy p = policy(n).orElseThrow();
      List<Grant> kept = p.grants().stream()
          .filter(g -> !g.resource().equals(resource) && !g.resource().startsWith(resource + "/")).toList();
      if (kept.size() != p.grants().size()) {
        writePolicy(new Policy(p.name(), p.version(), p.description(), kept, p.stepUp(), p.stepUpWithin()));
        changed.add(n);
      }
    }
    return changed;
  }

  // ---------------------------------------------------------------- authentication

  /**
   * Authenticates a bearer token; empty for unknown, malformed, revoked or expired tokens and for
   * disabled principals. Callers answer 401 without saying which.
   */
  public Optional<Caller> authenticateToken(String token, String clientAddress, String requestId) {
    if (token == null || token.length() > 256) {
      return Optional.empty();
    }
    if (records.get(ROOT_TOKEN_TYPE, sha256Hex(token)).isPresent()) {
      lastAuthenticated.put(ROOT, clock.instant());
      return Optional.of(new Caller(ROOT, "root-token", clientAddress, requestId));
    }
    Optional<Tokens.Info> info = tokens.lookup(token);
    if (info.isEmpty()) {
      return Optional.empty();
    }
    Optional<Principal> p = principal(info.get().principal());
    if (p.isEmpty() || p.get().disabled()) {
      return Optional.empty();
    }
    lastAuthenticated.put(p.get().id(), clock.instant());
    return Optional.of(new Caller(p.get().id(), "token", clientAddress, requestId, info.get().secondFactorAt()));
  }

  /** Authenticates a client certificate by the SHA-256 of its SubjectPublicKeyInfo. */
  public Optional<Caller> authenticateCertificate(byte[] spki, String clientAddress, String requestId) {
    String hash = HexFormat.of().formatHex(sha256(spki));
    Optional<Principal> p = principalForCertificate(hash).filter(x -> !x.disabled());
    p.ifPresent(x -> lastAuthenticated.put(x.id(), clock.instant()));
    return p.map(x -> new Caller(x.id(), "mtls", clientAddress, requestId));
  }

  @Override
  public Optional<Caller> token(String token, String clientAddress, String requestId) {
    return authenticateToken(token, clientAddress, requestId);
  }

  @Override
  public Optional<Caller> certificate(byte[] spki, String clientAddress, String requestId) {
    return authenticateCertificate(spki, clientAddress, requestId);
  }

  // ---------------------------------------------------------------- authorisation

  @Override
  public Decision check(Caller caller, String capability, String resource) {
    return check(caller, capability, resource, Map.of());
  }

  /** The decision for {@code capability} on {@code resource}, with constraint attributes. */
  @Override
  public Decision check(Caller caller, String capability, String resource, Map<String, List<String>> attributes) {
    if (caller.principalId().equals("anonymous")) {
      return new Decision.Deny("the request is not authenticated", Optional.of("SS-002 11.3.12"));
    }
    PolicyEngine.Subject subject;
    if (caller.principalId().equals(ROOT) && caller.authMethod().equals("root-token")) {
      subject = new PolicyEngine.Subject(rootPrincipal(), List.of(ROOT_POLICY), Optional.empty());
    } else {
      Optional<Principal> p = principal(caller.principalId());
      if (p.isEmpty()) {
        return new Decision.Deny("principal '" + caller.principalId() + "' does not exist", Optional.of("SS-002 11.3.12"));
      }
      subject = new PolicyEngine.Subject(p.get(), resolve(p.get()), caller.secondFactorAt());
    }
    Decision d = PolicyEngine.evaluate(subject, new PolicyEngine.Request(capability, resource, attributes, clock.instant()));
    if (d instanceof Decision.Allow a) {
      lastUse.put(caller.principalId() + "|" + a.grant(), clock.instant());
    }
    return d;
  }

  private List<Policy> resolve(Principal p) {
    List<Policy> out = new ArrayList<>();
    for (String r : p.roles()) {
      out.add(BuiltInRoles.policy(r));
    }
    for (String n : p.policies()) {
      policy(n).ifPresent(out::add);
    }
    return out;
  }

  /** When each principal last used each policy grant, since start. */
  public Map<String, Instant> lastUse() {
    return Map.copyOf(lastUse);
  }

  /**
   * When each principal last authenticated (token or client certificate), since this node
   * started: held in memory only, so a restart forgets it and the review counts from the start.
   */
  public Map<String, Instant> lastAuthentication() {
    return Map.copyOf(lastAuthenticated);
  }

  /** Wipes what this service holds in memory (on seal). */
  public void wipe() {
    tokens.wipe();
  }

  private Principal rootPrincipal() {
    return new Principal(ROOT, PrincipalKind.PERSON, "Bootstrap root", "root@localhost", Optional.empty(), List.of(),
        List.of(), List.of(), false, Instant.EPOCH);
  }

  // ---------------------------------------------------------------- codec

  private static Fields encode(Principal p) {
    Fields f = new Fields().put("id", p.id()).put("kind", p.kind().id()).put("name", p.displayName())
        .put("email", p.email()).put("roles", p.roles()).put("policies", p.policies())
        .put("certs", p.clientCertificates()).put("disabled", String.valueOf(p.disabled()))
        .put("created", p.createdAt().toString());
    p.phone().ifPresent(ph -> f.put("phone", ph));
    return f;
  }

  private static Principal decodePrincipal(Fields f) {
    return new Principal(f.one("id"), PrincipalKind.parse(f.one("kind")), f.one("name"), f.one("email"),
        f.optional("phone"), f.list("roles"), f.list("policies"), f.list("certs"),
        Boolean.parseBoolean(f.one("disabled")), Instant.parse(f.one("created")));
  }

  static String sha256Hex(String text) {
    return HexFormat.of().formatHex(sha256(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
