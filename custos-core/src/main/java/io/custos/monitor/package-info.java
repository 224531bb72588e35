/**
 * Anomaly detection over the audit event stream: SS-002 11.3.14 (key management systems must be
 * monitored for unusual patterns) and 11.4.4 (key encryption keys must not be used unless
 * properly authorised).
 *
 * <p>The front door is {@link io.custos.monitor.AnomalyDetector}: feed it every {@link
 * io.custos.audit.AuditEvent} in log order and it returns the {@link io.custos.monitor.Alert}s
 * that event raises. It reads time only from the events (and, once, from an injected {@link
 * java.time.InstantSource} to place its learning period), holds a bounded amount of state and
 * never throws on a well-formed event. What to do with an alert (append it to the audit log as an
 * event whose action is {@link io.custos.monitor.AlertKind#code()}, page someone) is the caller's
 * business; events whose action starts with {@code alert.} are ignored, so that feeding alerts
 * back in cannot loop.
 */
package io.custos.monitor;
