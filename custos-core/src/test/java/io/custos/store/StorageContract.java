package io.custos.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Storage} adapter must do. Written once; each adapter's test extends it
 * and says how to open (and reopen) a store.
 */
public abstract class StorageContract {
  @TempDir protected Path dir;
  protected Storage storage;

  /** Opens the adapter's store rooted at {@code dir}; opening twice reaches the same data. */
  protected abstract Storage open(Path dir);

  @BeforeEach
  void openStore() {
    storage = open(dir);
  }

  @AfterEach
  void closeStore() {
    storage.close();
  }

  private RecordStore records() {
    return storage.records();
  }

  @Test
  @DisplayName("the instance identity is created once and survives reopening")
  void instanceIsStable() {
    InstanceRecord first = storage.instance();
    storage.close();
    storage = open(dir);
    assertThat(storage.instance()).isEqualTo(first);
    assertThat(storage.schemaVersion()).isGreaterThanOrEqualTo(1);
    storage.ping();
  }

  @Test
  @DisplayName("a record is created at version 1 and read back byte for byte")
  void createAndRead() {
    byte[] payload = {0, 1, 2, (byte) 0xff, 0};
    StoredRecord created = records().put("kms.key", "payments", payload, 0);
    assertThat(created.version()).isEqualTo(1);
    StoredRecord read = records().get("kms.key", "payments").orElseThrow();
    assertThat(read.payload()).containsExactly(payload);
    assertThat(read.version()).isEqualTo(1);
    assertThat(records().get("kms.key", "other")).isEmpty();
    assertThat(records().get("other.type", "payments")).isEmpty();
  }

  @Test
  @DisplayName("records survive reopening the store")
  void durable() {
    records().put("t", "a", new byte[] {7}, 0);
    storage.close();
    storage = open(dir);
    assertThat(records().get("t", "a").orElseThrow().payload()).containsExactly(7);
  }

  @Test
  @DisplayName("empty and large payloads round-trip")
  void payloadSizes() {
    records().put("t", "empty", new byte[0], 0);
    byte[] big = new byte[1 << 20];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    records().put("t", "big", big, 0);
    assertThat(records().get("t", "empty").orElseThrow().payload()).isEmpty();
    assertThat(records().get("t", "big").orElseThrow().payload()).containsExactly(big);
  }

  @Test
  @DisplayName("a second create of the same record is a conflict and changes nothing")
  void duplicateCreate() {
    records().put("t", "a", new byte[] {1}, 0);
    assertThatThrownBy(() -> records().put("t", "a", new byte[] {2}, 0))
        .isInstanceOf(ConflictException.class).hasMessageContaining("already exists");
    assertThat(records().get("t", "a").orElseThrow().payload()).containsExactly(1);
  }

  @Test
  @DisplayName("an update must name the current version; a stale writer loses and changes nothing")
  void compareAndSet() {
    records().put("t", "a", new byte[] {1}, 0);
    StoredRecord v2 = records().put("t", "a", new byte[] {2}, 1);
    assertThat(v2.version()).isEqualTo(2);
    assertThatThrownBy(() -> records().put("t", "a", new byte[] {3}, 1))
        .isInstanceOf(ConflictException.class).hasMessageContaining("at version 2");
    assertThatThrownBy(() -> records().put("t", "missing", new byte[] {3}, 4))
        .isInstanceOf(ConflictException.class).hasMessageContaining("does not exist");
    assertThat(records().get("t", "a").orElseThrow().payload()).containsExactly(2);
  }

  @Test
  @DisplayName("delete is compare-and-set too, and deleting nothing is not found")
  void delete() {
    records().put("t", "a", new byte[] {1}, 0);
    assertThatThrownBy(() -> records().delete("t", "a", 5)).isInstanceOf(ConflictException.class);
    records().delete("t", "a", 1);
    assertThat(records().get("t", "a")).isEmpty();
    assertThatThrownBy(() -> records().delete("t", "a", 1)).isInstanceOf(NotFoundException.class);
  }

  @Test
  @DisplayName("list returns ids with the prefix, in order, treating % and _ literally")
  void listByPrefix() {
    for (String id : List.of("keys/b", "keys/a", "keys%x", "keys_y", "other/a", "keys/c")) {
      records().put("t", id, new byte[] {1}, 0);
    }
    records().put("u", "keys/z", new byte[] {1}, 0);
    assertThat(records().list("t", "keys/", 100)).containsExactly("keys/a", "keys/b", "keys/c");
    assertThat(records().list("t", "keys%", 100)).containsExactly("keys%x");
    assertThat(records().list("t", "keys_", 100)).containsExactly("keys_y");
    assertThat(records().list("t", "keys/", 2)).containsExactly("keys/a", "keys/b");
    assertThat(records().list("t", "", 100)).hasSize(6);
  }

