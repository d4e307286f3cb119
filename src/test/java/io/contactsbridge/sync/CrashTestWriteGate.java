package io.contactsbridge.sync;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.contactsbridge.simulator.sim.SimFilter;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;

/**
 * A simulator filter that makes "the bridge died with a write in flight" happen on purpose: once armed, the
 * {@code holdNth} successful call of one operation is applied by the simulator, but its answer is held back until
 * {@link #release()}. A test kills the client meanwhile, so the service has made the change and the client never
 * learnt it, the case at-least-once processing must repeat without doing twice.
 */
final class CrashTestWriteGate implements SimFilter {

    private final String operation;
    private final int holdNth;
    private final AtomicInteger seen = new AtomicInteger();
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean armed;
    private volatile String heldPath;

    CrashTestWriteGate(String operation, int holdNth) {
        this.operation = operation;
        this.holdNth = holdNth;
    }

    /** Counts successful calls from now on. */
    void arm() {
        armed = true;
    }

    @Override
    public SimResponse filter(SimRequest request, Chain next) throws Exception {
        SimResponse response = next.proceed(request);
        boolean success = response.status() >= 200 && response.status() < 300;
        if (armed && success && operation.equals(request.operation()) && seen.incrementAndGet() == holdNth) {
            heldPath = request.path();
            held.countDown();
            // Bounded, so a test that never releases cannot hang the simulator's thread for good.
            released.await(60, TimeUnit.SECONDS);
        }
        return response;
    }

    /** Whether the held call has arrived (and been applied) within {@code timeout}. */
    boolean awaitHeld(Duration timeout) throws InterruptedException {
        return held.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The path of the held call, or null before it arrived. */
    String heldPath() {
        return heldPath;
    }

    /** Lets the held answer go (to a client that may be gone). */
    void release() {
        released.countDown();
    }
}
