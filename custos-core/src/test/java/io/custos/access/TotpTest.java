package io.custos.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.Mac;
import io.custos.crypto.SecretBytes;
import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.PermissionDeniedException;
import io.custos.store.MemoryRecordStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6238 TOTP and the per-person second factor built on it, on a fake clock. */
class TotpTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private Instant now = Instant.parse("2026-03-01T09:00:10Z");
  private final Clock clock = io.custos.TestClocks.following(() -> now);
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, clock);
  private final SecondFactors factors = new SecondFactors(records, () -> barrier, MODULE, clock, access);

  @AfterEach
  void close() {
    barrier.close();
  }

  @ParameterizedTest(name = "T={0}s")
  @CsvSource({
      "59, 94287082, 46119246",
      "1111111109, 07081804, 68084774",
      "1111111111, 14050471, 67062674",
      "1234567890, 89005924, 91819424",
      "2000000000, 69279037, 90698825",
      "20000000000, 65353130, 77737706"})
  @DisplayName("RFC 6238 Appendix B test vectors, HMAC-SHA-1 and HMAC-SHA-256 from the FIPS module")
  void rfc6238Vectors(long seconds, String sha1, String sha256) {
    long step = Totp.step(Instant.ofEpochSecond(seconds));
    try (SecretBytes k1 = SecretBytes.copyOf("12345678901234567890".getBytes(StandardCharsets.US_ASCII));
        SecretBytes k256 = SecretBytes.copyOf("12345678901234567890123456789012".getBytes(StandardCharsets.US_ASCII))) {
      assertThat(Totp.code(MODULE.hmac(Totp.Algorithm.SHA1.mac(), k1), step, 8)).isEqualTo(sha1);
      assertThat(Totp.code(MODULE.hmac(Totp.Algorithm.SHA256.mac(), k256), step, 8)).isEqualTo(sha256);
    }
  }

  @Test
  @DisplayName("codes one step either side of now are accepted, two steps away are not; malformed codes never")
  void window() {
    try (SecretBytes k = SecretBytes.copyOf("12345678901234567890".getBytes(StandardCharsets.US_ASCII))) {
      Mac mac = MODULE.hmac(Totp.Algorithm.SHA1.mac(), k);
      long s = Totp.step(now);
      for (int d = -1; d <= 1; d++) {
        assertThat(Totp.match(mac, Totp.code(mac, s + d, 6), now, Long.MIN_VALUE)).hasValue(s + d);
      }
      assertThat(Totp.match(mac, Totp.code(mac, s - 2, 6), now, Long.MIN_VALUE)).isEmpty();
      assertThat(Totp.match(mac, Totp.code(mac, s + 2, 6), now, Long.MIN_VALUE)).isEmpty();
      // A step already used (or an earlier one) is refused.
      assertThat(Totp.match(mac, Totp.code(mac, s, 6), now, s)).isEmpty();
      assertThat(Totp.match(mac, Totp.code(mac, s - 1, 6), now, s)).isEmpty();
      assertThat(Totp.match(mac, Totp.code(mac, s + 1, 6), now, s)).hasValue(s + 1);
      for (String bad : new String[] {"", "12345", "1234567", "12a456", " 23456", null}) {
        assertThat(Totp.match(mac, bad, now, Long.MIN_VALUE)).isEmpty();
      }
    }
  }

  @Test
  @DisplayName("base32 as RFC 4648 section 10, without padding")
  void base32() {
    assertThat(Totp.base32("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YTBOI");
    assertThat(Totp.base32("f".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MY");
    assertThat(Totp.base32("12345678901234567890".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  }

  private Principal person(String id, String... roles) {
    return access.createPrincipal(new Principal(id, PrincipalKind.PERSON, "Person " + id, id + "@example.com",
        Optional.empty(), List.of(roles), List.of(), List.of(), false, now));
  }

  /** The code an authenticator app would show now for this enrolment. */
  private String appCode(SecondFactors.Enrolment e, Instant at) {
    byte[] secret = decodeBase32(e.secret());
    try (SecretBytes k = SecretBytes.adopt(secret)) {
      return Totp.code(MODULE.hmac(e.algorithm().mac(), k), Totp.step(at), 6);
    }
  }

  static byte[] decodeBase32(String s) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int buffer = 0;
    int bits = 0;
    for (char c : s.toCharArray()) {
      buffer = (buffer << 5) | alphabet.indexOf(c);
      bits += 5;
      if (bits >= 8) {
        out.write((buffer >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return out.toByteArray();
  }

  @Test
  @DisplayName("SS-002 11.3.11 — enrol, confirm, verify on the token session; replayed codes refused; fresh for 5 minutes")
  void enrolConfirmVerify() {
    person("carol", "custodian");
    Tokens.Issued t = access.createToken("carol", Duration.ofHours(1), Duration.ofHours(1), "root");
    Caller before = access.authenticateToken(t.token(), "", "r").orElseThrow();
    assertThat(access.check(before, "operator:seal", "sys/seal")).isInstanceOfSatisfying(Decision.Deny.class,
        d -> assertThat(d.control()).hasValue("SS-002 11.3.11"));

    SecondFactors.Enrolment e = factors.enroll("carol", Totp.Algorithm.SHA1);
    assertThat(e.secret()).hasSize(32); // 160 bits in base32
    assertThat(e.uri()).startsWith("otpauth://totp/Custos%3Acarol?secret=" + e.secret())
        .contains("issuer=Custos", "algorithm=SHA1", "digits=6", "period=30");
    assertThat(records.map.values()).noneMatch(r -> new String(r.payload(), StandardCharsets.ISO_8859_1).contains(e.secret()));
    // Not confirmed yet: verify refuses.
    assertThatThrownBy(() -> factors.verify("carol", t.token(), appCode(e, now))).isInstanceOf(ConflictException.class);

    factors.confirm("carol", appCode(e, now));
    assertThat(factors.status("carol").orElseThrow().confirmed()).isTrue();
    // The confirming code cannot be used again to verify (same step).
    assertThatThrownBy(() -> factors.verify("carol", t.token(), appCode(e, now)))
        .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("SS-002 11.3.11");
    // A confirmed factor cannot be swapped by whoever holds the token.
    assertThatThrownBy(() -> factors.enroll("carol", Totp.Algorithm.SHA1)).isInstanceOf(ConflictException.class);

    now = now.plusSeconds(30);
    String code = appCode(e, now);
    factors.verify("carol", t.token(), code);
    Caller after = access.authenticateToken(t.token(), "", "r").orElseThrow();
    assertThat(access.check(after, "operator:seal", "sys/seal")).isInstanceOf(Decision.Allow.class);
    // Replay of the same code, within its window, is refused.
    assertThatThrownBy(() -> factors.verify("carol", t.token(), code))
        .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("already used");

    now = now.plus(Duration.ofMinutes(5)).plusSeconds(1);
    Caller stale = access.authenticateToken(t.token(), "", "r").orElseThrow();
    assertThat(access.check(stale, "operator:seal", "sys/seal")).isInstanceOfSatisfying(Decision.Deny.class,
        d -> assertThat(d.control()).hasValue("SS-002 11.3.11"));
  }

  @Test
  @DisplayName("wrong codes count as failures; five in a row lock the person's codes for five minutes")
  void lockout() {
    person("dave");
    SecondFactors.Enrolment e = factors.enroll("dave", Totp.Algorithm.SHA256);
    assertThat(e.secret()).hasSize(52); // 256 bits
    String right = appCode(e, now);
    String wrong = right.equals("000000") ? "000001" : "000000";
    for (int i = 0; i < SecondFactors.MAX_FAILURES; i++) {
      assertThatThrownBy(() -> factors.confirm("dave", wrong)).isInstanceOf(PermissionDeniedException.class);
    }
    assertThat(factors.status("dave").orElseThrow().lockedUntil()).isPresent();
    assertThatThrownBy(() -> factors.confirm("dave", right)).hasMessageContaining("too many wrong codes");
    now = now.plus(SecondFactors.LOCKOUT).plusSeconds(1);
    factors.confirm("dave", appCode(e, now));
    assertThat(factors.status("dave").orElseThrow().failures()).isZero();
  }

  @Test
  @DisplayName("machines cannot enrol; a token of another principal cannot be marked")
  void peopleOnly() {
    access.createPrincipal(new Principal("ci-runner", PrincipalKind.MACHINE, "CI", "ci@example.com", Optional.empty(),
        List.of(), List.of(), List.of(), false, now));
    assertThatThrownBy(() -> factors.enroll("ci-runner", Totp.Algorithm.SHA1))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("for people");
    person("erin");
    person("frank");
    SecondFactors.Enrolment e = factors.enroll("erin", Totp.Algorithm.SHA1);
    factors.confirm("erin", appCode(e, now));
    Tokens.Issued franks = access.createToken("frank", Duration.ofHours(1), Duration.ofHours(1), "root");
    now = now.plusSeconds(30);
    assertThatThrownBy(() -> factors.verify("erin", franks.token(), appCode(e, now)))
        .isInstanceOf(InvalidInputException.class);
  }
}
