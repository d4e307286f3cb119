package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.RateLimitDecision;
import io.contactsbridge.simulator.sim.RateLimitWindow;
import io.contactsbridge.simulator.sim.RateLimiter;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimFilter;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * HighLevel's API 2.0 rate limits as a {@link SimFilter}: per marketplace app and resource
 * ({@link HighLevelGrant#rateLimitKey()}), a burst limit of 100 requests per 10 seconds and a daily
 * limit of 200,000 requests (docs/oauth/Authorization.md, "What are current rate limits for API
 * 2.0?"), both counted on the {@link SimClock} so the time scale shrinks the windows.
 *
 * <h2>Placement</h2>
 * Register it <em>after</em> the filter that authenticates the bearer token and stores the
 * {@link HighLevelGrant} under {@link HighLevelGrant#ATTRIBUTE}: requests without a grant (OAuth
 * endpoints, auth failures) pass through untouched and uncounted.
 *
 * <h2>Headers</h2>
 * Every answer that passed through, the handler's errors included, carries the five headers the
 * docs list: {@value #LIMIT_DAILY}, {@value #DAILY_REMAINING}, {@value #INTERVAL_MILLISECONDS},
 * {@value #MAX}, {@value #REMAINING}, and {@value #DAILY_RESET}, which HighLevel's official SDK reads
 * with them (official-sdk-facts.md): the milliseconds until the daily window starts again (the SDK
 * calls it {@code dailyResetMs}; its README's example value, 84322000, is a duration, not a time of
 * day). Remaining counts are after this request. Durations are reported in the time the client
 * actually experiences, i.e. {@link SimClock#scaledMillis} of the configured interval (10000 at time
 * scale 1, 10 at time scale 1000), and likewise for the daily reset.
 *
 * <h2>Over the limit</h2>
 * 429 with {@code {"statusCode":429,"message":"Too many requests, please try again later.",
 * "error":"Too Many Requests"}}, the five headers, and the request goes no further. The docs name
 * neither the body's message (this is the stock message of the Node rate limiter HighLevel's
 * NestJS stack most plausibly uses) nor a Retry-After header; the simulator sends
 * {@code Retry-After} (whole seconds, scaled, rounded up) by default so clients can be tested
 * either way: {@link #setRetryAfterEnabled(boolean)}. Rejected requests count in neither window.
 *
 * <p>Both windows are fixed windows starting with the first request after the previous one ended
 * (the docs say "per 10 seconds" and "per day", not which kind; a day is 24 h from first use, since
 * a scaled clock has no calendar midnight). Thread-safe; {@link #configure} swaps the limits at run
 * time and resets the counters.
 */
public final class HighLevelRateLimits implements SimFilter {

    public static final String LIMIT_DAILY = "X-RateLimit-Limit-Daily";
    public static final String DAILY_REMAINING = "X-RateLimit-Daily-Remaining";
    public static final String INTERVAL_MILLISECONDS = "X-RateLimit-Interval-Milliseconds";
    public static final String MAX = "X-RateLimit-Max";
    public static final String REMAINING = "X-RateLimit-Remaining";
    public static final String DAILY_RESET = "X-RateLimit-Daily-Reset";
    public static final List<String> HEADERS = List.of(LIMIT_DAILY, DAILY_REMAINING, INTERVAL_MILLISECONDS, MAX, REMAINING,
            DAILY_RESET);

    public static final int DEFAULT_BURST_MAX = 100;
    public static final Duration DEFAULT_BURST_INTERVAL = Duration.ofSeconds(10);
    public static final int DEFAULT_DAILY_LIMIT = 200_000;
    public static final Duration DAY = Duration.ofDays(1);
    public static final String TOO_MANY_REQUESTS_MESSAGE = "Too many requests, please try again later.";

    private static final String BURST = "burst";
    private static final String DAILY = "daily";

    private final SimClock clock;
    private volatile RateLimiter limiter;
    private volatile boolean retryAfterEnabled = true;

    /** HighLevel's limits: 100 per 10 s, 200,000 per day. */
    public HighLevelRateLimits(SimClock clock) {
        this(clock, DEFAULT_BURST_MAX, DEFAULT_BURST_INTERVAL, DEFAULT_DAILY_LIMIT);
    }

    /** Custom limits, e.g. small ones for tests; the interval is in real-service time. */
    public HighLevelRateLimits(SimClock clock, int burstMax, Duration burstInterval, int dailyLimit) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.limiter = newLimiter(burstMax, burstInterval, dailyLimit);
    }

    /** Replaces the limits; every key's counters start from zero. */
    public void configure(int burstMax, Duration burstInterval, int dailyLimit) {
        this.limiter = newLimiter(burstMax, burstInterval, dailyLimit);
    }

    public int burstMax() {
        return limiter.windows().get(0).limit();
    }

    /** The burst interval in real-service time. */
    public Duration burstInterval() {
        return limiter.windows().get(0).period();
    }

    public int dailyLimit() {
        return limiter.windows().get(1).limit();
    }

    public void setRetryAfterEnabled(boolean enabled) {
        this.retryAfterEnabled = enabled;
    }

    public boolean retryAfterEnabled() {
        return retryAfterEnabled;
    }

    /** Forgets every key's counters. */
    public void reset() {
        limiter.reset();
    }

    /** The counters of one key ({@code appId:locationId}) without counting a request. */
    public RateLimitDecision peek(String rateLimitKey) {
        return limiter.peek(rateLimitKey);
    }

    @Override
    public SimResponse filter(SimRequest request, Chain next) throws Exception {
        HighLevelGrant grant = request.attribute(HighLevelGrant.ATTRIBUTE);
        if (grant == null) {
            return next.proceed(request);
        }
        RateLimiter current = limiter;
        RateLimitDecision decision = current.tryAcquire(grant.rateLimitKey());
        Map<String, String> headers = headers(decision);
        if (!decision.allowed()) {
            ObjectNode body = SimJson.object()
                    .put("statusCode", 429)
                    .put("message", TOO_MANY_REQUESTS_MESSAGE)
                    .put("error", "Too Many Requests");
            SimResponse tooMany = SimResponse.json(429, body).withHeaders(headers);
            return retryAfterEnabled
                    ? tooMany.withHeader("Retry-After", clock.retryAfterHeader(decision.retryAfter(), 1))
                    : tooMany;
        }
        SimResponse response = next.proceed(request);
        return response.isAbort() ? response : response.withHeaders(headers);
    }

    private Map<String, String> headers(RateLimitDecision decision) {
        RateLimitDecision.Window burst = decision.window(BURST);
        RateLimitDecision.Window daily = decision.window(DAILY);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(LIMIT_DAILY, Integer.toString(daily.limit()));
        headers.put(DAILY_REMAINING, Integer.toString(daily.remaining()));
        headers.put(INTERVAL_MILLISECONDS, Long.toString(Math.max(1, clock.scaledMillis(burst.period()))));
        headers.put(MAX, Integer.toString(burst.limit()));
        headers.put(REMAINING, Integer.toString(burst.remaining()));
        headers.put(DAILY_RESET, Long.toString(Math.max(1, daily.resetIn().toMillis())));
        return headers;
    }

    private RateLimiter newLimiter(int burstMax, Duration burstInterval, int dailyLimit) {
        return new RateLimiter(clock,
                RateLimitWindow.fixed(BURST, burstMax, burstInterval),
                RateLimitWindow.fixed(DAILY, dailyLimit, DAY));
    }

    // --- admin endpoints -------------------------------------------------------------------------

    /**
     * {@code GET /__admin/rate-limits}: {@code {"burstMax":100,"burstIntervalMs":10000,
     * "dailyLimit":200000,"retryAfter":true}} (interval in real-service ms); {@code PUT} with any of
     * those fields changes them (counters restart); {@code DELETE} resets the counters.
     */
    public void registerAdminRoutes(SimServer server) {
        server.adminRoute("GET", "/__admin/rate-limits", "admin-get-rate-limits", req -> SimResponse.ok(settings()));
        server.adminRoute("PUT", "/__admin/rate-limits", "admin-put-rate-limits", req -> {
            JsonNode body = req.json();
            if (!body.isObject()) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            int burstMax = intField(body, "burstMax", burstMax());
            long intervalMs = body.has("burstIntervalMs")
                    ? requireNumber(body, "burstIntervalMs").longValue() : burstInterval().toMillis();
            int dailyLimit = intField(body, "dailyLimit", dailyLimit());
            if (body.has("retryAfter") && !body.get("retryAfter").isBoolean()) {
                throw new IllegalArgumentException("retryAfter must be true or false");
            }
            if (burstMax != burstMax() || intervalMs != burstInterval().toMillis() || dailyLimit != dailyLimit()) {
                configure(burstMax, Duration.ofMillis(intervalMs), dailyLimit);
            }
            if (body.has("retryAfter")) {
                setRetryAfterEnabled(body.get("retryAfter").asBoolean());
            }
            return SimResponse.ok(settings());
        });
        server.adminRoute("DELETE", "/__admin/rate-limits", "admin-reset-rate-limits", req -> {
            reset();
            return SimResponse.noContent();
        });
    }

    private ObjectNode settings() {
        return SimJson.object()
                .put("burstMax", burstMax())
                .put("burstIntervalMs", burstInterval().toMillis())
                .put("dailyLimit", dailyLimit())
                .put("retryAfter", retryAfterEnabled);
    }

    private static int intField(JsonNode body, String field, int fallback) {
        return body.has(field) ? requireNumber(body, field).intValue() : fallback;
    }

    private static Number requireNumber(JsonNode body, String field) {
        if (!body.get(field).isNumber()) {
            throw new IllegalArgumentException(field + " must be a number");
        }
        return body.get(field).numberValue();
    }
}
