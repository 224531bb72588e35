package io.custos.centrallog;

import java.time.Instant;
import java.util.Optional;

/**
 * A snapshot of one sink's export, for health reports and metrics.
 *
 * @param sink the sink's name
 * @param cursor seq through which the sink has confirmed delivery (durable)
 * @param accepted seq through which the sink has accepted entries (some may be unconfirmed)
 * @param backlog entries in the log beyond the cursor, as of the last attempt
 * @param backlogHigh whether the backlog alert is raised
 * @param consecutiveFailures failed attempts since the last success
 * @param lastFailure what went wrong last, while failing
 * @param failingSince when the current run of failures began
 * @param lastProgress when entries were last delivered or confirmed
 */
public record SinkStatus(String sink, long cursor, long accepted, long backlog,
    boolean backlogHigh, int consecutiveFailures, Optional<String> lastFailure,
    Optional<Instant> failingSince, Optional<Instant> lastProgress) {}
