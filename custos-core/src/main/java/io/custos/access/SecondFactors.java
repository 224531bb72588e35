package io.custos.access;

import io.custos.barrier.Barrier;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.SecretBytes;
import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The second factor of people (SS-002 11.3.11): a TOTP secret ({@link Totp}) enrolled by each
 * person for themselves, kept only under the barrier ({@value #TYPE}/&lt;principal&gt;), shown
 * once at enrolment, active after a first code confirms it. A verified code marks the caller's
 * token session as second-factor-fresh, which privileged capabilities ask for.
 *
 * <p>Each time step is accepted once per person: the last step used is stored and a code of
 * that step or an earlier one is refused (replay). Wrong codes count as failed authentications:
 * after {@value #MAX_FAILURES} in a row the person's codes are refused for {@link #LOCKOUT}.
 */
public final class SecondFactors {
  public static final String TYPE = "access.totp";
  public static final int MAX_FAILURES = 5;
  public static final Duration LOCKOUT = Duration.ofMinutes(5);
  static final String CONTROL = "SS-002 11.3.11";
  private static final byte FORMAT = 1;

  /** A new enrolment: the secret, in the clear exactly once. */
  public record Enrolment(String principal, Totp.Algorithm algorithm, String secret, String uri) {
    @Override
    public String toString() {
      return "Enrolment[" + principal + ", " + algorithm + "]";
    }
  }

  /** What is known about a person's enrolment; never the secret. */
  public record Status(String principal, Totp.Algorithm algorithm, boolean confirmed, Instant enrolledAt,
      int failures, Optional<Instant> lockedUntil) {}

  private record Stored(Totp.Algorithm algorithm, boolean confirmed, long lastStep, int failures, long lockedUntilMs,
      long enrolledMs, byte[] secret) {}

  private final RecordStore records;
  private final Supplier<Barrier> barrier;
  private final CryptoModule module;
  private final Clock clock;
  private final AccessControl access;
  private final String issuer;

  public SecondFactors(RecordStore records, Supplier<Barrier> barrier, CryptoModule module, Clock clock,
      AccessControl access) {
    this(records, barrier, module, clock, access, "Custos");
  }

  public SecondFactors(RecordStore records, Supplier<Barrier> barrier, CryptoModule module, Clock clock,
      AccessControl access, String issuer) {
    this.records = Objects.requireNonNull(records, "records");
    this.barrier = Objects.requireNonNull(barrier, "barrier");
    this.module = Objects.requireNonNull(module, "module");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.access = Objects.requireNonNull(access, "access");
    this.issuer = Objects.requireNonNull(issuer, "issuer");
  }

  /**
   * Enrols {@code principal} (a person) with a new random secret. An unconfirmed enrolment is
   * replaced; a confirmed one is not (a stolen token must not be able to swap the factor).
   */
  public Enrolment enroll(String principal, Totp.Algorithm algorithm) {
    person(principal);
    Optional<StoredRecord> r = records.get(TYPE, principal);
    if (r.isPresent() && read(principal, r.get()).confirmed()) {
      throw new ConflictException("'" + principal + "' already has a confirmed second factor; an administrator must"
          + " reset it before a new one can be enrolled");
    }
    try (SecretBytes secret = module.drbg().newKey(algorithm.secretBytes())) {
      byte[] raw = secret.use(byte[]::clone);
      try {
        write(principal, new Stored(algorithm, false, Long.MIN_VALUE, 0, 0, clock.millis(), raw),
            r.map(StoredRecord::version).orElse(0L));
        String b32 = Totp.base32(raw);
        String label = URLEncoder.encode(issuer + ":" + principal, StandardCharsets.UTF_8).replace("+", "%20");
        String uri = "otpauth://totp/" + label + "?secret=" + b32 + "&issuer="
            + URLEncoder.encode(issuer, StandardCharsets.UTF_8).replace("+", "%20") + "&algorithm=" + algorithm.name()
            + "&digits=" + Totp.DIGITS + "&period=" + Totp.STEP_SECONDS;
        return new Enrolment(principal, algorithm, b32, uri);
      } finally {
        Arrays.fill(raw, (byte) 0);
      }
    }
  }

  /** Activates a pending enrolment with a first code from the app. */
  public Status confirm(String principal, String code) {
    person(principal);
    StoredRecord r = records.get(TYPE, principal)
        .orElseThrow(() -> new NotFoundException("'" + principal + "' has not enrolled a second factor (custos totp enroll)"));
    Stored s = read(principal, r);
    if (s.confirmed()) {
      throw new ConflictException("the second factor of '" + principal + "' is already confirmed");
    }
    check(principal, r, s, code);
    return status(principal).orElseThrow();
  }

  /**
   * Checks a code of {@code principal}'s confirmed second factor and, if it is right and fresh,
   * records on {@code token} (which must be the principal's) that its session proved a second
   * factor now.
   */
  public Tokens.Info verify(String principal, String token, String code) {
    person(principal);
    Tokens.Info info = access.lookupToken(token).filter(i -> i.principal().equals(principal))
        .orElseThrow(() -> new InvalidInputException("a second factor is recorded on the caller's own token session;"
            + " authenticate with a token"));
    StoredRecord r = records.get(TYPE, principal)
        .orElseThrow(() -> new NotFoundException("'" + principal + "' has not enrolled a second factor (custos totp enroll)"));
    Stored s = read(principal, r);
    if (!s.confirmed()) {
      throw new ConflictException("the second factor of '" + principal + "' is not confirmed yet (custos totp confirm CODE)");
    }
    check(principal, r, s, code);
    return access.recordSecondFactor(token);
  }

  public Optional<Status> status(String principal) {
    if (principal == null || !Principal.ID.matcher(principal).matches()) {
      return Optional.empty();
    }
    return records.get(TYPE, principal).map(r -> {
      Stored s = read(principal, r);
      Arrays.fill(s.secret(), (byte) 0);
      return new Status(principal, s.algorithm(), s.confirmed(), Instant.ofEpochMilli(s.enrolledMs()), s.failures(),
          s.lockedUntilMs() > clock.millis() ? Optional.of(Instant.ofEpochMilli(s.lockedUntilMs())) : Optional.empty());
    });
  }

  /** Removes a person's enrolment (an administrator's reset, or the person leaving). */
  public boolean reset(String principal) {
    Optional<StoredRecord> r = records.get(TYPE, principal);
    r.ifPresent(x -> records.delete(TYPE, principal, x.version()));
    return r.isPresent();
  }

  private void check(String principal, StoredRecord r, Stored s, String code) {
    long now = clock.millis();
    try {
      if (s.lockedUntilMs() > now) {
        throw new PermissionDeniedException(CONTROL, "too many wrong codes; second-factor codes of '" + principal
            + "' are refused until " + Instant.ofEpochMilli(s.lockedUntilMs()));
      }
      OptionalLong step;
      try (SecretBytes key = SecretBytes.copyOf(s.secret())) {
        step = Totp.match(module.hmac(s.algorithm().mac(), key), code, clock.instant(), s.lastStep());
      }
      if (step.isEmpty()) {
        int failures = s.failures() + 1;
        long lockedUntil = failures >= MAX_FAILURES ? now + LOCKOUT.toMillis() : 0;
        write(principal, new Stored(s.algorithm(), s.confirmed(), s.lastStep(), failures >= MAX_FAILURES ? 0 : failures,
            lockedUntil, s.enrolledMs(), s.secret()), r.version());
        throw new PermissionDeniedException(CONTROL, "the second-factor code is wrong, expired or already used");
      }
      write(principal, new Stored(s.algorithm(), true, step.getAsLong(), 0, 0, s.enrolledMs(), s.secret()), r.version());
    } finally {
      Arrays.fill(s.secret(), (byte) 0);
    }
  }

  private Principal person(String id) {
    Principal p = access.principal(id).orElseThrow(() -> new InvalidInputException(
        "a second factor is enrolled by a person principal for themselves; '" + id + "' is not one"));
    if (p.kind() != PrincipalKind.PERSON) {
      throw new InvalidInputException("a second factor is for people; '" + id + "' is a " + p.kind().id()
          + " (machines authenticate with client certificates)");
    }
    if (p.disabled()) {
      throw new PermissionDeniedException("SS-002 11.3.12", "principal '" + id + "' is disabled");
    }
    return p;
  }

  // ---------------------------------------------------------------- stored form

  private void write(String principal, Stored s, long expectedVersion) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeUTF(s.algorithm().name());
      out.writeBoolean(s.confirmed());
      out.writeLong(s.lastStep());
      out.writeInt(s.failures());
      out.writeLong(s.lockedUntilMs());
      out.writeLong(s.enrolledMs());
      out.writeShort(s.secret().length);
      out.write(s.secret());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] plain = bytes.toByteArray();
    try {
      records.put(TYPE, principal, barrier.get().seal(TYPE, principal, expectedVersion + 1, plain), expectedVersion);
    } catch (ConflictException e) {
      throw new ConflictException("the second factor of '" + principal + "' changed meanwhile; try again");
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  private Stored read(String principal, StoredRecord r) {
    byte[] plain = barrier.get().open(TYPE, principal, r.version(), r.payload());
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plain))) {
      if (in.readUnsignedByte() != FORMAT) {
        throw new InvalidInputException("stored second factor has an unknown format");
      }
      Totp.Algorithm alg = Totp.Algorithm.valueOf(in.readUTF());
      boolean confirmed = in.readBoolean();
      long lastStep = in.readLong();
      int failures = in.readInt();
      long lockedUntil = in.readLong();
      long enrolled = in.readLong();
      byte[] secret = in.readNBytes(in.readUnsignedShort());
      return new Stored(alg, confirmed, lastStep, failures, lockedUntil, enrolled, secret);
    } catch (IOException e) {
      throw new InvalidInputException("stored second factor is truncated");
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }
}
