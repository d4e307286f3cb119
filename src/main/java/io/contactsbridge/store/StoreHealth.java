package io.contactsbridge.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * Whether the store answers right now, for readiness and {@code /api/status}: never blocks on the main pool. A
 * check is one {@code SELECT 1} through the {@link FailFastStore}, run on a thread of its own; its result is reused
 * for {@code bridge.store.health.max-age}, and a caller waits at most {@code bridge.store.health.answer-within} for
 * a fresh one (a check still running then counts as the store being unavailable, and its result serves the next
 * caller); after a failed check nobody waits (see {@link #current}). One check runs at a time, however many ask.
 */
@Component
public class StoreHealth implements DisposableBean {

    /** One check: whether the store answered, and if not, why (in words, no credentials). */
    public record Check(boolean available, String problem, Instant checkedAt, Duration took) {
    }

    private final FailFastStore store;
    private final StoreProperties.Health props;
    private final Clock clock;
    private final ExecutorService checker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "store-check");
        t.setDaemon(true);
        return t;
    });
    private volatile Check last;
    private CompletableFuture<Check> running;

    public StoreHealth(FailFastStore store, StoreProperties props, Clock clock) {
        this.store = store;
        this.props = props.health();
        this.clock = clock;
    }

    /**
     * The store's state, at most max-age old; answers within answer-within. While the last check found the store
     * unavailable, that answer comes at once and a new check runs in the background: during an outage nobody waits,
     * and the first question after the store is back may still hear that it is down.
     */
    public Check current() {
        Check seen = last;
        boolean fresh = seen != null && !seen.checkedAt().plus(props.maxAge()).isBefore(clock.instant());
        if (fresh) {
            return seen;
        }
        CompletableFuture<Check> check = start();
        if (seen != null && !seen.available()) {
            return seen;
        }
        try {
            return check.get(props.answerWithin().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new Check(false, "the store did not answer within " + props.answerWithin().toMillis() + " ms",
                    clock.instant(), props.answerWithin());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Check(false, "interrupted while checking the store", clock.instant(), Duration.ZERO);
        } catch (ExecutionException e) {
            return new Check(false, String.valueOf(e.getCause()), clock.instant(), Duration.ZERO);
        }
    }

    private synchronized CompletableFuture<Check> start() {
        if (running == null || running.isDone()) {
            running = CompletableFuture.supplyAsync(this::check, checker);
        }
        return running;
    }

    private Check check() {
        long started = System.nanoTime();
        Check result;
        try {
            store.jdbc().queryForObject("SELECT 1", Integer.class);
            result = new Check(true, null, clock.instant(), Duration.ofNanos(System.nanoTime() - started));
        } catch (DataAccessException | TransactionException e) {
            Throwable cause = e.getMostSpecificCause();
            result = new Check(false, cause.getClass().getSimpleName() + ": " + cause.getMessage(), clock.instant(),
                    Duration.ofNanos(System.nanoTime() - started));
        }
        last = result;
        return result;
    }

    @Override
    public void destroy() {
        // Not shutdownNow: an interrupt inside the H2 store closes the database for everything still stopping.
        checker.shutdown();
    }
}
