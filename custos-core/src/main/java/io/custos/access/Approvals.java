package io.custos.access;

import io.custos.barrier.Barrier;
import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The front door of dual control (SS-002 11.3.11, privileged access): which capabilities need
 * M-of-N approval, and the approval requests themselves, stored under the barrier.
 *
 * <p>A request covers one exact operation (its digest) by one requester. It executes once, after
 * {@code M} distinct approvers holding {@code approval:decide} on
 * {@code approvals/<family>/<capability>} agreed, and before it expires. Every approval is
 * checked against the {@link SeparationOfDuties} rules; a denial by any approver ends it. State
 * changes are compare-and-set on the stored record, so two executions cannot both succeed.
 */
public final class Approvals {
  public static final String TYPE = "access.approval";
  public static final String DECIDE = "approval:decide";
  public static final String READ = "approval:read";
  public static final Duration DEFAULT_EXPIRY = Duration.ofHours(24);
  private static final int ATTEMPTS = 5;
  private static final int MAX_REASON = 512;

  /**
   * Which capabilities need how many approvals, and how long a request lives.
   *
   * @param required capability to M (at least 1); capabilities not listed need none
   */
  public record Settings(Map<String, Integer> required, Duration expiry) {
    public Settings {
      required = Map.copyOf(required);
      Objects.requireNonNull(expiry, "expiry");
      for (Map.Entry<String, Integer> e : required.entrySet()) {
        if (!Capabilities.names().contains(e.getKey())) {
          throw new InvalidInputException("approvals: unknown capability '" + e.getKey() + "'");
        }
        if (e.getValue() < 1 || e.getValue() > 16) {
          throw new InvalidInputException("approvals: " + e.getKey() + " needs from 1 to 16 approvals, got "
              + e.getValue());
        }
      }
      if (expiry.compareTo(Duration.ofMinutes(1)) < 0 || expiry.compareTo(Duration.ofDays(30)) > 0) {
        throw new InvalidInputException("approvals: expiry must be from 1m to 30d, got " + expiry);
      }
    }

    /** Production defaults: two approvers for key export, backup and destroy, policy and role changes, CA creation and trust-store import/export. */
    public static Settings defaults() {
      Map<String, Integer> m = new LinkedHashMap<>();
      for (String c : List.of("kms:export", "kms:backup", "kms:destroy", "access:policy-write", "access:role-write",
          "ca:create", "trust:import", "trust:export")) {
        m.put(c, 2);
      }
      return new Settings(m, DEFAULT_EXPIRY);
    }

    /** No approvals (the development-server default). */
    public static Settings none() {
      return new Settings(Map.of(), DEFAULT_EXPIRY);
    }
  }

  private final RecordStore records;
  private final Supplier<Barrier> barrier;
  private final AccessGate gate;
  private final Function<String, Optional<String>> owners;
  private final Settings settings;
  private final Clock clock;
  private final SecureRandom random;

