package io.custos.ca;

import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.store.CertificateRecords;
import io.custos.store.CertificateRecords.CertificateRow;
import io.custos.store.RecordStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expiry alerts (SS-002 11.5.2): certificates in good standing that come within a horizon of
 * their expiry (by default 30, 7 and 1 days) are announced once per certificate and horizon — an
 * audit event {@code cert.expiring} naming the owner and contact, and optionally an alert to a
 * sink (a webhook). A marker record {@code ca.expiry-alert/<serial>/<horizon>} remembers each
 * announcement, so that restarts and other nodes do not repeat it; the marker is claimed before
 * the event is written and released again if the event cannot be.
 *
 * <p>Certificates are read in expiry order from now on, so those that expired long ago cost nothing.
 *
 * <p>A horizon applies only to certificates that live longer than it: a 7-day certificate is
 * not announced at the 30-day or 7-day horizons the moment it is issued, only at 1 day.
 */
public final class ExpiryWatch {
  public static final List<Duration> DEFAULT_HORIZONS = List.of(Duration.ofDays(30), Duration.ofDays(7),
      Duration.ofDays(1));
  public static final String MARKER_TYPE = "ca.expiry-alert";
  private static final AuditEvent.Principal SYSTEM = new AuditEvent.Principal("custos", "system");
  private static final Pattern HORIZON = Pattern.compile("(\\d{1,4})([dhm])");
  private static final int PAGE = 500;

  /** One certificate come within one horizon of its expiry. */
  public record Alert(String serial, String ca, String owner, String ownerName, String contact, String subject,
      Instant notAfter, Duration horizon) {
    /** The alert as a JSON object (for webhooks). */
    public String json() {
      return "{\"event\":\"cert.expiring\",\"serial\":" + str(serial) + ",\"ca\":" + str(ca) + ",\"owner\":"
          + str(owner) + ",\"owner_name\":" + str(ownerName) + ",\"contact\":" + str(contact) + ",\"subject\":"
          + str(subject) + ",\"not_after\":" + str(notAfter.toString()) + ",\"horizon\":" + str(horizonText(horizon))
          + "}";
    }
  }

  /** Where alerts go beyond the audit log; implementations must not block (deliver asynchronously). */
  @FunctionalInterface
  public interface AlertSink {
    AlertSink NONE = a -> {};

    void send(Alert alert);
  }

  /**
   * One run's outcome.
   *
   * @param expiring per horizon (largest first), how many good certificates expire within it
   * @param alerted how many alerts this run announced
   */
  public record Result(Map<Duration, Long> expiring, int alerted) {
    public Result {
      expiring = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(expiring));
    }
  }

  private final CertificateRecords certificates;
  private final RecordStore records;
  private final Consumer<AuditDraft> audit;
  private final AlertSink sink;
  private final List<Duration> horizons;
  private final Clock clock;

  public ExpiryWatch(CertificateRecords certificates, RecordStore records, Consumer<AuditDraft> audit, AlertSink sink,
      List<Duration> horizons, Clock clock) {
    this.certificates = Objects.requireNonNull(certificates, "certificates");
    this.records = Objects.requireNonNull(records, "records");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.sink = Objects.requireNonNull(sink, "sink");
    if (horizons.isEmpty()) {
      throw new InvalidInputException("at least one expiry horizon is needed");
    }
    this.horizons = horizons.stream().distinct().sorted(Comparator.reverseOrder()).toList();
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public List<Duration> horizons() {
    return horizons;
  }

  /** Looks through the certificates expiring within the largest horizon and announces what is new. */
  public Result run() {
    Instant now = clock.instant();
    Map<Duration, Long> counts = new LinkedHashMap<>();
    horizons.forEach(h -> counts.put(h, 0L));
    int alerted = 0;
    Optional<CertificateRecords.ExpiryCursor> after = Optional.empty();
    while (true) {
      List<CertificateRow> page = certificates.expiring("good", now.plusMillis(1), now.plus(horizons.getFirst()), after,
          PAGE);
      for (CertificateRow row : page) {
        Duration left = Duration.between(now, row.notAfter());
        Duration life = Duration.between(row.notBefore(), row.notAfter());
        for (Duration h : horizons) {
          if (left.compareTo(h) < 0) {
            counts.merge(h, 1L, Long::sum);
            if (life.compareTo(h) > 0 && announce(row, h)) {
              alerted++;
            }
          }
        }
      }
      if (page.size() < PAGE) {
        break;
      }
      after = Optional.of(new CertificateRecords.ExpiryCursor(page.getLast().notAfter(), page.getLast().serial()));
    }
    return new Result(counts, alerted);
  }

  private boolean announce(CertificateRow row, Duration horizon) {
    String id = row.serial() + "/" + horizonText(horizon);
    if (records.get(MARKER_TYPE, id).isPresent()) {
      return false;
    }
    try {
      records.put(MARKER_TYPE, id, row.notAfter().toString().getBytes(StandardCharsets.UTF_8), 0);
    } catch (ConflictException e) {
      return false; // another node announced it
    }
    Alert alert = new Alert(row.serial(), row.ca(), row.owner(), row.ownerName(), row.ownerContact(), row.subject(),
        row.notAfter(), horizon);
    try {
      audit.accept(AuditDraft.ok(UUID.randomUUID().toString(), SYSTEM, "cert.expiring", "ca/" + row.ca() + "/certs/"
          + row.serial(), "", Map.of("serial", row.serial(), "owner", row.owner(), "contact", row.ownerContact(),
          "not_after", row.notAfter().toString(), "horizon", horizonText(horizon))));
    } catch (RuntimeException e) {
      // Not announced: release the claim so the next run tries again.
      records.get(MARKER_TYPE, id).ifPresent(r -> records.delete(MARKER_TYPE, id, r.version()));
      throw e;
    }
    try {
      sink.send(alert);
    } catch (RuntimeException e) {
      System.getLogger(ExpiryWatch.class.getName()).log(System.Logger.Level.WARNING,
          "expiry alert for " + row.serial() + " not delivered: " + e.getMessage());
    }
    return true;
  }

  /** {@code 30d}, {@code 12h}, {@code 90m}. */
  public static String horizonText(Duration d) {
    if (d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays()))) {
      return d.toDays() + "d";
    }
    if (d.toHours() > 0 && d.equals(Duration.ofHours(d.toHours()))) {
      return d.toHours() + "h";
    }
    return d.toMinutes() + "m";
  }

  /** Parses {@code "30d,7d,1d"} (days, hours or minutes). */
  public static List<Duration> parseHorizons(String text) {
    List<Duration> out = new ArrayList<>();
    for (String part : text.split(",")) {
      Matcher m = HORIZON.matcher(part.trim().toLowerCase(Locale.ROOT));
      if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
        throw new InvalidInputException("an expiry horizon is a positive number of days, hours or minutes "
            + "(30d, 12h, 90m), not '" + part.trim() + "'");
      }
      long n = Long.parseLong(m.group(1));
      out.add(switch (m.group(2)) {
        case "d" -> Duration.ofDays(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofMinutes(n);
      });
    }
    return out.stream().distinct().sorted(Comparator.reverseOrder()).toList();
  }

  private static String str(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
