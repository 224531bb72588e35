/**
 * Export of the audit log to the central logging facility (SS-002 11.7.1 and 11.6.5).
 *
 * <p>{@link io.custos.centrallog.CentralLogExporter} is the front door. The audit log is the
 * durable queue ({@link io.custos.centrallog.EntrySource}); each
 * {@link io.custos.centrallog.CentralLogSink} has its own cursor
 * ({@link io.custos.centrallog.CursorStore}) that moves only through entries the sink has
 * confirmed, so a sink that is down loses nothing and catches up in order when it returns.
 * Delivery is at least once; duplicates are recognisable by their seq.
 *
 * <p>Sinks: {@link io.custos.centrallog.SyslogTcpSink} (RFC 5424 messages, octet-counted, over
 * TCP or TLS per RFC 5425, formatted by {@link io.custos.centrallog.SyslogFormat}) and
 * {@link io.custos.centrallog.JsonLinesFileSink} (one JSON object per line, fsynced, rotated).
 * This package uses only the JDK.
 */
package io.custos.centrallog;