  @Test
  @DisplayName("malformed addresses are refused before the database is touched")
  void refusesMalformedAddresses() {
    assertThatThrownBy(() -> records().put("Bad Type", "a", new byte[0], 0)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> records().put("t", "", new byte[0], 0)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> records().put("t", "a\u0000b", new byte[0], 0)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> records().put("t", "x".repeat(513), new byte[0], 0)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> records().put("t", "a", null, 0)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> records().put("t", "a", new byte[0], -1)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> records().list("t", "", 0)).isInstanceOf(InvalidInputException.class);
    assertThat(records().list("t", "", 100)).isEmpty();
  }

  @Test
  @DisplayName("concurrent compare-and-set writers never lose an update")
  void concurrentWriters() throws Exception {
    records().put("t", "counter", longBytes(0), 0);
    int threads = 6;
    int increments = 20;
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      tasks.add(() -> {
        for (int i = 0; i < increments; i++) {
          while (true) {
            StoredRecord r = records().get("t", "counter").orElseThrow();
            try {
              records().put("t", "counter", longBytes(toLong(r.payload()) + 1), r.version());
              break;
            } catch (ConflictException retry) {
              // someone else won this round
            }
          }
        }
        return null;
      });
    }
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
    }
    StoredRecord end = records().get("t", "counter").orElseThrow();
    assertThat(toLong(end.payload())).isEqualTo(threads * increments);
    assertThat(end.version()).isEqualTo(threads * increments + 1L);
  }

  private static byte[] longBytes(long v) {
    return java.nio.ByteBuffer.allocate(8).putLong(v).array();
  }

  private static long toLong(byte[] b) {
    return java.nio.ByteBuffer.wrap(b).getLong();
  }

  private static CertificateRecords.CertificateRow certificate(String serial, String owner, String ca, byte[] spkiHash,
      java.time.Instant notAfter) {
    return new CertificateRecords.CertificateRow(serial, ca, owner, owner + " Owner", owner + "@example.com",
        "tls-server", "CN=" + serial + ".example.com", List.of("dns:" + serial + ".example.com", "ip:10.0.0.1"), spkiHash,
        notAfter.minus(java.time.Duration.ofDays(90)), notAfter, notAfter.minus(java.time.Duration.ofDays(90)), "good",
        java.util.Optional.empty(), java.util.Optional.empty(), new byte[] {0x30, 0x03, 0x02, 0x01, 0x01});
  }

  private static byte[] hash(int n) {
    byte[] h = new byte[32];
    h[0] = (byte) n;
    h[1] = (byte) (n >> 8);
    return h;
  }

  @Test
  @DisplayName("SS-002 11.5.2 — the certificate inventory stores, finds and pages certificates by owner, CA and expiry")
  void certificateInventory() {
    CertificateRecords certs = storage.certificates();
    java.time.Instant now = java.time.Instant.parse("2026-06-01T00:00:00Z");
    for (int i = 1; i <= 30; i++) {
      certs.add(certificate(String.format("%04x", i), i % 2 == 0 ? "alice" : "bob", i % 3 == 0 ? "ca-b" : "ca-a", hash(i),
          now.plus(java.time.Duration.ofDays(i))));
    }
    assertThat(certs.count()).isEqualTo(30);
    CertificateRecords.CertificateRow one = certs.get("0001").orElseThrow();
    assertThat(one.sans()).containsExactly("dns:0001.example.com", "ip:10.0.0.1");
    assertThat(one.ownerContact()).isEqualTo("bob@example.com");
    List<CertificateRecords.CertificateRow> expiring = certs.query(new CertificateRecords.Query(java.util.Optional.empty(),
        java.util.Optional.of("alice"), java.util.Optional.of(now.plus(java.time.Duration.ofDays(11))),
        java.util.Optional.empty(), java.util.Optional.empty(), 100));
    assertThat(expiring).extracting(CertificateRecords.CertificateRow::serial).containsExactly("0002", "0004", "0006",
        "0008", "000a");
    List<CertificateRecords.CertificateRow> page1 = certs.query(CertificateRecords.Query.all(10));
    List<CertificateRecords.CertificateRow> page2 = certs.query(new CertificateRecords.Query(java.util.Optional.empty(),
        java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
        java.util.Optional.of(page1.getLast().serial()), 10));
    assertThat(page2.getFirst().serial()).isEqualTo("000b");
    assertThat(certs.setStatus("0003", "revoked", java.util.Optional.of(now), java.util.Optional.of("keyCompromise"))).isTrue();
    assertThat(certs.get("0003").orElseThrow().revocationReason()).contains("keyCompromise");
    assertThat(certs.setStatus("ffff", "revoked", java.util.Optional.of(now), java.util.Optional.empty())).isFalse();
  }

  @Test
  @DisplayName("SS-002 11.6.4 — a CA's revoked and held certificates are listed for its CRL, and status changes by time for its delta")
  void revocationListing() {
    CertificateRecords certs = storage.certificates();
    java.time.Instant t = java.time.Instant.parse("2026-06-01T00:00:00Z");
    for (int i = 1; i <= 6; i++) {
      certs.add(certificate(String.format("%04x", 0x100 + i), "alice", i <= 4 ? "ca-a" : "ca-b", hash(0x100 + i),
          t.plus(java.time.Duration.ofDays(i))));
    }
    java.util.Optional<java.time.Instant> at = java.util.Optional.of(t);
    certs.setStatus("0101", "revoked", at, java.util.Optional.of("keyCompromise"), t);
    certs.setStatus("0102", "hold", at, java.util.Optional.of("certificateHold"), t.plusSeconds(10));
    certs.setStatus("0103", "hold", at, java.util.Optional.of("certificateHold"), t.plusSeconds(20));
    certs.setStatus("0103", "good", java.util.Optional.empty(), java.util.Optional.empty(), t.plusSeconds(30));
    certs.setStatus("0105", "revoked", at, java.util.Optional.of("superseded"), t.plusSeconds(40));
    List<CertificateRecords.StatusEntry> listed = new java.util.ArrayList<>();
    certs.forEachRevoked("ca-a", listed::add);
    assertThat(listed).extracting(CertificateRecords.StatusEntry::serial).containsExactlyInAnyOrder("0101", "0102");
    assertThat(listed).filteredOn(e -> e.serial().equals("0101")).singleElement()
        .satisfies(e -> assertThat(e.reason()).contains("keyCompromise"));
    assertThat(certs.changedSince("ca-a", t.plusSeconds(10))).extracting(e -> e.serial() + " " + e.status())
        .containsExactlyInAnyOrder("0102 hold", "0103 good");
    assertThat(certs.changedSince("ca-a", t.plusSeconds(31))).isEmpty();
    assertThat(certs.changedSince("ca-b", t)).extracting(CertificateRecords.StatusEntry::serial).containsExactly("0105");
  }

  @Test
  @DisplayName("SS-002 11.1.10 — a public key certified once is never certified again, by any CA")
  void certifiedKeysAreNeverReused() {
    CertificateRecords certs = storage.certificates();
    java.time.Instant t = java.time.Instant.parse("2027-01-01T00:00:00Z");
    certs.add(certificate("aa", "alice", "ca-a", hash(7), t));
    assertThat(certs.certifiedKey(hash(7))).contains("aa");
    assertThatThrownBy(() -> certs.add(certificate("bb", "alice", "ca-b", hash(7), t)))
        .isInstanceOf(ConflictException.class).hasMessage("SS-002 11.1.10: this public key was already certified (serial aa); generate a new key pair for a new certificate");
    assertThatThrownBy(() -> certs.add(certificate("aa", "alice", "ca-b", hash(8), t)))
        .isInstanceOf(ConflictException.class);
    assertThat(certs.certifiedKey(hash(8))).isEmpty();
    assertThat(certs.count()).isEqualTo(1);
    assertThatThrownBy(() -> certs.get("NOT-HEX")).isInstanceOf(InvalidInputException.class);
  }

  @Test
  @DisplayName("bulk insert is all or nothing; expiry listing pages in (notAfter, serial) order within a window")
  void bulkInsertAndExpiryOrder() {
    CertificateRecords certs = storage.certificates();
    java.time.Instant now = java.time.Instant.parse("2026-06-01T00:00:00Z");
    List<CertificateRecords.CertificateRow> rows = new java.util.ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      rows.add(certificate(String.format("%04x", 100 - i), "alice", "ca-a", hash(i),
          now.plus(java.time.Duration.ofDays(i % 6))));
    }
    certs.addAll(rows);
    assertThat(certs.count()).isEqualTo(12);
    assertThatThrownBy(() -> certs.addAll(List.of(certificate("0fff", "bob", "ca-a", hash(99), now),
        certificate("0ffe", "bob", "ca-a", hash(1), now)))).isInstanceOf(ConflictException.class);
    assertThat(certs.get("0fff")).isEmpty();
    certs.setStatus("005e", "revoked", java.util.Optional.of(now), java.util.Optional.empty()); // i = 6: day 0
    java.util.List<String> seen = new java.util.ArrayList<>();
    java.util.Optional<CertificateRecords.ExpiryCursor> after = java.util.Optional.empty();
    while (true) {
      List<CertificateRecords.CertificateRow> page = certs.expiring("good", now.plus(java.time.Duration.ofDays(1)),
          now.plus(java.time.Duration.ofDays(5)), after, 3);
      page.forEach(r -> seen.add(r.serial()));
      if (page.size() < 3) {
        break;
      }
      after = java.util.Optional.of(new CertificateRecords.ExpiryCursor(page.getLast().notAfter(),
          page.getLast().serial()));
    }
    // Days 1..4 (i = 7,1 / 8,2 / 9,3 / 10,4; serial 100 - i), each day in serial order.
    assertThat(seen).containsExactly("005d", "0063", "005c", "0062", "005b", "0061", "005a", "0060");
  }
}
