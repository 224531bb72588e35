package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.audit.TestLogs.Placement;
import io.custos.audit.VerificationResult.Failed;
import io.custos.audit.VerificationResult.Verified;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Tampering with an exported log is detected, and the verdict points at the right place:
 * {@code firstBadSeq} is at or before the tampered event and after every checkpoint that was
 * exported before it (those vouch for the events they cover).
 */
@Label("SS-002 11.7.1 — any change to an exported audit log is detected")
class LogTamperingPropertiesTest {

  /** A valid log of n events whose last checkpoint covers them all, with lagging checkpoints. */
  record Scenario(int n, List<LogEntry> entries) {
    static Scenario of(int n, List<Integer> sizes, List<Integer> lags) {
      List<Integer> sorted = new ArrayList<>(sizes);
      sorted.replaceAll(s -> Math.min(s, n));
      Collections.sort(sorted);
      List<Placement> placements = new ArrayList<>();
      long after = 0;
      for (int i = 0; i < sorted.size(); i++) {
        int lag = lags.isEmpty() ? 0 : lags.get(i % lags.size());
        after = Math.min(n, Math.max(after, sorted.get(i) + lag));
        placements.add(new Placement(sorted.get(i), after));
      }
      placements.add(new Placement(n, n));
      return new Scenario(n, TestLogs.log(n, placements));
    }

    /** Index of the entry of event {@code seq}. */
    int indexOf(long seq) {
      long seen = 0;
      for (int i = 0; i < entries.size(); i++) {
        if (entries.get(i) instanceof LogEntry.EncodedEvent && ++seen == seq) {
          return i;
        }
      }
      throw new IllegalArgumentException("no event " + seq);
    }

    /** The largest checkpoint size exported before entry {@code index}. */
    long vouchedBefore(int index) {
      long max = 0;
      for (int i = 0; i < index; i++) {
        if (entries.get(i) instanceof LogEntry.CheckpointNote c) {
          max = Math.max(max, TestLogs.unverified(c.note()).size());
        }
      }
      return max;
    }

    long eventsBefore(int index) {
      return entries.subList(0, index).stream()
          .filter(e -> e instanceof LogEntry.EncodedEvent).count();
    }
  }

  private static Scenario scenario(int n, List<Integer> sizes, List<Integer> lags) {
    return Scenario.of(n, sizes, lags);
  }

  @Property(tries = 20)
  @Label("an untouched log verifies, with no unverified tail")
  void untouchedVerifies(@ForAll @IntRange(min = 1, max = 30) int n,
      @ForAll @Size(max = 6) List<@IntRange(min = 0, max = 30) Integer> sizes,
      @ForAll @Size(max = 3) List<@IntRange(min = 0, max = 4) Integer> lags) {
    Scenario s = scenario(n, sizes, lags);
    assertThat(TestLogs.verifier().verify(s.entries())).isInstanceOfSatisfying(Verified.class,
        v -> {
          assertThat(v.events()).isEqualTo(n);
          assertThat(v.checkpoints()).isEqualTo(sizes.size() + 1);
          assertThat(v.last()).map(Checkpoint::size).contains((long) n);
          assertThat(v.unverifiedTail()).isZero();
        });
  }

  @Property(tries = 150)
  @Label("any single-byte change anywhere in the export file is detected, at or before the change")
  void singleByteChange(@ForAll @IntRange(min = 1, max = 30) int n,
      @ForAll @Size(max = 3) List<@IntRange(min = 0, max = 30) Integer> sizes,
      @ForAll @Size(max = 2) List<@IntRange(min = 0, max = 3) Integer> lags,
      @ForAll int lineChoice, @ForAll int byteChoice,
      @ForAll @IntRange(min = 1, max = 255) int delta) throws IOException {
    Scenario s = scenario(n, sizes, lags);
    int line = Math.floorMod(lineChoice, s.entries().size());
    byte[] file = LogVerifierTest.export(s.entries());
    int start = 0;
    for (int i = 0; i < line; i++) {
      start += s.entries().get(i).toExportLine().length + 1;
    }
    int length = s.entries().get(line).toExportLine().length + 1; // the newline may change too
    int at = start + Math.floorMod(byteChoice, length);
    file[at] = (byte) (file[at] + delta);

    VerificationResult result = TestLogs.verifier().verifyExport(new ByteArrayInputStream(file));

    assertThat(result).isInstanceOf(Failed.class);
    long bad = ((Failed) result).firstBadSeq();
    long vouched = s.vouchedBefore(line);
    if (s.entries().get(line) instanceof LogEntry.EncodedEvent) {
      long seq = s.eventsBefore(line) + 1;
      assertThat(bad).as(((Failed) result).problem()).isBetween(vouched + 1, seq);
    } else {
      assertThat(bad).as(((Failed) result).problem())
          .isBetween(vouched + 1, s.eventsBefore(line) + 1);
    }
  }

