package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.simulator.sim.RateLimitDecision;
import io.contactsbridge.simulator.sim.RateLimitWindow;
import io.contactsbridge.simulator.sim.RateLimiter;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a unit test: steady load through the outbound layer against simulators that enforce the real
 * limits, time-scaled, and report the achieved share of the allowed rate and the share of 429s.
 * Target: at least 95 % of the allowed rate with at most 1 % of requests answered 429.
 *
 * <pre>./mvnw -B test -Dbuild.dir=/tmp/bench-target -Dtest=OutboundBenchmark -Dbenchmark=true</pre>
 *
 * HighLevel: 100 requests per 10 s in fixed windows (as X-RateLimit-Interval-Milliseconds suggests),
 * at time scale 10 (100 per 1 s). BirdSend: 5 per second, sliding (the stricter kind), at time scale
 * 5 (5 per 200 ms). The bridge's budgets are configured with the same scaled limits; the safety
 * margins are absolute (20 ms, 5 ms): they cover network jitter, which does not scale. Each service
 * runs for {@code -Dbenchmark.windows} windows (default 60) after a warm-up of three. The simulators
 * send Retry-After in decimal seconds of wall-clock time, because their windows are scaled.
 *
 * <p>{@code birdSendWithSlowAnswers}: BirdSend again, each answer taking {@value #SLOW_ANSWER_MS} ms (half a
 * scaled window; a round trip across the internet does not scale either). The budget counts a request from
 * when it was sent, so the answer time must not show in the achieved rate.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@CamelSpringBootTest
@SpringBootTest(classes = ContactsBridgeApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "bridge.outbound.highlevel.rate.windows.burst.limit=" + OutboundBenchmark.HL_LIMIT,
            "bridge.outbound.highlevel.rate.windows.burst.period=" + OutboundBenchmark.HL_PERIOD_MS + "ms",
            "bridge.outbound.highlevel.rate.safety-margin=20ms",
            "bridge.outbound.highlevel.rate.max-wait=10s",
            "bridge.outbound.birdsend.rate.windows.second.limit=" + OutboundBenchmark.BS_LIMIT,
            "bridge.outbound.birdsend.rate.windows.second.period=" + OutboundBenchmark.BS_PERIOD_MS + "ms",
            "bridge.outbound.birdsend.rate.safety-margin=5ms",
            "bridge.outbound.birdsend.rate.max-wait=10s",
            "logging.level.org.apache.camel.processor.errorhandler=ERROR",
            // The live breakers' windows, not the test profile's hair-trigger ones: three 429s in six calls (a few
            // callers in flight when the service says stop) must not open a breaker here any more than live.
            "camel.resilience4j.configurations.highlevel.sliding-window-size=20",
            "camel.resilience4j.configurations.highlevel.minimum-number-of-calls=10",
            "camel.resilience4j.configurations.birdsend.sliding-window-size=20",
            "camel.resilience4j.configurations.birdsend.minimum-number-of-calls=10",
        })
@ActiveProfiles("test")
@Import(OutboundTestBeans.class)
class OutboundBenchmark {

    static final int HL_SCALE = 10;
    static final int HL_LIMIT = 100;
    static final long HL_PERIOD_MS = 10_000 / HL_SCALE;
    static final int BS_SCALE = 5;
    static final int BS_LIMIT = 5;
    static final long BS_PERIOD_MS = 1_000 / BS_SCALE;
    static final long SLOW_ANSWER_MS = 100;

    @Autowired
    OutboundClient client;
    @Autowired
    OutboundTestBeans.FakeTokens tokens;
    @Autowired
    OutboundTestBeans.MutableTargets targets;

    @Test
    void highLevel() throws Exception {
        RateLimiter limiter = new RateLimiter(SimClock.scaled(HL_SCALE),
                RateLimitWindow.fixed("burst", HL_LIMIT, Duration.ofSeconds(10)),
                RateLimitWindow.fixed("daily", 200_000, Duration.ofDays(1)));
        run(ServiceType.HIGHLEVEL, limiter, HL_LIMIT, HL_PERIOD_MS, 16, 0, (r, d) -> r.withHeaders(Map.of(
                "X-RateLimit-Max", Integer.toString(HL_LIMIT),
                "X-RateLimit-Remaining", Integer.toString(d.window("burst").remaining()),
                "X-RateLimit-Interval-Milliseconds", Long.toString(HL_PERIOD_MS),
                "X-RateLimit-Limit-Daily", "200000",
                "X-RateLimit-Daily-Remaining", Integer.toString(d.window("daily").remaining()))));
    }

