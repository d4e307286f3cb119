package io.contactsbridge.sync;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * At shutdown, waits for the backfill to end its contacts in flight (the {@link io.contactsbridge.ops.ShutdownSignal}
 * told it to stop) before Camel stops, because those contacts' calls go through Camel's outbound routes. A run that
 * ends this way is stored as interrupted with its checkpoint and its lease released, so the next start resumes it at
 * once instead of waiting for the lease to expire.
 */
@Component
class BackfillDrain implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(BackfillDrain.class);
    /** camel-spring's SpringCamelContext stops in phase Integer.MAX_VALUE - 2049; this one comes just before. */
    static final int PHASE = Integer.MAX_VALUE - 2048;

    private final Backfills backfills;
    private final Duration maxWait;
    private volatile boolean running;

    BackfillDrain(Backfills backfills, @Value("${bridge.sync.backfill.shutdown-wait:3s}") Duration maxWait) {
        this.backfills = backfills;
        this.maxWait = maxWait;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        // Every run was told to stop when the shutdown began; they end side by side, so one wait covers them all.
        long deadline = System.nanoTime() + maxWait.toNanos();
        for (Backfill backfill : backfills.all()) {
            if (!backfill.isRunning()) {
                continue;
            }
            try {
                if (!backfill.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                    LOG.warn("The backfill of pair {} did not stop within {}; it resumes from its checkpoint once its lease "
                            + "expires", backfill.pairId(), maxWait);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
