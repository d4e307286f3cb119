package io.contactsbridge.outbound;

import java.time.Duration;

import org.apache.hc.client5.http.classic.ExecChainHandler;

/**
 * When the HTTP client sent the current attempt's request: recorded by an exec-chain handler placed
 * right before HttpClient's main transport (the connection is leased and connected by then), read
 * back by the attempt steps to {@link RateBudget#settle(RateBudget.Permit, Duration) settle} the rate
 * budget. Per thread, as camel-http sends on the exchange's thread and the steps after it run there too.
 */
final class RequestSendTime {

    private static final ThreadLocal<Long> SENT = new ThreadLocal<>();

    /** Marks the send time, then goes on with the request. */
    static final ExecChainHandler RECORDER = (request, scope, chain) -> {
        SENT.set(System.nanoTime());
        return chain.proceed(request, scope);
    };

    private RequestSendTime() {
    }

    /** Forgets an earlier attempt's time, before a new attempt is sent. */
    static void clear() {
        SENT.remove();
    }

    /** How long ago the current attempt's request was sent, or null if it was not (or not through the recorder). */
    static Duration takeSentAgo() {
        Long sent = SENT.get();
        SENT.remove();
        return sent == null ? null : Duration.ofNanos(Math.max(0, System.nanoTime() - sent));
    }
}
