package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import io.contactsbridge.auth.ServiceType;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings under {@code bridge.outbound.*}; defaults in {@code config/outbound.properties}. The
 * circuit breakers (one per connection) are configured per service as
 * {@code camel.resilience4j.configurations.highlevel|birdsend.*}.
 *
 * @param highlevel HighLevel API settings
 * @param birdsend  BirdSend API settings
 * @param retry     redelivery of transient failures (429, 5xx, I/O, open circuit)
 */
@ConfigurationProperties(prefix = "bridge.outbound")
public record OutboundProperties(Service highlevel, Service birdsend, Retry retry) {

    public OutboundProperties {
        Objects.requireNonNull(highlevel, "bridge.outbound.highlevel.* is missing");
        Objects.requireNonNull(birdsend, "bridge.outbound.birdsend.* is missing");
        Objects.requireNonNull(retry, "bridge.outbound.retry.* is missing");
    }

    public Service service(ServiceType service) {
        return service == ServiceType.HIGHLEVEL ? highlevel : birdsend;
    }

    /**
     * @param baseUrl                  the API base URL used when a connection names none
     * @param apiVersion               sent as the {@code Version} header when set (HighLevel: 2021-07-28)
     * @param connectTimeout           TCP connect timeout
     * @param responseTimeout          how long to wait for (each part of) the answer
     * @param connectionRequestTimeout how long to wait for a pooled HTTP connection
     * @param maxConnections           pooled HTTP connections per base URL: enough for a whole burst
     *                                 window, so granted requests do not queue for a connection
     * @param rate                     the per-connection rate budget
     */
    public record Service(String baseUrl, String apiVersion, Duration connectTimeout, Duration responseTimeout,
                          Duration connectionRequestTimeout, int maxConnections, Rate rate) {

        public Service {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("max-connections must be >= 1");
            }
            Objects.requireNonNull(connectTimeout, "connect-timeout is missing");
            Objects.requireNonNull(responseTimeout, "response-timeout is missing");
            Objects.requireNonNull(connectionRequestTimeout, "connection-request-timeout is missing");
            Objects.requireNonNull(rate, "rate.* is missing");
        }
    }

    /**
     * @param windows      the limits, by name (e.g. {@code burst}, {@code daily}); a request must fit in all
     * @param maxWait      how long a caller may wait for a slot before the call fails with
     *                     {@link RateBudgetExhaustedException}
     * @param safetyMargin added to every window's period: our clock starts a request's count when it is
     *                     sent, the service's when it arrives, and the two differ by the network jitter
     */
    public record Rate(Map<String, Window> windows, Duration maxWait, Duration safetyMargin) {

        public Rate {
            if (windows == null || windows.isEmpty()) {
                throw new IllegalArgumentException("rate.windows needs at least one window");
            }
            windows = Map.copyOf(windows);
            Objects.requireNonNull(maxWait, "rate.max-wait is missing");
            safetyMargin = safetyMargin == null ? Duration.ZERO : safetyMargin;
        }
    }

    /**
     * One limit: at most {@code limit} requests in any {@code period}.
     *
     * @param maxHeader       response header carrying the service's current limit for this window
     * @param remainingHeader response header carrying what is left of it
     * @param intervalHeader  response header carrying the window length in milliseconds, when the
     *                        service sends one (else {@code period} is assumed)
     */
    public record Window(int limit, Duration period, String maxHeader, String remainingHeader, String intervalHeader) {

        public Window {
            if (limit < 1) {
                throw new IllegalArgumentException("rate window limit must be >= 1, got " + limit);
            }
            if (period == null || period.isZero() || period.isNegative()) {
                throw new IllegalArgumentException("rate window period must be positive");
            }
        }
    }

    /**
     * Capped exponential backoff with ±15 % jitter: {@code initialDelay}, times {@code multiplier} after
     * each attempt, at most {@code maximumDelay}; a Retry-After from the service replaces the computed
     * delay (also capped).
     */
    public record Retry(int maximumRedeliveries, Duration initialDelay, double multiplier, Duration maximumDelay) {

        public Retry {
            if (maximumRedeliveries < 0) {
                throw new IllegalArgumentException("retry.maximum-redeliveries must be >= 0");
            }
            Objects.requireNonNull(initialDelay, "retry.initial-delay is missing");
            Objects.requireNonNull(maximumDelay, "retry.maximum-delay is missing");
            if (multiplier < 1) {
                throw new IllegalArgumentException("retry.multiplier must be >= 1");
            }
        }
    }
}
