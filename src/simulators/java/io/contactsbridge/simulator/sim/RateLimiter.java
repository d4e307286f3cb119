package io.contactsbridge.simulator.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts requests per key (e.g. "app:location" for HighLevel, "account" for BirdSend) against
 * several windows at once, e.g. 100 per 10 s <em>and</em> 200,000 per day.
 *
 * <p>A request is admitted only if every window has room, and then it counts in every window; a
 * rejected request counts in none (so hammering a limited key does not extend the wait). Window
 * lengths are real-service durations passed through the {@link SimClock}'s time scale at each
 * call, so changing the scale at run time takes effect immediately. Thread-safe.
 */
public final class RateLimiter {

    private final SimClock clock;
    private final List<RateLimitWindow> windows;
    private final Map<String, KeyState> states = new ConcurrentHashMap<>();

    public RateLimiter(SimClock clock, List<RateLimitWindow> windows) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("at least one window required");
        }
        if (windows.stream().map(RateLimitWindow::name).distinct().count() != windows.size()) {
            throw new IllegalArgumentException("window names must be unique");
        }
        this.windows = List.copyOf(windows);
    }

    public RateLimiter(SimClock clock, RateLimitWindow... windows) {
        this(clock, List.of(windows));
    }

    public List<RateLimitWindow> windows() {
        return windows;
    }

    public SimClock clock() {
        return clock;
    }

    /** Admits the request and counts it in every window, or rejects it and counts nothing. */
    public RateLimitDecision tryAcquire(String key) {
        return state(key).evaluate(key, true);
    }

    /** The current state for a key without counting a request. */
    public RateLimitDecision peek(String key) {
        return state(key).evaluate(key, false);
    }

    /** Forgets every key's counters. */
    public void reset() {
        states.clear();
    }

    public void reset(String key) {
        states.remove(key);
    }

    private KeyState state(String key) {
        return states.computeIfAbsent(Objects.requireNonNull(key, "key"), k -> new KeyState());
    }

    /** All windows' counters for one key; one lock per key so "all windows have room, then count" is atomic. */
    private final class KeyState {
        private final long[] fixedStart = new long[windows.size()];
        private final int[] fixedCount = new int[windows.size()];
        private final List<ArrayDeque<Long>> sliding = new ArrayList<>();

        KeyState() {
            for (int i = 0; i < windows.size(); i++) {
                sliding.add(new ArrayDeque<>());
            }
        }

        synchronized RateLimitDecision evaluate(String key, boolean acquire) {
            long now = clock.epochNanos();
            long[] periods = new long[windows.size()];
            boolean allowed = true;
            for (int i = 0; i < windows.size(); i++) {
                periods[i] = Math.max(1, clock.scaled(windows.get(i).period()).toNanos());
                expire(i, now, periods[i]);
                if (used(i) >= windows.get(i).limit()) {
                    allowed = false;
                }
            }
            if (acquire && allowed) {
                for (int i = 0; i < windows.size(); i++) {
                    if (windows.get(i).kind() == RateLimitWindow.Kind.FIXED) {
                        if (fixedCount[i] == 0) {
                            fixedStart[i] = now;
                        }
                        fixedCount[i]++;
                    } else {
                        sliding.get(i).addLast(now);
                    }
                }
            }
            List<RateLimitDecision.Window> report = new ArrayList<>(windows.size());
            long retryAfter = 0;
            Instant nowInstant = toInstant(now);
            for (int i = 0; i < windows.size(); i++) {
                RateLimitWindow w = windows.get(i);
                int remaining = Math.max(0, w.limit() - used(i));
                long resetIn = resetIn(i, now, periods[i]);
                if (!allowed && remaining == 0) {
                    retryAfter = Math.max(retryAfter, resetIn);
                }
                report.add(new RateLimitDecision.Window(w.name(), w.limit(), remaining, w.period(),
                        Duration.ofNanos(resetIn), nowInstant.plusNanos(resetIn)));
            }
            return new RateLimitDecision(allowed, key, report,
                    Duration.ofNanos(allowed ? 0 : retryAfter));
        }

        private void expire(int i, long now, long period) {
            if (windows.get(i).kind() == RateLimitWindow.Kind.FIXED) {
                if (fixedCount[i] > 0 && now - fixedStart[i] >= period) {
                    fixedCount[i] = 0;
                }
            } else {
                ArrayDeque<Long> log = sliding.get(i);
                while (!log.isEmpty() && now - log.peekFirst() >= period) {
                    log.removeFirst();
                }
            }
        }

        private int used(int i) {
            return windows.get(i).kind() == RateLimitWindow.Kind.FIXED ? fixedCount[i] : sliding.get(i).size();
        }

        private long resetIn(int i, long now, long period) {
            if (windows.get(i).kind() == RateLimitWindow.Kind.FIXED) {
                return fixedCount[i] == 0 ? period : Math.max(0, fixedStart[i] + period - now);
            }
            ArrayDeque<Long> log = sliding.get(i);
            return log.isEmpty() ? period : Math.max(0, log.peekFirst() + period - now);
        }

        private Instant toInstant(long epochNanos) {
            return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                    Math.floorMod(epochNanos, 1_000_000_000L));
        }
    }
}
