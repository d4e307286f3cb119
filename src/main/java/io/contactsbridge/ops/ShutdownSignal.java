package io.contactsbridge.ops;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.LifecycleStrategy;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.stereotype.Component;

/**
 * Tells the bridge's long-running work that the application is stopping (SIGTERM, a closed test context), so
 * each piece ends its current step and stops instead of starting the next one: journal consumers stop after the
 * event in hand (the rest stay in the journal), pollers after the page in hand (their cursors are stored per
 * page), the backfill after the contacts in flight (it resumes from its checkpoint), and nothing waits out a
 * retry pause or a rate-budget slot. Nothing is lost: whatever was not finished was never committed.
 *
 * <p>It begins when Spring closes the context ({@link ContextClosedEvent}, published before any bean stops,
 * so every service the work needs is still there), or when the CamelContext itself starts stopping. Without
 * it, Camel's graceful shutdown waits for every in-flight exchange, and one that sits in a poll wait, a retry
 * back-off or a long scan held each stop for up to the shutdown timeout.
 */
@Component
public class ShutdownSignal implements ApplicationListener<ContextClosedEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownSignal.class);

    private final ApplicationContext context;
    private final Object monitor = new Object();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;

    public ShutdownSignal(ApplicationContext context) {
        this.context = context;
    }

    private ShutdownSignal() {
        this.context = null;
    }

    /** A signal that no context ever ends, for code built outside Spring (unit tests, tools). */
    public static ShutdownSignal none() {
        return new ShutdownSignal();
    }

    /** True once the application has begun to stop. */
    public boolean isStopping() {
        return stopping;
    }

    /** Begins the shutdown: idempotent; wakes every {@link #sleep} and runs the listeners once. */
    public void begin(String why) {
        synchronized (monitor) {
            if (stopping) {
                return;
            }
            stopping = true;
            monitor.notifyAll();
        }
        LOG.info("Stopping ({}): journal consumers, pollers and the backfill finish the step in hand; the rest stays "
                + "for the next start", why);
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("A shutdown listener failed: {}", e.toString());
            }
        }
    }

    /** Runs {@code listener} when the shutdown begins (at once if it has): to wake a wait of one's own. */
    public void onStopping(Runnable listener) {
        listeners.add(listener);
        if (stopping) {
            listener.run();
        }
    }

    /**
     * Sleeps for {@code duration}, or less when the shutdown begins.
     *
     * @return true when it slept the whole time, false when it woke for the shutdown
     */
    public boolean sleep(Duration duration) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, duration.toNanos());
        synchronized (monitor) {
            while (!stopping) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                monitor.wait(left / 1_000_000, (int) (left % 1_000_000));
            }
            return false;
        }
    }

    /** Sleeps like {@link #sleep}, but throws {@link ShuttingDownException} when woken for the shutdown. */
    public void sleepOrStop(Duration duration, String what) throws InterruptedException {
        if (!sleep(duration)) {
            throw new ShuttingDownException(what);
        }
    }

    /** Throws {@link ShuttingDownException} once the shutdown has begun. */
    public void check(String what) {
        if (stopping) {
            throw new ShuttingDownException(what);
        }
    }

    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        // A child context (e.g. a separate management port) closing is not this application stopping.
        if (context == null || event.getApplicationContext() == context) {
            begin("the application context is closing");
        }
    }

    /** For the CamelContext: begins the shutdown when Camel starts stopping, whoever stopped it. */
    public LifecycleStrategy camelLifecycle() {
        return new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext camel) {
                begin("Camel is stopping");
            }
        };
    }
}
