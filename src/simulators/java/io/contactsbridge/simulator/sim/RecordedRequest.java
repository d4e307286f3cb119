package io.contactsbridge.simulator.sim;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A request as kept by {@link CallRecorder} for tests to inspect, with the status it was answered
 * with ({@link CallRecorder#ABORTED} if the connection was dropped instead).
 *
 * @param headers case-insensitive for lookups
 * @param body    the request body decoded as UTF-8 (empty if none)
 */
public record RecordedRequest(
        Instant receivedAt,
        String operation,
        String method,
        String path,
        String rawQuery,
        Map<String, List<String>> headers,
        String body,
        int status) {

    /** First value of a header (case-insensitive), or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
