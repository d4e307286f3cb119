package io.contactsbridge.reports;

import java.time.Instant;

/**
 * One count of the reports: {@code n} of {@code metric} (split by {@code dimension}, '' when not split) for
 * {@code scope} in the UTC hour (or, once added up, day) starting at {@code start}.
 */
public record ReportBucket(String scope, Instant start, String metric, String dimension, long n) {
}
