package io.custos.centrallog;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * A destination in the central logging facility (SS-002 11.7.1, 11.6.5): a syslog receiver, a
 * file collected by a log shipper, …
 *
 * <h2>Contract with the exporter</h2>
 *
 * <p>Each sink is driven by one exporter worker thread; only {@link #close()} may be called
 * from another thread. The exporter reads entries from the audit log starting after the sink's
 * durable cursor and hands them over in ascending, gap-free seq order.
 *
 * <ul>
 *   <li>{@link #deliver} <em>accepts</em> a batch. On a normal return the sink owns every entry
 *       in it: it keeps trying to get them through (for example resending them after a
 *       reconnection) until they are confirmed or the sink is closed. If it throws, the sink
 *       has accepted none of the batch (though some may have reached the receiver) and the
 *       exporter offers the same entries again later. A sink ignores entries it has already
 *       accepted, so offering an entry twice is harmless.
 *   <li>{@link #confirmedThrough()} tells the exporter how far it may move the durable cursor:
 *       every accepted entry up to that seq is safely delivered and will not be needed again.
 *       The exporter never moves the cursor past it, so an entry is only ever dropped from the
 *       queue once its sink has vouched for it.
 * </ul>
 *
 * <p>Delivery is therefore <em>at least once</em>: after a crash or a lost connection the
 * unconfirmed entries are sent again, and receivers may see an entry twice. Duplicates carry
 * the same seq, which is how consumers recognise them.
 */
public interface CentralLogSink extends Closeable {

  /** Stable name of this sink; the key of its cursor, so it must not change between runs. */
  String name();

  /**
   * Accepts and sends {@code batch} (non-empty, ascending seq, continuing from what was
   * accepted before) in order.
   *
   * @throws IOException if the transport failed; none of the batch counts as accepted
   */
  void deliver(List<LogEntry> batch) throws IOException;

  /**
   * The highest seq through which every accepted entry is safely delivered: 0 before anything
   * is confirmed, never decreasing, never beyond what was accepted. The exporter calls this
   * regularly, also while no new entries arrive, so a sink may use the call to check its
   * transport and, if that was lost, re-establish it and resend its unconfirmed entries.
   *
   * @throws IOException if the transport is down and could not be re-established; what was
   *     confirmed before stays confirmed and the unconfirmed entries stay owned by the sink
   */
  long confirmedThrough() throws IOException;

  /** Releases the transport. Unconfirmed entries are dropped; the exporter resends them. */
  @Override
  void close() throws IOException;
}