  @Property(tries = 60)
  @Label("deleting any event is detected at exactly that event")
  void deletion(@ForAll @IntRange(min = 1, max = 30) int n,
      @ForAll @Size(max = 3) List<@IntRange(min = 0, max = 30) Integer> sizes,
      @ForAll @Size(max = 2) List<@IntRange(min = 0, max = 3) Integer> lags,
      @ForAll int which) {
    Scenario s = scenario(n, sizes, lags);
    long seq = 1 + Math.floorMod(which, n);
    List<LogEntry> tampered = new ArrayList<>(s.entries());
    tampered.remove(s.indexOf(seq));
    assertThat(TestLogs.verifier().verify(tampered))
        .isInstanceOfSatisfying(Failed.class, f -> assertThat(f.firstBadSeq()).isEqualTo(seq));
  }

  @Property(tries = 60)
  @Label("swapping any two events is detected at the earlier one")
  void swap(@ForAll @IntRange(min = 2, max = 30) int n,
      @ForAll @Size(max = 3) List<@IntRange(min = 0, max = 30) Integer> sizes,
      @ForAll @Size(max = 2) List<@IntRange(min = 0, max = 3) Integer> lags,
      @ForAll int first, @ForAll int second) {
    Scenario s = scenario(n, sizes, lags);
    long i = 1 + Math.floorMod(first, n);
    long j = 1 + Math.floorMod(second, n);
    if (i == j) {
      j = i == n ? 1 : i + 1;
    }
    long low = Math.min(i, j);
    List<LogEntry> tampered = new ArrayList<>(s.entries());
    Collections.swap(tampered, s.indexOf(i), s.indexOf(j));
    assertThat(TestLogs.verifier().verify(tampered))
        .isEqualTo(new Failed(low, "event " + low + " missing (expected seq " + low + ", found "
            + Math.max(i, j) + " at entry " + (s.indexOf(low) + 1) + ")"));
  }

  @Property(tries = 80)
  @Label("inserting an event anywhere before the last checkpoint is detected, at or before it")
  void insertion(@ForAll @IntRange(min = 1, max = 30) int n,
      @ForAll @Size(max = 3) List<@IntRange(min = 0, max = 30) Integer> sizes,
      @ForAll @Size(max = 2) List<@IntRange(min = 0, max = 3) Integer> lags,
      @ForAll int where, @ForAll int claimedSeq, @ForAll boolean copy) {
    Scenario s = scenario(n, sizes, lags);
    long before = 1 + Math.floorMod(where, n);
    long claimed = 1 + Math.floorMod(claimedSeq, n + 1);
    AuditEvent original = TestLogs.event(Math.min(claimed, n));
    LogEntry forged = copy ? LogEntry.of(original) : LogEntry.of(new AuditEvent(claimed,
        original.time(), "forged", original.principal(), "operator.unseal", "",
        AuditEvent.Outcome.OK, java.util.Optional.empty(), "", java.util.Map.of()));
    int index = s.indexOf(before);
    List<LogEntry> tampered = new ArrayList<>(s.entries());
    tampered.add(index, forged);
    assertThat(TestLogs.verifier().verify(tampered)).isInstanceOfSatisfying(Failed.class,
        f -> assertThat(f.firstBadSeq()).as(f.problem())
            .isBetween(s.vouchedBefore(index) + 1, before));
  }

  @Property(tries = 60)
  @Label("removing events behind the last checkpoint is detected at the first removed one")
  void truncation(@ForAll @IntRange(min = 1, max = 30) int n,
      @ForAll @Size(max = 3) List<@IntRange(min = 0, max = 30) Integer> sizes,
      @ForAll @Size(max = 2) List<@IntRange(min = 0, max = 3) Integer> lags,
      @ForAll int howMany) {
    Scenario s = scenario(n, sizes, lags);
    int k = 1 + Math.floorMod(howMany, n);
    List<LogEntry> tampered = new ArrayList<>(s.entries());
    for (long seq = n; seq > n - k; seq--) {
      tampered.remove(new Scenario(n, tampered).indexOf(seq));
    }
    assertThat(TestLogs.verifier().verify(tampered))
        .isInstanceOfSatisfying(Failed.class, f -> assertThat(f.firstBadSeq()).as(f.problem())
            .isEqualTo(n - k + 1));
  }
}
