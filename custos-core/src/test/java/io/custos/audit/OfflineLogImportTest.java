package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.ceremony.Ceremonies;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.FipsCryptoModule;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.seal.UnsealShare;
import io.custos.store.MemoryRecordStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OfflineLogImportTest {
  private static final String OFFLINE = "offline-root-1";
  private static final AuditEvent.Principal IMPORTER = new AuditEvent.Principal("officer", "token");
  private final MemoryRecordStore offlineStore = new MemoryRecordStore();
  private final AuditLog offlineLog = log(new MemoryAuditRecords(), OFFLINE);
  private final Ceremonies ceremonies = ceremonies(offlineStore, offlineLog);
  private final AuditLog online = log(new MemoryAuditRecords(), "online");
  private final OfflineLogImport importer = new OfflineLogImport(new MemoryRecordStore(), online);
  private final List<AuditLog> opened = new ArrayList<>(List.of(offlineLog, online));

  @AfterEach
  void close() {
    opened.forEach(AuditLog::close);
  }

  private static AuditLog log(MemoryAuditRecords records, String name) {
    return AuditLog.open(records, Optional.empty(), name, name, Clock.systemUTC(), AuditLog.Settings.defaults());
  }

  private static Ceremonies ceremonies(MemoryRecordStore store, AuditLog log) {
    return new Ceremonies(store, log, FipsCryptoModule.start(), AsymmetricProviders.select("auto"), Clock.systemUTC());
  }

  private List<String> init() {
    try (Ceremonies.Initialised done = ceremonies.initRoot("CN=Offline Root,O=Example", "ecdsa-p384",
        Duration.ofDays(3650), 3, 2, "Wendy Witness")) {
      return done.shares().stream().map(UnsealShare::text).toList();
    }
  }

  private static byte[] export(AuditLog log) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    log.export(1, Long.MAX_VALUE, out);
    return out.toByteArray();
  }

  private OfflineLogImport.Result run(byte[] export, String key) {
    return importer.importExport(export, Optional.ofNullable(key), IMPORTER, "req-1", "127.0.0.1");
  }

  private List<AuditEvent> onlineEvents() {
    List<AuditEvent> out = new ArrayList<>();
    online.events(1, 1000).forEach(r -> out.add(EventCodec.decode(r.event())));
    return out;
  }

  @Test
  @DisplayName("SS-002 11.7.1 — the offline ceremony log is imported once, each event naming its origin, seq, time and hash")
  void importsOnceAndThenOnlyNewEvents() throws Exception {
    List<String> shares = init();
    ceremonies.crl(shares.subList(0, 2), "Wendy Witness", Duration.ofDays(30));
    String key = ceremonies.auditVerifierKey();
    assertThat(key).startsWith(OFFLINE + "+");

    OfflineLogImport.Result first = run(export(offlineLog), key);
    assertThat(first.pinnedNow()).isTrue();
    assertThat(first.imported()).isEqualTo(2);
    assertThat(first.unsignedTail()).isZero();
    List<AuditEvent> events = onlineEvents();
    assertThat(events).extracting(AuditEvent::action).containsExactly("offline.ceremony.init_root", "offline.ceremony.crl");
    AuditEvent crl = events.get(1);
    AuditEvent original = EventCodec.decode(offlineLog.events(2, 1).getFirst().event());
    assertThat(crl.principal()).isEqualTo(original.principal());
    assertThat(crl.params()).containsEntry("witness", "Wendy Witness").containsEntry("imported_by", "officer");
    assertThat(crl.params().get("offline")).startsWith(OFFLINE + " #2 " + UtcMillis.format(original.time()) + " sha256:")
        .endsWith(java.util.HexFormat.of().formatHex(MerkleTree.leafHash(offlineLog.events(2, 1).getFirst().event())));

    // The same export again: nothing new. No key needed any more: it is pinned.
    OfflineLogImport.Result again = run(export(offlineLog), null);
    assertThat(again.imported()).isZero();
    assertThat(again.alreadyImported()).isEqualTo(2);
    assertThat(onlineEvents()).hasSize(2);

    // A refusal between ceremonies is unsigned until the next quorum ceremony seals the log.
    assertThatThrownBy(() -> ceremonies.crl(shares.subList(0, 1), "Wendy Witness", Duration.ofDays(30)))
        .isInstanceOf(ControlViolationException.class);
    OfflineLogImport.Result tail = run(export(offlineLog), null);
    assertThat(tail.imported()).isZero();
    assertThat(tail.unsignedTail()).isEqualTo(1);
    ceremonies.crl(shares.subList(1, 3), "Wendy Witness", Duration.ofDays(30));
    OfflineLogImport.Result longer = run(export(offlineLog), key);
    assertThat(longer.imported()).isEqualTo(2);
    assertThat(longer.alreadyImported()).isEqualTo(2);
    assertThat(onlineEvents()).extracting(AuditEvent::action).containsExactly("offline.ceremony.init_root",
        "offline.ceremony.crl", "offline.ceremony.crl", "offline.ceremony.crl");
    assertThat(onlineEvents().get(2).outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
    assertThat(onlineEvents().get(2).control()).contains("SS-002 11.3.1");
  }

  @Test
  @DisplayName("SS-002 11.7.1 — a tampered export is refused naming the control, and nothing is recorded")
  void tamperedRefused() throws Exception {
    List<String> shares = init();
    ceremonies.crl(shares.subList(0, 2), "Wendy Witness", Duration.ofDays(30));
    String key = ceremonies.auditVerifierKey();
    String text = new String(export(offlineLog), StandardCharsets.UTF_8);

    byte[] changed = text.replaceFirst("Wendy Witness", "Wendy Witnesz").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> run(changed, key)).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("SS-002 11.7.1").hasMessageContaining("does not verify").hasMessageContaining("nothing imported");
    List<String> lines = new ArrayList<>(List.of(text.split("\n")));
    lines.removeFirst();
    byte[] dropped = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> run(dropped, key)).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("SS-002 11.7.1");
    assertThatThrownBy(() -> run("garbage\n".getBytes(StandardCharsets.UTF_8), key))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> run(text.getBytes(StandardCharsets.UTF_8), null))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("first import");
    // Another key under the same name: the signatures do not verify.
    String other;
    try (AuditLog otherLog = log(new MemoryAuditRecords(), OFFLINE)) {
      Ceremonies c = ceremonies(new MemoryRecordStore(), otherLog);
      c.initRoot("CN=Impostor", "ecdsa-p384", Duration.ofDays(365), 2, 2, "W").close();
      other = c.auditVerifierKey();
    }
    assertThatThrownBy(() -> run(text.getBytes(StandardCharsets.UTF_8), other))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("does not verify");
    assertThat(online.size()).isZero();
    assertThat(importer.pinned(OFFLINE)).isEmpty();

    run(text.getBytes(StandardCharsets.UTF_8), key);
    assertThatThrownBy(() -> run(text.getBytes(StandardCharsets.UTF_8), other))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("pinned");
    assertThat(online.size()).isEqualTo(2);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — a forked or truncated offline log, signed with the same key, is refused loudly")
  void forkRefused() throws Exception {
    List<String> shares = init();
    ceremonies.crl(shares.subList(0, 2), "Wendy Witness", Duration.ofDays(30));
    String key = ceremonies.auditVerifierKey();
    run(export(offlineLog), key);

    // A second history under the same name and key: a rewritten log.
    AuditLog forkLog = log(new MemoryAuditRecords(), OFFLINE);
    opened.add(forkLog);
    Ceremonies fork = ceremonies(offlineStore, forkLog);
    fork.crl(shares.subList(0, 2), "Mallory", Duration.ofDays(30));
    fork.crl(shares.subList(0, 2), "Mallory", Duration.ofDays(30));
    fork.crl(shares.subList(0, 2), "Mallory", Duration.ofDays(30));
    assertThatThrownBy(() -> run(export(forkLog), null)).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("SS-002 11.7.1").hasMessageContaining("rewritten");

    AuditLog shortLog = log(new MemoryAuditRecords(), OFFLINE);
    opened.add(shortLog);
    ceremonies(offlineStore, shortLog).crl(shares.subList(0, 2), "Mallory", Duration.ofDays(30));
    assertThatThrownBy(() -> run(export(shortLog), null)).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("truncated");
    assertThat(online.size()).isEqualTo(2);
  }
}
