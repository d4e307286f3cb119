package io.contactsbridge.simulator.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts API calls per operation name and per final status, and keeps the most recent requests.
 *
 * <p>{@link SimServer} records every routed API call once, with the status the client actually
 * got (after filters and faults), <em>before</em> the response is written, so a test that has just
 * received an answer always sees it counted. Requests to unknown paths are counted under
 * {@link #UNMATCHED} (a wrong URL in the bridge shows up there); admin calls are never recorded.
 */
public final class CallRecorder {

    /** Operation name used for requests that matched no route (404/405). */
    public static final String UNMATCHED = "(unmatched)";
    /** Status recorded when the connection was aborted instead of answered. */
    public static final int ABORTED = 0;

    private final ConcurrentMap<String, ConcurrentMap<Integer, LongAdder>> counts = new ConcurrentHashMap<>();
    private final Deque<RecordedRequest> recent = new ArrayDeque<>();
    private volatile int capacity;

    public CallRecorder(int capacity) {
        setCapacity(capacity);
    }

    public CallRecorder() {
        this(200);
    }

    /** Records one answered (or aborted) call. */
    public void record(SimRequest request, int status) {
        String operation = request.operation() == null ? UNMATCHED : request.operation();
        counts.computeIfAbsent(operation, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(status, k -> new LongAdder())
                .increment();
        if (capacity > 0) {
            RecordedRequest entry = new RecordedRequest(request.receivedAt(), operation, request.method(),
                    request.path(), request.rawQuery(), request.headers(), request.bodyAsString(), status);
            synchronized (recent) {
                recent.addLast(entry);
                while (recent.size() > capacity) {
                    recent.removeFirst();
                }
            }
        }
    }

    /** Calls to one operation, any status. */
    public long count(String operation) {
        Map<Integer, LongAdder> byStatus = counts.get(operation);
        return byStatus == null ? 0 : byStatus.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Calls to one operation answered with {@code status}. */
    public long count(String operation, int status) {
        Map<Integer, LongAdder> byStatus = counts.get(operation);
        LongAdder adder = byStatus == null ? null : byStatus.get(status);
        return adder == null ? 0 : adder.sum();
    }

    /** All recorded calls, including unmatched ones. */
    public long total() {
        return counts.keySet().stream().mapToLong(this::count).sum();
    }

    /** Snapshot: operation name to number of calls, sorted by name. */
    public Map<String, Long> counts() {
        Map<String, Long> out = new TreeMap<>();
        counts.keySet().forEach(op -> out.put(op, count(op)));
        return out;
    }

    /** Snapshot: operation name to (status to number of calls), sorted. */
    public Map<String, Map<Integer, Long>> countsByStatus() {
        Map<String, Map<Integer, Long>> out = new TreeMap<>();
        counts.forEach((op, byStatus) -> {
            Map<Integer, Long> statuses = new TreeMap<>();
            byStatus.forEach((status, adder) -> statuses.put(status, adder.sum()));
            out.put(op, statuses);
        });
        return out;
    }

    /** The most recent requests, oldest first. */
    public List<RecordedRequest> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** The most recent requests to one operation, oldest first. */
    public List<RecordedRequest> recent(String operation) {
        List<RecordedRequest> out = new ArrayList<>();
        for (RecordedRequest r : recent()) {
            if (r.operation().equals(operation)) {
                out.add(r);
            }
        }
        return out;
    }

    public Optional<RecordedRequest> last(String operation) {
        List<RecordedRequest> matching = recent(operation);
        return matching.isEmpty() ? Optional.empty() : Optional.of(matching.get(matching.size() - 1));
    }

    /** How many requests are kept for inspection (0 keeps none; counts are unaffected). */
    public int capacity() {
        return capacity;
    }

    public void setCapacity(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0");
        }
        this.capacity = capacity;
        synchronized (recent) {
            while (recent.size() > capacity) {
                recent.removeFirst();
            }
        }
    }

    /** Forgets all counts and kept requests. */
    public void reset() {
        counts.clear();
        synchronized (recent) {
            recent.clear();
        }
    }
}