  /**
   * @param gate decides {@code approval:decide} for approvers
   * @param owners the owner of a resource ({@code keys/NAME} to the key's owner), for separation of duties
   */
  public Approvals(RecordStore records, Supplier<Barrier> barrier, AccessGate gate,
      Function<String, Optional<String>> owners, Settings settings, Clock clock, SecureRandom random) {
    this.records = Objects.requireNonNull(records, "records");
    this.barrier = Objects.requireNonNull(barrier, "barrier");
    this.gate = Objects.requireNonNull(gate, "gate");
    this.owners = Objects.requireNonNull(owners, "owners");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  public Settings settings() {
    return settings;
  }

  /** How many approvals {@code capability} needs; 0 if none. */
  public int required(String capability) {
    return settings.required().getOrDefault(capability, 0);
  }

  /** The resource approvers need {@code approval:decide} on: {@code approvals/kms/backup} for {@code kms:backup}. */
  public static String resourceFor(String capability) {
    return "approvals/" + capability.replace(':', '/');
  }

  /** {@code inner}, answering also which operations need approvals. */
  public ApprovalGate guard(AccessGate inner) {
    Objects.requireNonNull(inner, "inner");
    return new ApprovalGate() {
      @Override
      public Decision check(Caller caller, String capability, String resource) {
        return inner.check(caller, capability, resource);
      }

      @Override
      public Decision check(Caller caller, String capability, String resource,
          java.util.Map<String, java.util.List<String>> attributes) {
        // The attributes (e.g. the names a ca:issue request asks for) reach the grants' constraints.
        return inner.check(caller, capability, resource, attributes);
      }

      @Override
      public Approvals approvals() {
        return Approvals.this;
      }
    };
  }

  /**
   * SHA-256 (hex) of an operation: method, path (with any query) and the SHA-256 of the
   * canonical body, each length-prefixed so no two operations share a digest.
   */
  public static String digest(String method, String pathAndQuery, byte[] canonicalBody) {
    MessageDigest md = sha256();
    byte[] bodyHash = sha256().digest(canonicalBody);
    for (byte[] part : List.of(method.getBytes(StandardCharsets.UTF_8), pathAndQuery.getBytes(StandardCharsets.UTF_8),
        bodyHash)) {
      md.update(java.nio.ByteBuffer.allocate(4).putInt(part.length).array());
      md.update(part);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  // ---------------------------------------------------------------- lifecycle

  /** A new pending request by {@code requester} for one exact operation. */
  public ApprovalRequest request(Caller requester, String capability, String resource, String operation, String digest) {
    int m = required(capability);
    if (m == 0) {
      throw new InvalidInputException("'" + capability + "' needs no approval");
    }
    Instant now = clock.instant();
    byte[] raw = new byte[16];
    random.nextBytes(raw);
    String id = HexFormat.of().formatHex(raw);
    ApprovalRequest r = new ApprovalRequest(id, capability, resource, requester.principalId(), operation, digest, now,
        now.plus(settings.expiry()), m, List.of(), Optional.empty(), ApprovalRequest.Status.PENDING, Optional.empty());
    records.put(TYPE, id, barrier.get().seal(TYPE, id, 1, encode(r).encode()), 0);
    return r;
  }

  /** The request with {@code id}, if any. */
  public Optional<ApprovalRequest> find(String id) {
    if (id == null || !id.matches("[0-9a-f]{32}")) {
      return Optional.empty();
    }
    return records.get(TYPE, id).map(r -> decode(open(r)));
  }

  public ApprovalRequest get(String id) {
    return find(id).orElseThrow(() -> new NotFoundException("no approval request '" + id + "'"));
  }

  /** Every request, newest first, optionally only those in {@code status} now. */
  public List<ApprovalRequest> list(Optional<ApprovalRequest.Status> status) {
    Instant now = clock.instant();
    List<ApprovalRequest> out = new ArrayList<>();
    for (String id : records.list(TYPE, "", 10_000)) {
      find(id).filter(r -> status.isEmpty() || r.statusAt(now) == status.get()).ifPresent(out::add);
    }
    out.sort(Comparator.comparing(ApprovalRequest::createdAt).reversed());
    return out;
  }

  /** The status of {@code r} now (expiry applied). */
  public ApprovalRequest.Status statusOf(ApprovalRequest r) {
    return r.statusAt(clock.instant());
  }

  /**
   * Records {@code approver}'s approval. Refused unless the approver holds
   * {@code approval:decide} for the capability, the request is pending, the approver has not
   * approved it already and no separation-of-duties rule forbids it.
   */
  public ApprovalRequest approve(Caller approver, String id) {
    return change(id, r -> {
      authorise(approver, r);
      Instant now = clock.instant();
      requireOpen(r, now, false);
      SeparationOfDuties.check(new SeparationOfDuties.Subject(r, approver.principalId(), owners.apply(r.resource())));
      if (r.approvedBy(approver.principalId())) {
        throw new ConflictException("'" + approver.principalId() + "' has already approved request " + r.id()
            + "; an approver counts once, and it needs " + r.required() + " distinct approvers (has "
            + r.approvals().size() + ")");
      }
      List<ApprovalRequest.Approval> approvals = new ArrayList<>(r.approvals());
      approvals.add(new ApprovalRequest.Approval(approver.principalId(), now));
      ApprovalRequest.Status next = approvals.size() >= r.required()
          ? ApprovalRequest.Status.APPROVED : ApprovalRequest.Status.PENDING;
      return r.with(approvals, Optional.empty(), next, Optional.empty());
    });
  }

  /** The separation-of-duties rule {@code approver} approving {@code r} would break, if any (for the audit record). */
  public Optional<String> violatedRule(Caller approver, ApprovalRequest r) {
    return SeparationOfDuties.violated(new SeparationOfDuties.Subject(r, approver.principalId(),
        owners.apply(r.resource()))).map(SeparationOfDuties.Rule::name);
  }

  /** Ends a pending or approved request; any authorised approver may deny. */
  public ApprovalRequest deny(Caller approver, String id, String reason) {
    String why = reason == null ? "" : reason.strip();
    if (why.isEmpty()) {
      throw new InvalidInputException("a denial needs a reason");
    }
    if (why.length() > MAX_REASON) {
      throw new InvalidInputException("the reason is longer than " + MAX_REASON + " characters");
    }
    return change(id, r -> {
      authorise(approver, r);
      Instant now = clock.instant();
      requireOpen(r, now, true);
      return r.with(r.approvals(), Optional.of(new ApprovalRequest.Denial(approver.principalId(), now, why)),
          ApprovalRequest.Status.DENIED, Optional.empty());
    });
  }

  /**
   * Marks an approved request executed, once: only by its requester, only for the operation it
   * covers ({@code capability}, {@code resource} and {@code digest} must match), only before it
   * expires. The caller performs the operation only if this returns.
   */
  public ApprovalRequest execute(Caller requester, String id, String capability, String resource, String digest) {
    ApprovalRequest found = find(id).orElseThrow(() -> new NotFoundException("no approval request '" + id + "'"));
    return change(found.id(), r -> {
      if (!r.requester().equals(requester.principalId())) {
        throw new PermissionDeniedException(SeparationOfDuties.CONTROL, "approval request " + r.id() + " was made by '"
            + r.requester() + "'; only its requester may use it");
      }
      if (!r.capability().equals(capability) || !r.resource().equals(resource) || !r.digest().equals(digest)) {
        throw new PermissionDeniedException(SeparationOfDuties.CONTROL, "approval request " + r.id() + " covers "
            + r.operation() + " (" + r.capability() + " on " + r.resource() + ") exactly as requested; "
            + "this operation differs from it");
      }
      Instant now = clock.instant();
      switch (r.statusAt(now)) {
        case APPROVED -> {
          return r.with(r.approvals(), r.denial(), ApprovalRequest.Status.EXECUTED, Optional.of(now));
        }
        case PENDING -> throw new ConflictException("approval request " + r.id() + " is pending: it has "
            + r.approvals().size() + " of " + r.required() + " approvals");
        default -> {
          requireOpen(r, now, true);
          throw new IllegalStateException("unreachable");
        }
      }
    });
  }

  private void authorise(Caller approver, ApprovalRequest r) {
    if (gate.check(approver, DECIDE, resourceFor(r.capability())) instanceof Decision.Deny d) {
      throw new PermissionDeniedException(d.control().orElse("SS-002 11.3.11"), "'" + approver.principalId()
          + "' has no grant of " + DECIDE + " on " + resourceFor(r.capability()) + " (" + d.reason() + ")");
    }
  }

  /** Refuses requests that are decided, executed or expired (approved ones too, unless {@code approvedOk}). */
  private static void requireOpen(ApprovalRequest r, Instant now, boolean approvedOk) {
    switch (r.statusAt(now)) {
      case PENDING -> { }
      case APPROVED -> {
        if (!approvedOk) {
          throw new ConflictException("approval request " + r.id() + " is already approved (" + r.approvals().size()
              + " of " + r.required() + ")");
        }
      }
      case EXECUTED -> throw new ConflictException("approval request " + r.id() + " was executed at "
          + r.executedAt().map(Instant::toString).orElse("?") + "; an approval covers one execution");
      case DENIED -> throw new ConflictException("approval request " + r.id() + " was denied by '"
          + r.denial().map(ApprovalRequest.Denial::principal).orElse("?") + "': "
          + r.denial().map(ApprovalRequest.Denial::reason).orElse(""));
      case EXPIRED -> throw new ConflictException("approval request " + r.id() + " expired at " + r.expiresAt());
    }
  }

  /** Applies {@code change} to the stored request, compare-and-set, retrying on a concurrent change. */
  private ApprovalRequest change(String id, UnaryOperator<ApprovalRequest> change) {
    for (int attempt = 1; ; attempt++) {
      StoredRecord rec = records.get(TYPE, id).orElseThrow(() -> new NotFoundException("no approval request '" + id + "'"));
      ApprovalRequest next = change.apply(decode(open(rec)));
      try {
        records.put(TYPE, id, barrier.get().seal(TYPE, id, rec.version() + 1, encode(next).encode()), rec.version());
        return next;
      } catch (ConflictException e) {
        if (attempt >= ATTEMPTS) {
          throw new ConflictException("approval request " + id + " is changing concurrently; try again");
        }
      }
    }
  }

  private Fields open(StoredRecord r) {
    return Fields.decode(barrier.get().open(TYPE, r.id(), r.version(), r.payload()));
  }

  // ---------------------------------------------------------------- codec

  private static Fields encode(ApprovalRequest r) {
    Fields f = new Fields().put("id", r.id()).put("capability", r.capability()).put("resource", r.resource())
        .put("requester", r.requester()).put("operation", r.operation()).put("digest", r.digest())
        .put("created", r.createdAt().toString()).put("expires", r.expiresAt().toString())
        .put("required", String.valueOf(r.required()))
        .put("approvals", r.approvals().stream().map(a -> a.principal() + " " + a.at()).toList())
        .put("status", r.status().id());
    r.denial().ifPresent(d -> f.put("denied_by", d.principal()).put("denied_at", d.at().toString())
        .put("denied_reason", d.reason()));
    r.executedAt().ifPresent(t -> f.put("executed", t.toString()));
    return f;
  }

  private static ApprovalRequest decode(Fields f) {
    List<ApprovalRequest.Approval> approvals = f.list("approvals").stream().map(s -> {
      int sp = s.indexOf(' ');
      return new ApprovalRequest.Approval(s.substring(0, sp), Instant.parse(s.substring(sp + 1)));
    }).toList();
    Optional<ApprovalRequest.Denial> denial = f.optional("denied_by").map(p ->
        new ApprovalRequest.Denial(p, Instant.parse(f.one("denied_at")), f.one("denied_reason")));
    return new ApprovalRequest(f.one("id"), f.one("capability"), f.one("resource"), f.one("requester"),
        f.one("operation"), f.one("digest"), Instant.parse(f.one("created")), Instant.parse(f.one("expires")),
        Integer.parseInt(f.one("required")), approvals, denial, ApprovalRequest.Status.parse(f.one("status")),
        f.optional("executed").map(Instant::parse));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
