package io.contactsbridge.journal;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * One partition of a consumer as stored, with its lag.
 *
 * @param position    every wanted event of the partition with seq up to this has been processed
 * @param lag         wanted events of the partition after {@code position}
 * @param failedSeq   the event the partition is blocked on, or null
 * @param failures    consecutive failures of that event
 * @param retryAfter  when it will be tried again, or null
 * @param lastError   what went wrong last (exception type and message), or null
 * @param lastSeenAt  when a replica last polled it
 */
public record ConsumerState(String consumerId, int partition, int partitions, List<String> sources,
                            Set<String> eventTypes, long position, long lag, String leaseOwner, Instant leaseUntil,
                            Long failedSeq, int failures, Instant retryAfter, String lastError, Instant lastSeenAt) {
}
