package io.custos.kms;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.access.Decision;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.store.MemoryRecordStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A key manager over a real FIPS module, a real barrier and an in-memory store, with a clock tests move. */
final class Kms implements AutoCloseable {
  static final CryptoModule MODULE = FipsCryptoModule.start();
  static final Caller ALICE = new Caller("alice", "token", "127.0.0.1", "req-alice");
  static final Caller BOB = new Caller("bob", "token", "127.0.0.1", "req-bob");
  static final Caller ANONYMOUS = Caller.anonymous("127.0.0.1", "req-anon");

  final MemoryRecordStore records = new MemoryRecordStore();
  final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
  /** Grants as "principal capability resource" strings; everything else is denied. */
  final Set<String> grants = ConcurrentHashMap.newKeySet();
  final AccessGate gate = (caller, capability, resource) ->
      grants.contains(caller.principalId() + " " + capability + " " + resource)
          || grants.contains(caller.principalId() + " * *")
          ? new Decision.Allow(caller.principalId() + " " + capability + " " + resource)
          : new Decision.Deny("no grant", Optional.empty());
  final KeyManager keys;

  Kms() {
    this(AlgorithmPolicy.defaults());
  }

  Kms(AlgorithmPolicy policy) {
    grants.add("alice kms:create keys/*");
    keys = newManager(policy);
  }

  KeyManager newManager(AlgorithmPolicy policy) {
    return new KeyManager(records, () -> barrier, MODULE, provider(), policy, wildcardGate(), clock);
  }

  static AsymmetricProvider provider() {
    return io.custos.crypto.AsymmetricProviders.select("jdk");
  }

  private AccessGate wildcardGate() {
    return (caller, capability, resource) -> {
      Decision d = gate.check(caller, capability, resource);
      if (d instanceof Decision.Allow) {
        return d;
      }
      return gate.check(caller, capability, "keys/*");
    };
  }

  ManagedKey create(String name, KeyPurpose purpose, String algorithm) {
    return keys.create(ALICE, KeySpec.of(name, purpose, algorithm, "alice"));
  }

  @Override
  public void close() {
    keys.close();
    barrier.close();
  }

  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
