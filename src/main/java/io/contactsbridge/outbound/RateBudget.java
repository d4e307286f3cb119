package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One connection's request budget: a caller takes a slot before every request and waits for it
 * rather than send a request the service would refuse with 429.
 *
 * <h2>How slots are given</h2>
 * Every window ("at most {@code limit} requests in any {@code period}") keeps a log of the times
 * requests went out, so the guarantee holds for any window position, whether the service counts in
 * fixed windows (HighLevel's {@code X-RateLimit-Interval-Milliseconds}) or sliding ones. Periods are
 * lengthened by a safety margin for the jitter between our clock and the service's arrival time. A
 * caller reserves the earliest slot that fits every window and is not before any earlier
 * reservation (so callers are served in order and never stampede), then sleeps until it. A slot
 * further away than the caller's maximum wait is not reserved: the caller is refused at once. Windows
 * of more than {@value #EXACT_LIMIT} requests (200,000 a day) round their log times up to 1/1000 of
 * the period, which bounds memory and can only delay a slot, never hasten it.
 *
 * <h2>Late requests</h2>
 * Every request takes about as long to reach the service as the others, so what must be kept apart
 * is the times requests leave; the margin absorbs the differences. A request can leave well after
 * its slot, though (waiting for a pooled connection, a cold start), or take longer on its way. When
 * the HTTP client says when the request went out ({@link #settle(Permit, Duration)}), it is counted
 * from when it left, plus however much slower its round trip was than the fastest of the last 32
 * (that extra time may have been spent on the way there), less a tenth of a margin, if that is after
 * its slot; the tenth spares the queue behind from moving for every microsecond. Counting from the
 * answer would be safe too, but would leave every window idle for a round trip, so that is done only
 * when the send time is unknown (the connection failed, {@link #settle(Permit)}): a request completing
 * more than a margin after its slot is then counted from one margin before its completion.
 *
 * <p>A caller waking for its slot re-checks it against the log as it is then. If it woke late (a busy
 * machine), it is checked and counted at its wake time, since that is when its request leaves. If a
 * moved request has filled its window, it moves its own slot just past that request, keeping its
 * place: queueing again at the back would leave its slot empty. Callers behind it do the same in
 * turn. (Rounded windows are not re-checked: a late request matters little in a day, and rounding
 * would make later slots look earlier.)
 *
 * <h2>Corrections from the service</h2>
 * <ul>
 *   <li>{@link #rateLimited}: a 429 pauses the whole connection for Retry-After (else for the
 *       shortest window); callers already holding a slot in the pause queue again after it.</li>
 *   <li>{@link #observe}: the rate-limit headers of every answer. The service may count requests we
 *       did not make (another app on the same account, a replica that joined late in a day). If it counts
 *       more than we sent in the last two windows plus the other replicas' allotment (see {@link #share}),
 *       the difference is added to our log; if it says nothing is left
 *       while our own count does not explain that, the connection pauses for the window's interval,
 *       since the service does not say when its window ends. The service's limit, when lower than
 *       the configured one, becomes the connection's.</li>
 * </ul>
 *
 * <h2>Replicas</h2>
 * Several replicas calling one connection split its limits: each gets {@link #share} of every window
 * ({@link RateAllotment} sets it from the replicas alive), so together they stay within the whole.
 * Thread-safe.
 */
public final class RateBudget {

    /** A wait for a slot longer than this means the budget, not the callers, sets the pace. */
    private static final long QUEUED_AFTER = 1_000_000;

    /** Windows up to this many requests keep exact times; larger ones round them (see above). */
    static final int EXACT_LIMIT = 1000;

    /** A monotonic nanosecond clock and a way to sleep on it; tests use a fake one. */
    public interface Clock {
        long nanoTime();

        void sleepNanos(long nanos) throws InterruptedException;

        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleepNanos(long nanos) throws InterruptedException {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            }
        };

        /**
         * The system clock, whose sleep ends with {@link io.contactsbridge.ops.ShuttingDownException} when the
         * application stops: a caller waiting for its slot then gives up instead of holding the shutdown.
         */
        static Clock stoppable(io.contactsbridge.ops.ShutdownSignal shutdown) {
            return new Clock() {
                @Override
                public long nanoTime() {
                    return System.nanoTime();
                }

                @Override
                public void sleepNanos(long nanos) throws InterruptedException {
                    shutdown.sleepOrStop(java.time.Duration.ofNanos(nanos), "waiting for a rate-budget slot");
                }
            };
        }
    }

    /**
     * The outcome of {@link #acquire}: a granted slot (to {@link #settle} when the request is done),
     * or a refusal with the time to the earliest slot.
     */
    public static final class Permit {
        private final boolean granted;
        private final Duration waited;
        private final Duration nextSlotIn;
        private final Reservation reservation;

        private Permit(boolean granted, Duration waited, Duration nextSlotIn, Reservation reservation) {
            this.granted = granted;
            this.waited = waited;
            this.nextSlotIn = nextSlotIn;
            this.reservation = reservation;
        }

        public boolean granted() {
            return granted;
        }

        /** How long the caller waited, granted or not. */
        public Duration waited() {
            return waited;
        }

        /** When refused: how far away the earliest slot was. */
        public Duration nextSlotIn() {
            return nextSlotIn;
        }

        /** Where the request is counted on the budget's clock (ns since it was created): its slot or later; for tests. */
        long slot() {
            return reservation.slot;
        }
    }

    private final String name;
    private final Clock clock;
    private final long origin;
    private final List<Window> windows = new ArrayList<>();
    private final long margin;
    /** Times are nanoseconds since {@link #origin}, so plain comparisons are safe. */
    private long pausedUntil;
    private long lastSlot;
    private double share = 1;
    /** When (budget clock) a caller last had to wait for its slot, or was refused; see {@link #queuedWithin}. */
    private long lastQueued = Long.MIN_VALUE / 2;
    /** Send-to-answer times of the latest requests settled with a send time ({@link #settle(Permit, Duration)}). */
    private final long[] recentRoundTrips = new long[32];
    private int roundTripsKept;
    private int nextRoundTrip;

    public RateBudget(String name, OutboundProperties.Rate rate, Clock clock) {
        this.name = name;
        this.clock = clock;
        this.origin = clock.nanoTime();
        this.margin = rate.safetyMargin().toNanos();
        rate.windows().forEach((windowName, w) -> windows.add(new Window(windowName, w, margin)));
    }

    public String name() {
        return name;
    }

    /**
     * Takes a slot, sleeping until it comes. Refuses without reserving when the earliest slot is
     * further away than {@code maxWait} (or stops being reachable in it after a pause).
     */
    public Permit acquire(Duration maxWait) throws InterruptedException {
        long start = now();
        long deadline = start + maxWait.toNanos();
        // The slot this caller held when a request ahead of it was moved into its window; -1 otherwise.
        long displacedFrom = -1;
        while (true) {
            Reservation reservation;
            synchronized (this) {
                long now = now();
                // A displaced caller keeps its place, just late enough to fit: sent to the back of the queue, it
                // would leave its slot empty and every late request would cost the window a request.
                long slot = displacedFrom < 0 ? earliestSlot(now) : shiftedSlot(Math.max(now, displacedFrom));
                if (slot > deadline) {
                    lastQueued = now;
                    return new Permit(false, Duration.ofNanos(now - start), Duration.ofNanos(slot - now), null);
                }
                reservation = reserve(slot);
            }
            long wait = reservation.slot - now();
            if (wait > QUEUED_AFTER) {
                synchronized (this) {
                    lastQueued = Math.max(lastQueued, now());
                }
            }
            if (wait > 0) {
                try {
                    clock.sleepNanos(wait);
                } catch (InterruptedException | RuntimeException e) {
                    synchronized (this) {
                        reservation.cancel();
                    }
                    throw e;
                }
            }
            synchronized (this) {
                long now = now();
                if (now - margin / 10 > reservation.slot) {
                    // Woke late (a busy machine): the request goes now, so it is checked and counted at now. At its
                    // old slot it would miss the requests moved since to when they may have arrived.
                    reservation.moveTo(now);
                }
                boolean paused = pausedUntil > now;
                if (!paused && reservation.stillFits()) {
                    return new Permit(true, Duration.ofNanos(now() - start), Duration.ZERO, reservation);
                }
                // Paused by a 429: queue again behind the pause. A late request filled the window while we
                // slept: move just past it.
                reservation.cancel();
                displacedFrom = paused ? -1 : reservation.slot;
            }
        }
    }

    /**
     * The request of {@code permit} is done (answered or failed). If that was more than the safety
     * margin after its slot, the service may have received it that late: it is counted from one
     * margin before now.
     */
    public synchronized void settle(Permit permit) {
        if (permit == null || permit.reservation == null) {
            return;
        }
        long now = now();
        if (now - margin > permit.reservation.slot) {
            permit.reservation.moveTo(now - margin);
        }
    }

    /**
     * The request of {@code permit} is done and left {@code sentAgo} before now (the HTTP client's
     * own time of sending, so a wait for a connection counts and the round trip does not). It is
     * counted from when it may have arrived, as if on the fastest recent round trip (see the class
     * comment), less a tenth of a margin, when that is after its slot.
     */
    public synchronized void settle(Permit permit, Duration sentAgo) {
        if (permit == null || permit.reservation == null) {
            return;
        }
        long now = now();
        long roundTrip = Math.max(0, sentAgo.toNanos());
        recentRoundTrips[nextRoundTrip] = roundTrip;
        nextRoundTrip = (nextRoundTrip + 1) % recentRoundTrips.length;
        roundTripsKept = Math.min(roundTripsKept + 1, recentRoundTrips.length);
        long fastest = Long.MAX_VALUE;
        for (int i = 0; i < roundTripsKept; i++) {
            fastest = Math.min(fastest, recentRoundTrips[i]);
        }
        // Slower than the fastest recent round trip: the difference may have been spent on the way there (a
        // congested link, a busy server accepting it), so it may have arrived that much later than it left.
        long departed = now - fastest;
        long allowance = margin / 10;
        if (departed - allowance > permit.reservation.slot) {
            permit.reservation.moveTo(departed - allowance);
        }
    }

    /** The service answered 429: no slot for anyone on this connection until Retry-After has passed. */
    public synchronized void rateLimited(Duration retryAfter) {
        long pause = retryAfter != null ? retryAfter.toNanos()
                : windows.stream().mapToLong(w -> w.period).min().orElse(0) + margin;
        pauseUntil(now() + pause);
    }

    /**
     * Reads the rate-limit headers of an answer (any status); {@code header} looks one up by name and
     * returns null when absent. Windows whose headers are absent are left as they are.
     */
    public synchronized void observe(Function<String, String> header) {
        long now = now();
        for (Window w : windows) {
            Integer remaining = integer(header, w.remainingHeader);
            Integer max = integer(header, w.maxHeader);
            if (max != null && max > 0) {
                w.wholeLimit = Math.min(w.configuredLimit, max);
                w.applyShare(share);
            }
            if (remaining == null) {
                continue;
            }
            w.prune(now);
            // Up to the end of the current rounding step: a rounded window files recent requests just ahead of now.
            long ours = w.countBetween(now - 2 * w.span, now + w.granularity - 1);
            int serviceLimit = max != null && max > 0 ? max : w.wholeLimit;
            long serviceUsed = (long) serviceLimit - remaining;
            // Other replicas may each use their whole allotment: only requests beyond ours and theirs are news.
            long others = (long) w.wholeLimit - w.limit;
            if (remaining <= 0 && ours < w.limit) {
                Integer intervalMs = integer(header, w.intervalHeader);
                long interval = intervalMs != null && intervalMs > 0 ? intervalMs * 1_000_000L : w.period;
                pauseUntil(now + interval + margin);
            } else if (serviceUsed > ours + others) {
                w.add(now, (int) Math.min(Integer.MAX_VALUE, serviceUsed - ours - others));
            }
        }
    }

    /** How long until a slot would be free now, without taking it (zero when one is free). */
    public synchronized Duration nextSlotIn() {
        long now = now();
        return Duration.ofNanos(earliestSlot(now) - now);
    }

    /**
     * This replica's share of the connection's limits (1 when it runs alone; 1/n among n replicas, see
     * {@link RateAllotment}). Each window's limit becomes its share of the whole, rounded down, at least 1. A smaller
     * share takes effect at once: requests already logged count against it, so the window refuses until it is back
     * under the new limit.
     */
    public synchronized void share(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("a budget's share must be in (0, 1], got " + fraction);
        }
        share = fraction;
        for (Window w : windows) {
            w.applyShare(fraction);
        }
    }

    public synchronized double share() {
        return share;
    }

    /** No slot for anyone on this connection for {@code pause} (a replica joining waits for the others to make room). */
    public synchronized void hold(Duration pause) {
        pauseUntil(now() + pause.toNanos());
    }

    /**
     * Whether a caller had to wait for a slot (more than a millisecond), or was refused one, within {@code period}
     * before now: the budget is what holds its callers back, so a larger share would be used.
     */
    public synchronized boolean queuedWithin(Duration period) {
        return lastQueued >= now() - period.toNanos();
    }

    /**
     * How long requests already sent can count against a window: the longest span (period and margin) of the
     * windows no longer than {@code upTo}. A replica that joins others waits this long after they have seen it, so
     * what they sent under their old, larger shares has left the windows before it sends. Longer windows (a day)
     * are left to the service's headers ({@link #observe}).
     */
    public Duration drainTime(Duration upTo) {
        long longest = 0;
        for (Window w : windows) {
            if (w.period <= upTo.toNanos()) {
                longest = Math.max(longest, w.span);
            }
        }
        return Duration.ofNanos(longest);
    }

    /** The limit currently applied to a window (this replica's share of the configured one, or lower if the service said so). */
    public synchronized int limit(String window) {
        return windows.stream().filter(w -> w.name.equals(window)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no rate window " + window)).limit;
    }

    /**
     * Requests a window has room for now: its current limit less the requests counted in its last span (slots
     * reserved ahead included). The {@code bridge.outbound.budget.remaining} gauge.
     */
    public synchronized int remaining(String window) {
        long now = now();
        Window w = windows.stream().filter(x -> x.name.equals(window)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no rate window " + window));
        w.prune(now);
        int used = w.log.tailMap(now - w.span, false).values().stream().mapToInt(Integer::intValue).sum();
        return Math.max(0, w.limit - used);
    }

    /** The names of the budget's windows. */
    public List<String> windowNames() {
        return windows.stream().map(w -> w.name).toList();
    }

    private long now() {
        return clock.nanoTime() - origin;
    }

    private void pauseUntil(long until) {
        pausedUntil = Math.max(pausedUntil, until);
    }

    /** The next slot at the back of the queue. */
    private long earliestSlot(long now) {
        for (Window w : windows) {
            w.prune(now);
        }
        return firstFit(Math.max(now, Math.max(lastSlot, pausedUntil)), false);
    }

    /**
     * The earliest time, not before {@code t}, at which one more request fits every window given what
     * is logged up to it; reservations after it are not considered (their callers re-check on waking).
     */
    private long shiftedSlot(long t) {
        return firstFit(Math.max(t, pausedUntil), true);
    }

    private long firstFit(long t, boolean onlyUpToIt) {
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Window w : windows) {
                long fits = w.fit(t, onlyUpToIt);
                if (fits > t) {
                    t = fits;
                    moved = true;
                }
            }
        }
        return t;
    }

    private Reservation reserve(long slot) {
        lastSlot = Math.max(lastSlot, slot);
        long[] keys = new long[windows.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = windows.get(i).add(slot, 1);
        }
        return new Reservation(slot, keys);
    }

    private static Integer integer(Function<String, String> header, String name) {
        if (name == null) {
            return null;
        }
        String value = header.apply(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            return null; // a malformed header tells us nothing; the configured limits still hold
        }
    }

    /** A slot handed out: where it is counted in each window. Guarded by the budget's lock. */
    private final class Reservation {
        long slot;
        final long[] keys;

        Reservation(long slot, long[] keys) {
            this.slot = slot;
            this.keys = keys;
        }

        void cancel() {
            for (int i = 0; i < keys.length; i++) {
                windows.get(i).remove(keys[i], 1);
            }
        }

        void moveTo(long at) {
            slot = at;
            for (int i = 0; i < keys.length; i++) {
                windows.get(i).remove(keys[i], 1);
                keys[i] = windows.get(i).add(at, 1);
            }
        }

        boolean stillFits() {
            for (int i = 0; i < keys.length; i++) {
                Window w = windows.get(i);
                if (w.exact() && w.countBetween(keys[i] - w.span, keys[i]) > w.limit) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final class Window {
        final String name;
        final int configuredLimit;
        final long period;
        final long span;
        final long granularity;
        final String maxHeader;
        final String remainingHeader;
        final String intervalHeader;
        /** Rounded-up time to the number of requests counted at it. */
        final NavigableMap<Long, Integer> log = new TreeMap<>();
        /** The connection's limit: the configured one, or lower if the service said so. */
        int wholeLimit;
        /** This replica's part of it, the limit slots are given by. */
        int limit;

        Window(String name, OutboundProperties.Window w, long margin) {
            this.name = name;
            this.configuredLimit = w.limit();
            this.wholeLimit = w.limit();
            this.limit = w.limit();
            this.period = w.period().toNanos();
            this.span = period + margin;
            this.granularity = w.limit() <= EXACT_LIMIT ? 1 : Math.max(1, period / 1000);
            this.maxHeader = w.maxHeader();
            this.remainingHeader = w.remainingHeader();
            this.intervalHeader = w.intervalHeader();
        }

        boolean exact() {
            return granularity == 1;
        }

        void applyShare(double share) {
            limit = Math.max(1, (int) Math.floor(wholeLimit * share + 1e-9));
        }

        /** Keeps two spans of history: one to decide slots, the second to compare with the service's count. */
        void prune(long now) {
            log.headMap(now - 2 * span, true).clear();
        }

        /**
         * The earliest time, not before {@code t}, at which one more request fits, counting the entries after
         * {@code t - span}: all of them (the back of the queue, where nothing is logged after {@code t} but the
         * rounding of the latest slot), or {@code onlyUpToIt} those up to {@code t} (a displaced caller).
         */
        long fit(long t, boolean onlyUpToIt) {
            NavigableMap<Long, Integer> counted = onlyUpToIt
                    ? log.subMap(t - span, false, t, true)
                    : log.tailMap(t - span, false);
            long n = 0;
            for (Map.Entry<Long, Integer> e : counted.descendingMap().entrySet()) {
                n += e.getValue();
                if (n >= limit) {
                    return Math.max(t, e.getKey() + span);
                }
            }
            return t;
        }

        long countBetween(long fromExclusive, long toInclusive) {
            long n = 0;
            for (int count : log.subMap(fromExclusive, false, toInclusive, true).values()) {
                n += count;
            }
            return n;
        }

        /** Counts {@code n} requests at {@code at}; returns the key they are counted under. */
        long add(long at, int n) {
            long key = -Math.floorDiv(-at, granularity) * granularity; // rounded up
            log.merge(key, n, Integer::sum);
            return key;
        }

        void remove(long key, int n) {
            log.computeIfPresent(key, (k, count) -> count - n > 0 ? count - n : null);
        }
    }

    @Override
    public String toString() {
        return "RateBudget[" + name + "]";
    }
}
