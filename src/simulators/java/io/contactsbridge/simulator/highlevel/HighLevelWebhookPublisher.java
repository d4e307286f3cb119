package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Posts the HighLevel simulator's events as signed webhooks to one configurable URL, the way
 * HighLevel posts them to a marketplace app's webhook URL.
 *
 * <h2>Delivery</h2>
 * <ul>
 *   <li>The body is built by {@link HighLevelWebhookPayloads} when the event arrives (so it has the
 *       event's {@code timestamp}), serialised once, and signed over those exact bytes with
 *       {@value #ED25519_SIGNATURE_HEADER} (Ed25519, base64), as HighLevel signs every webhook; the legacy
 *       {@value #RSA_SIGNATURE_HEADER} (RSA-SHA256, base64), which HighLevel no longer sends, is added only
 *       when switched on ({@link #setRsaSignatures}); see {@link HighLevelWebhookKeys}. Retries resend the
 *       same bytes, same {@code webhookId}.</li>
 *   <li>Sent asynchronously on the publisher's own threads, {@code POST} with
 *       {@code Content-Type: application/json}. Events about the same contact (see
 *       {@link HighLevelWebhookPayloads#orderingKey}) are delivered one after the other in the order
 *       they happened, a retrying delivery holding back the later ones; different contacts proceed
 *       in parallel.</li>
 *   <li>Only a 429 answer is retried: up to {@value #DEFAULT_MAX_RETRIES} times,
 *       {@link #DEFAULT_RETRY_INTERVAL} apart in real-service time (so {@link SimClock#scaledMillis}
 *       of it in wall time: at time scale 60,000 ten minutes last 10 ms). Any other answer (2xx, other
 *       4xx, 5xx) or a connection failure is final, as HighLevel documents for its webhooks. Retry
 *       waits run on the wall clock through the time scale; moving a {@code MutableClock} base does
 *       not fire them.</li>
 *   <li>With no target URL set, events are recorded as {@link State#SKIPPED} and not sent.</li>
 *   <li>To simulate lost webhooks, {@link #dropNext(int)} and {@link #setDropRate(double)} make
 *       events {@link State#DROPPED} (recorded, never sent); {@link #setPaused(boolean)} holds
 *       deliveries back until resumed.</li>
 *   <li>To simulate an at-least-once queue, {@link #setDeliveryChaos(DeliveryChaos)} delivers a
 *       share of the webhooks late, out of order and twice (or more). HighLevel promises neither order nor
 *       exactly-once delivery, and a receiver must not rely on either; by default there is no chaos
 *       (the friendly case above).</li>
 * </ul>
 *
 * <h2>Admin endpoints ({@link #registerAdminRoutes})</h2>
 * <ul>
 *   <li>{@code GET /__admin/webhooks/public-keys}: both public keys as PEM and base64 SPKI; the Ed25519
 *       one also as the raw 32-byte key in base64 and hex, the forms HighLevel's marketplace shows</li>
 *   <li>{@code GET|PUT /__admin/webhooks/signing}: {@code {"rsa": false}}; true adds the legacy
 *       {@value #RSA_SIGNATURE_HEADER} to webhooks created from then on</li>
 *   <li>{@code GET|PUT /__admin/webhooks/target}: {@code {"url": "http://..."}}; PUT with a null or
 *       empty url stops sending</li>
 *   <li>{@code GET /__admin/webhooks/deliveries[?type=ContactCreate][&state=FAILED]}: recorded
 *       deliveries, oldest first; {@code DELETE} forgets the finished ones</li>
 *   <li>{@code GET|PUT /__admin/webhooks/control}: {@code {"paused":false,"dropRate":0.0,"dropNext":0,
 *       "maxRetries":6,"retryIntervalSeconds":600,"lateRate":0.0,"reorderRate":0.0,"duplicateRate":0.0,
 *       "copies":1,"maxDelaySeconds":0.0,"chaosSeed":0}}; PUT changes only the fields it carries (the last six are
 *       {@link DeliveryChaos}; a PUT of any of them restarts the chaos's random sequence from its seed)</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} stops the threads; deliveries still queued are abandoned.
 */
public final class HighLevelWebhookPublisher implements HighLevelEventListener, AutoCloseable {

    public static final String RSA_SIGNATURE_HEADER = "x-wh-signature";
    public static final String ED25519_SIGNATURE_HEADER = "x-ghl-signature";
    public static final int DEFAULT_MAX_RETRIES = 6;
    public static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofMinutes(10);
    /** Wall-clock time a receiver has to answer; HighLevel does not document its own. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Deliveries kept for inspection; older finished ones are forgotten. */
    public static final int DEFAULT_HISTORY_LIMIT = 1000;

    private static final System.Logger LOG = System.getLogger(HighLevelWebhookPublisher.class.getName());

    /** Where a delivery stands. */
    public enum State {
        /** Waiting for its turn or being sent. */
        QUEUED,
        /** Answered 429; the next attempt is scheduled. */
        RETRY_SCHEDULED,
        /** A 2xx answer. */
        DELIVERED,
        /** A final non-2xx answer, a connection failure, or 429 with the retries used up. */
        FAILED,
        /** Deliberately not sent (drop option). */
        DROPPED,
        /** Not sent because no target URL was configured. */
        SKIPPED;

        public boolean isFinal() {
            return this != QUEUED && this != RETRY_SCHEDULED;
        }
    }

    /**
     * A snapshot of one webhook.
     *
     * @param orderingKey the key deliveries are serialised by (e.g. {@code contact:<id>})
     * @param status      the last HTTP status received, or null (nothing received yet, connection error)
     * @param attempts    POSTs made so far
     * @param error       why the last attempt got no HTTP answer, or why it was not sent
     * @param payload     the exact JSON body sent (and signed)
     * @param duplicate   a second copy of an earlier delivery (same webhookId and bytes), sent by {@link DeliveryChaos}
     */
    public record Delivery(String webhookId, String eventType, String locationId, String orderingKey, State state,
                           Integer status, int attempts, String error, String payload, Instant createdAt,
                           Instant lastAttemptAt, boolean duplicate) {

        public JsonNode payloadJson() {
            return SimJson.parse(payload);
        }
    }

    /**
     * How far deliveries stray from "once, at once, in the order things happened", as a webhook queue with
     * at-least-once delivery and parallel consumers makes them. Each event is decided independently, from a
     * random sequence seeded with {@code seed}: the same events get the same decisions and delays in every run
     * (when the receiver answers is still up to the threads).
     *
     * @param lateRate      share of deliveries held back for a random time up to {@code maxDelay} before their
     *                      first attempt. They keep their place: later events of the same contact wait behind
     *                      them (late, in order)
     * @param reorderRate   share of deliveries taken out of their contact's order and sent after a random time up
     *                      to {@code maxDelay}, so later events of the same contact may overtake them (out of order)
     * @param duplicateRate share of deliveries sent again (same webhookId, same signed bytes) after a random time
     *                      up to {@code maxDelay}, independently of the first copy, which it may overtake
     * @param copies        how many more copies such a delivery gets (1: sent twice in all), each held back on its
     *                      own; draws beyond the first copy's are made only when this is above 1, so the default
     *                      keeps the decisions of every seed as they were
     * @param maxDelay      the longest hold-back, in real-service time (scaled by the clock like the retry interval)
     * @param seed          seed of the decisions and delays
     */
    public record DeliveryChaos(double lateRate, double reorderRate, double duplicateRate, int copies, Duration maxDelay,
                                long seed) {

        /** Every webhook once, at once, in order. */
        public static final DeliveryChaos NONE = new DeliveryChaos(0, 0, 0, Duration.ZERO, 0);

        public DeliveryChaos {
            requireRate("lateRate", lateRate);
            requireRate("reorderRate", reorderRate);
            requireRate("duplicateRate", duplicateRate);
            if (copies < 1 || copies > 10) {
                throw new IllegalArgumentException("copies must be 1 to 10, got " + copies);
            }
            Objects.requireNonNull(maxDelay, "maxDelay");
            if (maxDelay.isNegative()) {
                throw new IllegalArgumentException("maxDelay must not be negative");
            }
        }

        /** A duplicated delivery is sent twice in all. */
        public DeliveryChaos(double lateRate, double reorderRate, double duplicateRate, Duration maxDelay, long seed) {
            this(lateRate, reorderRate, duplicateRate, 1, maxDelay, seed);
        }

        public boolean isNone() {
            return lateRate == 0 && reorderRate == 0 && duplicateRate == 0;
        }

        private static void requireRate(String name, double rate) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException(name + " must be in [0, 1], got " + rate);
            }
        }
    }

    private final SimClock clock;
    private final HighLevelWebhookKeys keys;
    private final ExecutorService workers;
    private final ScheduledExecutorService timers;
    private final ExecutorService httpExecutor;
    private final HttpClient http;

    private final Object lock = new Object();
    private final Map<String, Lane> lanes = new HashMap<>();
    private final Deque<Job> history = new ArrayDeque<>();
    private final SplittableRandom random = new SplittableRandom();
    private int unfinished;
    private boolean paused;
    private boolean closed;
    private int dropNext;
    private double dropRate;
    private int historyLimit = DEFAULT_HISTORY_LIMIT;
    private DeliveryChaos chaos = DeliveryChaos.NONE;
    private SplittableRandom chaosRandom = new SplittableRandom(0);

    private volatile URI targetUrl;
    private volatile int maxRetries = DEFAULT_MAX_RETRIES;
    private volatile Duration retryInterval = DEFAULT_RETRY_INTERVAL;
    private volatile Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private volatile boolean rsaSignatures;

    /** A publisher with freshly generated signing keys. */
    public HighLevelWebhookPublisher(SimClock clock) {
        this(clock, HighLevelWebhookKeys.generate());
    }

    public HighLevelWebhookPublisher(SimClock clock, HighLevelWebhookKeys keys) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.workers = Executors.newFixedThreadPool(4, threadFactory("highlevel-webhooks"));
        this.timers = Executors.newSingleThreadScheduledExecutor(threadFactory("highlevel-webhook-retries"));
        // The HTTP client gets its own threads: sharing the workers could starve its response
        // handling while every worker is blocked in send().
        this.httpExecutor = Executors.newCachedThreadPool(threadFactory("highlevel-webhook-http"));
        this.http = HttpClient.newBuilder()
                .executor(httpExecutor)
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public HighLevelWebhookKeys keys() {
        return keys;
    }

    // --- configuration ---------------------------------------------------------------------------

    /** Where webhooks go; {@code null} or empty stops sending (events are then recorded as SKIPPED). */
    public void setTargetUrl(String url) {
        setTargetUrl(url == null || url.isBlank() ? null : URI.create(url.trim()));
    }

    public void setTargetUrl(URI url) {
        if (url != null && (!url.isAbsolute() || !("http".equalsIgnoreCase(url.getScheme())
                || "https".equalsIgnoreCase(url.getScheme())))) {
            throw new IllegalArgumentException("webhook target must be an absolute http(s) URL, got " + url);
        }
        this.targetUrl = url;
    }

    public Optional<URI> targetUrl() {
        return Optional.ofNullable(targetUrl);
    }

    /** Retries after a 429 (default 6); 0 makes a 429 final. */
    public void setMaxRetries(int maxRetries) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0");
        }
        this.maxRetries = maxRetries;
    }

    public int maxRetries() {
        return maxRetries;
    }

    /** Real-service wait between 429 retries (default 10 minutes), scaled by the clock. */
    public void setRetryInterval(Duration retryInterval) {
        if (retryInterval.isNegative()) {
            throw new IllegalArgumentException("retryInterval must not be negative");
        }
        this.retryInterval = retryInterval;
    }

    public Duration retryInterval() {
        return retryInterval;
    }

    /** Wall-clock time a receiver has to answer one POST before it counts as a connection failure. */
    public void setRequestTimeout(Duration requestTimeout) {
        if (requestTimeout.isZero() || requestTimeout.isNegative()) {
            throw new IllegalArgumentException("requestTimeout must be positive");
        }
        this.requestTimeout = requestTimeout;
    }

    /** Whether webhooks created from now on also carry the legacy RSA {@value #RSA_SIGNATURE_HEADER} (default false). */
    public void setRsaSignatures(boolean rsaSignatures) {
        this.rsaSignatures = rsaSignatures;
    }

    public boolean rsaSignatures() {
        return rsaSignatures;
    }

    /** While paused, nothing is sent; queued deliveries (and due retries) go out on resume. */
    public void setPaused(boolean paused) {
        synchronized (lock) {
            this.paused = paused;
            if (!paused) {
                lanes.values().forEach(this::activate);
            }
        }
    }

    public boolean isPaused() {
        synchronized (lock) {
            return paused;
        }
    }

    /** Drops the next {@code count} events (recorded as DROPPED, never sent), as if HighLevel lost them. */
    public void dropNext(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0");
        }
        synchronized (lock) {
            dropNext = count;
        }
    }

    /** Drops each event with this probability (after any {@link #dropNext} ones). */
    public void setDropRate(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("dropRate must be in [0, 1], got " + rate);
        }
        synchronized (lock) {
            dropRate = rate;
        }
    }

    public double dropRate() {
        synchronized (lock) {
            return dropRate;
        }
    }

    /**
     * Delivers a share of the webhooks late, out of order and twice from now on (see {@link DeliveryChaos});
     * {@link DeliveryChaos#NONE} stops it. Restarts the chaos's random sequence from its seed.
     */
    public void setDeliveryChaos(DeliveryChaos chaos) {
        Objects.requireNonNull(chaos, "chaos");
        synchronized (lock) {
            this.chaos = chaos;
            this.chaosRandom = new SplittableRandom(chaos.seed());
        }
    }

    public DeliveryChaos deliveryChaos() {
        synchronized (lock) {
            return chaos;
        }
    }

    public void setHistoryLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0");
        }
        synchronized (lock) {
            historyLimit = limit;
            trimHistory();
        }
    }

    // --- events ----------------------------------------------------------------------------------

    /**
     * Builds, signs and queues the webhook for {@code event}; returns at once.
     *
     * @throws IllegalArgumentException for an event type HighLevel has no webhook for
     */
    @Override
    public void onEvent(HighLevelEvent event) {
        if (!HighLevelWebhookPayloads.supports(event.type())) {
            throw new IllegalArgumentException("HighLevel sends no webhook of type " + event.type());
        }
        Instant now = clock.now();
        String webhookId = UUID.randomUUID().toString();
        byte[] body = SimJson.toBytes(HighLevelWebhookPayloads.build(event, now, webhookId));
        Job job = new Job(webhookId, event.type(), event.locationId(), HighLevelWebhookPayloads.orderingKey(event),
                body, rsaSignatures ? keys.signRsa(body) : null, keys.signEd25519(body), now);
        synchronized (lock) {
            if (closed) {
                LOG.log(System.Logger.Level.DEBUG, "Webhook publisher closed; {0} not sent", event.type());
                return;
            }
            history.addLast(job);
            trimHistory();
            if (dropNext > 0 || (dropRate > 0 && random.nextDouble() < dropRate)) {
                dropNext = Math.max(0, dropNext - 1);
                job.state = State.DROPPED;
                return;
            }
            // Four draws per event whatever the outcome, so one event's decisions never shift the next one's.
            DeliveryChaos c = chaos;
            double late = chaosRandom.nextDouble();
            double reorder = chaosRandom.nextDouble();
            double duplicate = chaosRandom.nextDouble();
            long holdNanos = c.isNone() ? 0 : clock.scaled(c.maxDelay()).toNanos();
            long hold = holdNanos == 0 ? 0 : chaosRandom.nextLong(holdNanos + 1);
            long copyHold = holdNanos == 0 ? 0 : chaosRandom.nextLong(holdNanos + 1);
            unfinished++;
            if (reorder < c.reorderRate()) {
                // A lane of its own: nothing waits for it, and it waits for nothing.
                job.notBeforeNanos = System.nanoTime() + hold;
                enqueue(new Lane(job.orderingKey + " (out of order: " + webhookId + ")"), job);
            } else {
                if (late < c.lateRate()) {
                    job.notBeforeNanos = System.nanoTime() + hold;
                }
                enqueue(lanes.computeIfAbsent(job.orderingKey, Lane::new), job);
            }
            if (duplicate < c.duplicateRate()) {
                for (int n = 1; n <= c.copies(); n++) {
                    Job copy = job.duplicate();
                    long held = n == 1 ? copyHold : chaosRandom.nextLong(holdNanos + 1);
                    copy.notBeforeNanos = System.nanoTime() + held;
                    history.addLast(copy);
                    trimHistory();
                    unfinished++;
                    enqueue(new Lane(job.orderingKey + " (duplicate " + n + ": " + webhookId + ")"), copy);
                }
            }
        }
    }

    /** Queues a delivery in a lane (registered, so pausing and resuming reach it). Caller holds the lock. */
    private void enqueue(Lane lane, Job job) {
        lanes.putIfAbsent(lane.key, lane);
        Lane registered = lanes.get(lane.key);
        registered.queue.addLast(job);
        activate(registered);
    }

    /** Every recorded delivery, oldest first. */
    public List<Delivery> deliveries() {
        synchronized (lock) {
            List<Delivery> out = new ArrayList<>(history.size());
            history.forEach(job -> out.add(job.snapshot()));
            return out;
        }
    }

    public List<Delivery> deliveries(String eventType) {
        return deliveries().stream().filter(d -> d.eventType().equals(eventType)).toList();
    }

    public Optional<Delivery> delivery(String webhookId) {
        return deliveries().stream().filter(d -> d.webhookId().equals(webhookId)).findFirst();
    }

    /** Forgets finished deliveries (queued and retrying ones stay). */
    public void clearDeliveries() {
        synchronized (lock) {
            history.removeIf(job -> job.state.isFinal());
        }
    }

    /** Deliveries not yet final (queued, being sent, or waiting for a retry). */
    public int unfinished() {
        synchronized (lock) {
            return unfinished;
        }
    }

    /** Waits until every accepted event has a final state; false on timeout (or if paused with work queued). */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (unfinished > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    /** Stops sending at once; queued deliveries and pending retries are abandoned. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lock.notifyAll();
        }
        timers.shutdownNow();
        workers.shutdownNow();
        httpExecutor.shutdownNow();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
            timers.awaitTermination(1, TimeUnit.SECONDS);
            httpExecutor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- delivery machinery ----------------------------------------------------------------------

    /** The deliveries of one ordering key; at most one of them is in flight or waiting to retry. */
    private static final class Lane {
        final String key;
        final Deque<Job> queue = new ArrayDeque<>();
        boolean running;

        Lane(String key) {
            this.key = key;
        }
    }

    private static final class Job {
        final String webhookId;
        final String eventType;
        final String locationId;
        final String orderingKey;
        final byte[] body;
        final String rsaSignature;
        final String ed25519Signature;
        final Instant createdAt;
        final boolean duplicate;
        // guarded by the publisher's lock
        /** System.nanoTime() before which the first attempt is not made (0: at once); set by the chaos. */
        long notBeforeNanos;
        State state = State.QUEUED;
        Integer status;
        int attempts;
        String error;
        Instant lastAttemptAt;

        Job(String webhookId, String eventType, String locationId, String orderingKey, byte[] body,
            String rsaSignature, String ed25519Signature, Instant createdAt) {
            this(webhookId, eventType, locationId, orderingKey, body, rsaSignature, ed25519Signature, createdAt, false);
        }

        private Job(String webhookId, String eventType, String locationId, String orderingKey, byte[] body,
                    String rsaSignature, String ed25519Signature, Instant createdAt, boolean duplicate) {
            this.webhookId = webhookId;
            this.eventType = eventType;
            this.locationId = locationId;
            this.orderingKey = orderingKey;
            this.body = body;
            this.rsaSignature = rsaSignature;
            this.ed25519Signature = ed25519Signature;
            this.createdAt = createdAt;
            this.duplicate = duplicate;
        }

        /** A second copy: the same webhook, bytes and signatures, delivered on its own. */
        Job duplicate() {
            return new Job(webhookId, eventType, locationId, orderingKey, body, rsaSignature, ed25519Signature,
                    createdAt, true);
        }

        Delivery snapshot() {
            return new Delivery(webhookId, eventType, locationId, orderingKey, state, status, attempts, error,
                    new String(body, StandardCharsets.UTF_8), createdAt, lastAttemptAt, duplicate);
        }
    }

    /** What one POST came to: an HTTP status, or no answer at all; {@code sent} false when nothing was posted. */
    private record Outcome(Integer status, String error, boolean sent) {
    }

    /** Starts the lane's worker unless it runs already. Caller holds the lock. */
    private void activate(Lane lane) {
        if (lane.running || paused || closed || lane.queue.isEmpty()) {
            return;
        }
        lane.running = true;
        submit(lane);
    }

    private void submit(Lane lane) {
        try {
            workers.execute(() -> sendHead(lane));
        } catch (RejectedExecutionException e) {
            // only after close(): the delivery is abandoned with the rest
            lane.running = false;
        }
    }

    /** Sends the lane's oldest delivery, then either schedules its retry or moves to the next one. */
    private void sendHead(Lane lane) {
        Job job;
        synchronized (lock) {
            job = lane.queue.peekFirst();
            if (job == null || paused || closed) {
                lane.running = false;
                if (lane.queue.isEmpty()) {
                    lanes.remove(lane.key, lane);
                }
                return;
            }
            long hold = job.notBeforeNanos == 0 ? 0 : job.notBeforeNanos - System.nanoTime();
            if (hold > 0) {
                // Held back by the chaos: the lane stays busy, so later deliveries of it wait behind this one.
                try {
                    timers.schedule(() -> {
                        synchronized (lock) {
                            submit(lane);
                        }
                    }, hold, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    lane.running = false;
                }
                return;
            }
        }
        Outcome outcome = post(job);
        synchronized (lock) {
            if (outcome.sent()) {
                job.attempts++;
                job.lastAttemptAt = clock.now();
            }
            job.status = outcome.status();
            job.error = outcome.error();
            if (closed) {
                return;
            }
            boolean tooMany = outcome.status() != null && outcome.status() == 429;
            if (tooMany && job.attempts <= maxRetries) {
                job.state = State.RETRY_SCHEDULED;
                try {
                    timers.schedule(() -> {
                        synchronized (lock) {
                            submit(lane);
                        }
                    }, clock.scaledMillis(retryInterval), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    lane.running = false;
                }
                return;
            }
            job.state = !outcome.sent() ? State.SKIPPED
                    : outcome.status() != null && outcome.status() / 100 == 2 ? State.DELIVERED : State.FAILED;
            lane.queue.removeFirst();
            unfinished--;
            lock.notifyAll();
            submit(lane);
        }
    }

    private Outcome post(Job job) {
        URI target = targetUrl;
        if (target == null) {
            return new Outcome(null, "no webhook target URL configured", false);
        }
        HttpRequest.Builder signed = HttpRequest.newBuilder(target)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header(ED25519_SIGNATURE_HEADER, job.ed25519Signature);
        if (job.rsaSignature != null) {
            signed.header(RSA_SIGNATURE_HEADER, job.rsaSignature);
        }
        HttpRequest request = signed.POST(HttpRequest.BodyPublishers.ofByteArray(job.body)).build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            return new Outcome(response.statusCode(), null, true);
        } catch (IOException e) {
            return new Outcome(null, e.toString(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(null, "interrupted: publisher closed", true);
        }
    }

    /** Forgets the oldest finished deliveries beyond the limit; unfinished ones stay visible. Caller holds the lock. */
    private void trimHistory() {
        int excess = history.size() - historyLimit;
        for (Iterator<Job> it = history.iterator(); excess > 0 && it.hasNext(); ) {
            if (it.next().state.isFinal()) {
                it.remove();
                excess--;
            }
        }
    }

    private static ThreadFactory threadFactory(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    // --- admin endpoints -------------------------------------------------------------------------

    /** Adds the {@code /__admin/webhooks/...} endpoints listed in the class comment. */
    public void registerAdminRoutes(SimServer server) {
        server.adminRoute("GET", "/__admin/webhooks/public-keys", "admin-webhook-public-keys",
                req -> SimResponse.ok(publicKeysJson()));
        server.adminRoute("GET", "/__admin/webhooks/signing", "admin-get-webhook-signing",
                req -> SimResponse.ok(SimJson.object().put("rsa", rsaSignatures)));
        server.adminRoute("PUT", "/__admin/webhooks/signing", "admin-put-webhook-signing", req -> {
            JsonNode rsa = req.json().path("rsa");
            if (!rsa.isBoolean()) {
                throw new IllegalArgumentException("rsa must be true or false");
            }
            setRsaSignatures(rsa.asBoolean());
            return SimResponse.ok(SimJson.object().put("rsa", rsaSignatures));
        });
        server.adminRoute("GET", "/__admin/webhooks/target", "admin-get-webhook-target",
                req -> SimResponse.ok(targetJson()));
        server.adminRoute("PUT", "/__admin/webhooks/target", "admin-put-webhook-target", req -> {
            JsonNode url = req.json().path("url");
            if (!url.isMissingNode() && !url.isNull() && !url.isTextual()) {
                throw new IllegalArgumentException("url must be a string or null");
            }
            setTargetUrl(url.isTextual() ? url.asText() : null);
            return SimResponse.ok(targetJson());
        });
        server.adminRoute("GET", "/__admin/webhooks/deliveries", "admin-get-webhook-deliveries",
                req -> SimResponse.ok(deliveriesJson(req)));
        server.adminRoute("DELETE", "/__admin/webhooks/deliveries", "admin-clear-webhook-deliveries", req -> {
            clearDeliveries();
            return SimResponse.noContent();
        });
        server.adminRoute("GET", "/__admin/webhooks/control", "admin-get-webhook-control",
                req -> SimResponse.ok(controlJson()));
        server.adminRoute("PUT", "/__admin/webhooks/control", "admin-put-webhook-control", req -> {
            applyControl(req.json());
            return SimResponse.ok(controlJson());
        });
    }

    private ObjectNode publicKeysJson() {
        ObjectNode body = SimJson.object();
        body.putObject(RSA_SIGNATURE_HEADER)
                .put("algorithm", "RSA-SHA256")
                .put("publicKeyPem", keys.rsaPublicKeyPem())
                .put("publicKeyBase64", keys.rsaPublicKeyBase64());
        body.putObject(ED25519_SIGNATURE_HEADER)
                .put("algorithm", "Ed25519")
                .put("publicKeyPem", keys.ed25519PublicKeyPem())
                .put("publicKeyBase64", keys.ed25519PublicKeyBase64())
                .put("rawPublicKeyBase64", keys.ed25519RawPublicKeyBase64())
                .put("rawPublicKeyHex", keys.ed25519RawPublicKeyHex());
        return body;
    }

    private ObjectNode targetJson() {
        URI url = targetUrl;
        ObjectNode body = SimJson.object();
        if (url == null) {
            body.putNull("url");
        } else {
            body.put("url", url.toString());
        }
        return body;
    }

    private ObjectNode deliveriesJson(SimRequest req) {
        String type = req.query("type");
        String state = req.query("state");
        ArrayNode list = SimJson.array();
        for (Delivery d : deliveries()) {
            if ((type != null && !type.equals(d.eventType()))
                    || (state != null && !state.equalsIgnoreCase(d.state().name()))) {
                continue;
            }
            ObjectNode item = list.addObject()
                    .put("webhookId", d.webhookId())
                    .put("eventType", d.eventType())
                    .put("locationId", d.locationId())
                    .put("orderingKey", d.orderingKey())
                    .put("state", d.state().name())
                    .put("attempts", d.attempts())
                    .put("createdAt", d.createdAt().toString())
                    .put("duplicate", d.duplicate());
            if (d.status() != null) {
                item.put("status", d.status());
            }
            if (d.error() != null) {
                item.put("error", d.error());
            }
            if (d.lastAttemptAt() != null) {
                item.put("lastAttemptAt", d.lastAttemptAt().toString());
            }
            item.set("payload", d.payloadJson());
        }
        ObjectNode body = SimJson.object().put("unfinished", unfinished());
        body.set("deliveries", list);
        return body;
    }

    private ObjectNode controlJson() {
        synchronized (lock) {
            return SimJson.object()
                    .put("paused", paused)
                    .put("dropRate", dropRate)
                    .put("dropNext", dropNext)
                    .put("maxRetries", maxRetries)
                    .put("retryIntervalSeconds", retryInterval.toSeconds())
                    .put("lateRate", chaos.lateRate())
                    .put("reorderRate", chaos.reorderRate())
                    .put("duplicateRate", chaos.duplicateRate())
                    .put("copies", chaos.copies())
                    .put("maxDelaySeconds", chaos.maxDelay().toMillis() / 1000.0)
                    .put("chaosSeed", chaos.seed());
        }
    }

    private void applyControl(JsonNode body) {
        if (!body.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        List<String> known = List.of("paused", "dropRate", "dropNext", "maxRetries", "retryIntervalSeconds",
                "lateRate", "reorderRate", "duplicateRate", "copies", "maxDelaySeconds", "chaosSeed");
        body.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown field " + name + "; known: " + known);
            }
        });
        // Validate everything before changing anything, so a bad field leaves the settings as they were.
        Boolean newPaused = body.has("paused") ? requireBoolean(body, "paused") : null;
        Double newRate = body.has("dropRate") ? requireNumber(body, "dropRate").doubleValue() : null;
        Integer newDropNext = body.has("dropNext") ? requireNumber(body, "dropNext").intValue() : null;
        Integer newMaxRetries = body.has("maxRetries") ? requireNumber(body, "maxRetries").intValue() : null;
        Long newInterval = body.has("retryIntervalSeconds")
                ? requireNumber(body, "retryIntervalSeconds").longValue() : null;
        if (newRate != null && !(newRate >= 0 && newRate <= 1)) {
            throw new IllegalArgumentException("dropRate must be in [0, 1]");
        }
        DeliveryChaos newChaos = null;
        if (body.has("lateRate") || body.has("reorderRate") || body.has("duplicateRate") || body.has("copies")
                || body.has("maxDelaySeconds") || body.has("chaosSeed")) {
            DeliveryChaos c = deliveryChaos();
            double maxDelaySeconds = body.has("maxDelaySeconds") ? requireNumber(body, "maxDelaySeconds").doubleValue()
                    : c.maxDelay().toMillis() / 1000.0;
            if (!(maxDelaySeconds >= 0) || Double.isInfinite(maxDelaySeconds)) {
                throw new IllegalArgumentException("maxDelaySeconds must be >= 0");
            }
            // The record checks the rates.
            newChaos = new DeliveryChaos(
                    body.has("lateRate") ? requireNumber(body, "lateRate").doubleValue() : c.lateRate(),
                    body.has("reorderRate") ? requireNumber(body, "reorderRate").doubleValue() : c.reorderRate(),
                    body.has("duplicateRate") ? requireNumber(body, "duplicateRate").doubleValue() : c.duplicateRate(),
                    body.has("copies") ? requireNumber(body, "copies").intValue() : c.copies(),
                    Duration.ofMillis(Math.round(maxDelaySeconds * 1000)),
                    body.has("chaosSeed") ? requireNumber(body, "chaosSeed").longValue() : c.seed());
        }
        if ((newDropNext != null && newDropNext < 0) || (newMaxRetries != null && newMaxRetries < 0)
                || (newInterval != null && newInterval < 0)) {
            throw new IllegalArgumentException("dropNext, maxRetries and retryIntervalSeconds must be >= 0");
        }
        if (newRate != null) {
            setDropRate(newRate);
        }
        if (newDropNext != null) {
            dropNext(newDropNext);
        }
        if (newMaxRetries != null) {
            setMaxRetries(newMaxRetries);
        }
        if (newInterval != null) {
            setRetryInterval(Duration.ofSeconds(newInterval));
        }
        if (newChaos != null) {
            setDeliveryChaos(newChaos);
        }
        if (newPaused != null) {
            setPaused(newPaused);
        }
    }

    private static boolean requireBoolean(JsonNode body, String field) {
        if (!body.get(field).isBoolean()) {
            throw new IllegalArgumentException(field + " must be true or false");
        }
        return body.get(field).asBoolean();
    }

    private static Number requireNumber(JsonNode body, String field) {
        if (!body.get(field).isNumber()) {
            throw new IllegalArgumentException(field + " must be a number");
        }
        return body.get(field).numberValue();
    }

    @Override
    public String toString() {
        return "HighLevelWebhookPublisher[target=" + targetUrl + ", retries=" + maxRetries + "x"
                + retryInterval.toString().toLowerCase(Locale.ROOT) + "]";
    }
}