    @Test
    void birdSend() throws Exception {
        RateLimiter limiter = new RateLimiter(SimClock.scaled(BS_SCALE),
                RateLimitWindow.sliding("second", BS_LIMIT, Duration.ofSeconds(1)));
        run(ServiceType.BIRDSEND, limiter, BS_LIMIT, BS_PERIOD_MS, 4, 0, (r, d) -> r.withHeaders(Map.of(
                "X-RateLimit-Limit", Integer.toString(BS_LIMIT),
                "X-RateLimit-Remaining", Integer.toString(d.window("second").remaining()))));
    }

    @Test
    void birdSendWithSlowAnswers() throws Exception {
        RateLimiter limiter = new RateLimiter(SimClock.scaled(BS_SCALE),
                RateLimitWindow.sliding("second", BS_LIMIT, Duration.ofSeconds(1)));
        run(ServiceType.BIRDSEND, limiter, BS_LIMIT, BS_PERIOD_MS, 8, SLOW_ANSWER_MS, (r, d) -> r.withHeaders(Map.of(
                "X-RateLimit-Limit", Integer.toString(BS_LIMIT),
                "X-RateLimit-Remaining", Integer.toString(d.window("second").remaining()))));
    }

    private void run(ServiceType service, RateLimiter limiter, int limit, long periodMs, int threads, long answerMs,
                     java.util.function.BiFunction<SimResponse, RateLimitDecision, SimResponse> rateHeaders)
            throws Exception {
        int windows = Integer.getInteger("benchmark.windows", 60);
        try (SimServer server = new SimServer("bench-" + UpstreamCall.id(service)).threads(threads * 2)) {
            server.route("GET", "/contacts/{id}", "get-contact", r -> {
                if (answerMs > 0) {
                    Thread.sleep(answerMs); // after the limiter counted it: the service's work and the way back
                }
                return SimResponse.ok(SimJson.object().put("id", r.pathVar("id")));
            });
            server.filter((request, next) -> {
                RateLimitDecision d = limiter.tryAcquire("app:location");
                SimResponse answer = d.allowed() ? next.proceed(request)
                        : SimResponse.json(429, SimJson.object().put("message", "Too many requests"))
                                .withHeader("Retry-After", String.format(Locale.ROOT, "%.3f",
                                        d.retryAfter().toNanos() / 1e9));
                return rateHeaders.apply(answer, d);
            });
            server.start(0);
            String connection = "bench-" + UpstreamCall.id(service);
            targets.put(connection, service, server.baseUrl());
            tokens.set(connection, "bench-token");

            AtomicBoolean stop = new AtomicBoolean();
            Map<String, LongAdder> failures = new ConcurrentHashMap<>();
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            client.call(connection, "get-contact", "GET", "/contacts/x", null, null);
                        } catch (RuntimeException e) {
                            failures.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
                        }
                    }
                }, "bench-" + i);
                workers.add(t);
                t.start();
            }
            Thread.sleep(3 * periodMs);
            server.calls().reset();
            failures.clear();
            long start = System.nanoTime();
            Thread.sleep(windows * periodMs);
            long ok = server.calls().count("get-contact", 200);
            long limited = server.calls().count("get-contact", 429);
            long total = server.calls().count("get-contact");
            double seconds = (System.nanoTime() - start) / 1e9;
            stop.set(true);
            for (Thread t : workers) {
                t.join(TimeUnit.SECONDS.toMillis(15));
            }

            double allowed = limit * 1000.0 / periodMs;
            double achieved = ok / seconds;
            double share429 = total == 0 ? 0 : 100.0 * limited / total;
            Map<String, Long> failed = new TreeMap<>();
            failures.forEach((k, v) -> failed.put(k, v.sum()));
            System.out.printf(Locale.ROOT, "%nBENCHMARK %s: %d windows of %d ms, %d callers, answers taking %d ms: %d answered 200, "
                            + "%d answered 429 (%.2f %% of %d requests); achieved %.2f req/s of %.2f allowed = %.1f %%; failed calls %s%n%n",
                    service.displayName(), windows, periodMs, threads, answerMs, ok, limited, share429, total, achieved, allowed,
                    100 * achieved / allowed, failed);
            assertThat(100 * achieved / allowed).as("share of the allowed rate").isGreaterThanOrEqualTo(95.0);
            assertThat(share429).as("share of 429s").isLessThanOrEqualTo(1.0);
        }
    }
}
