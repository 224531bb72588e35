package io.custos.app;

import io.custos.app.config.CustosConfig;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.audit.EventCodec;
import io.custos.centrallog.BacklogListener;
import io.custos.centrallog.CentralLogExporter;
import io.custos.centrallog.CentralLogSink;
import io.custos.centrallog.CursorStore;
import io.custos.centrallog.EntrySource;
import io.custos.centrallog.ExportSettings;
import io.custos.centrallog.JsonLinesFileSettings;
import io.custos.centrallog.JsonLinesFileSink;
import io.custos.centrallog.LogEntry;
import io.custos.centrallog.Severity;
import io.custos.centrallog.SyslogTcpSettings;
import io.custos.centrallog.SyslogTcpSink;
import io.custos.centrallog.SyslogTransport;
import io.custos.store.AuditRecords;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Export of the audit log to central logging (SS-002 11.7.1, 11.6.5): the configured sinks,
 * each reading the log from its own durable cursor, woken after every commit.
 */
final class CentralLogging implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CentralLogging.class);
  private final CentralLogExporter exporter;

  private CentralLogging(CentralLogExporter exporter) {
    this.exporter = exporter;
  }

  /** Starts the exporter if any sink is configured. */
  static Optional<CentralLogging> start(CustosConfig config, AuditRecords records, AuditLog log, InstantSource clock) {
    List<CentralLogSink> sinks = new ArrayList<>();
    config.auditFile().ifPresent(f -> {
      try {
        java.nio.file.Files.createDirectories(f.toAbsolutePath().getParent());
      } catch (java.io.IOException e) {
        throw new io.custos.app.config.ConfigException("audit.file " + f + ": its directory cannot be created: " + e.getMessage());
      }
      sinks.add(new JsonLinesFileSink(JsonLinesFileSettings.of("file", f), clock));
    });
    config.auditSyslog().ifPresent(addr -> {
      SyslogTransport transport;
      if (config.auditSyslogCa().isPresent()) {
        try {
          transport = SyslogTransport.Tls.trusting(config.auditSyslogCa().get());
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
          throw new io.custos.app.config.ConfigException("audit.syslog_ca " + config.auditSyslogCa().get()
              + " cannot be used: " + e.getMessage());
        }
      } else {
        transport = new SyslogTransport.PlainTcp();
      }
      sinks.add(new SyslogTcpSink(SyslogTcpSettings.of("syslog", addr.host(), addr.port(), transport), clock));
    });
    if (sinks.isEmpty()) {
      return Optional.empty();
    }
    CentralLogExporter exporter = new CentralLogExporter(source(records), cursors(records), sinks,
        ExportSettings.defaults(), new BacklogListener() {
          @Override
          public void backlogHigh(String sink, long backlog, long threshold) {
            LOG.warn("central log sink '{}' is {} events behind (alert threshold {})", sink, backlog, threshold);
            // An alert is an audit event too, so it reaches the sinks that still work.
            try {
              log.record(new io.custos.audit.AuditDraft("alert-backlog-" + sink,
                  new io.custos.audit.AuditEvent.Principal("custos", "central-log-export"), "alert.central_log_backlog",
                  "audit/sinks/" + sink, io.custos.audit.AuditEvent.Outcome.OK, Optional.of("SS-002 11.7.1"), "",
                  java.util.Map.of("backlog", String.valueOf(backlog), "threshold", String.valueOf(threshold))));
            } catch (RuntimeException e) {
              LOG.error("could not record the backlog alert for sink '{}': {}", sink, e.getMessage());
            }
          }

          @Override
          public void backlogRecovered(String sink, long backlog) {
            LOG.info("central log sink '{}' caught up ({} behind)", sink, backlog);
          }
        }, clock);
    log.onCommit(events -> exporter.wake());
    exporter.start();
    return Optional.of(new CentralLogging(exporter));
  }

  static EntrySource source(AuditRecords records) {
    return new EntrySource() {
      @Override
      public long lastSeq() {
        return records.lastSeq();
      }

      @Override
      public List<LogEntry> after(long seq, int max) {
        List<LogEntry> out = new ArrayList<>();
        for (AuditRecords.EventRow row : records.read(seq + 1, max)) {
          AuditEvent e = EventCodec.decode(row.event());
          out.add(new LogEntry(row.seq(), e.time(), e.action(), severity(e),
              new String(row.event(), StandardCharsets.UTF_8)));
        }
        return out;
      }
    };
  }

  static Severity severity(AuditEvent e) {
    if (e.action().startsWith("alert.")) {
      return Severity.ALERT;
    }
    return switch (e.outcome()) {
      case OK -> Severity.INFORMATIONAL;
      case DENIED -> Severity.WARNING;
      case ERROR -> Severity.ERROR;
    };
  }

  static CursorStore cursors(AuditRecords records) {
    return new CursorStore() {
      @Override
      public long cursor(String sinkName) {
        return records.cursor(sinkName);
      }

      @Override
      public void advance(String sinkName, long seq) {
        records.advanceCursor(sinkName, seq);
      }
    };
  }

  /** Events each sink has yet to deliver. */
  java.util.Map<String, Long> backlogs() {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    exporter.status().forEach(st -> out.put(st.sink(), st.backlog()));
    return out;
  }

  /** Stops the exporter, which closes its sinks. */
  @Override
  public void close() {
    exporter.close();
  }
}
