package io.contactsbridge.ingress;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.contactsbridge.journal.ConsumerState;
import io.contactsbridge.journal.JournalProperties;
import io.contactsbridge.journal.JournalStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.QueryTimeoutException;

/**
 * Refuses new events of a source while the consumers of that source are too far behind: when an active
 * consumer (one polled within {@code bridge.journal.consumer-inactive-after}) reading the source has more
 * than {@code bridge.inbound.max-pending} events to process. Backlogs are measured at most every
 * {@code bridge.inbound.pending-check-interval}, so a burst of webhooks costs one count, not one per request.
 * Consumers that stopped polling (a removed route) never block ingress. Measures through the ingress's own
 * fail-fast journal ({@link IngressJournal}), so a store outage fails it within a second too.
 */
class OverloadGuard {

    /** The most-behind active consumer of a source. */
    public record Backlog(String consumerId, long pending) {
    }

    private final JournalStore store;
    private final IngressProperties inbound;
    private final JournalProperties journal;
    private final Clock clock;

    private static final Logger log = LoggerFactory.getLogger(OverloadGuard.class);

    private Map<String, Backlog> snapshot = Map.of();
    /** Whether the last count timed out (logged once per run of them). */
    private boolean countTimedOut;
    private Instant measuredAt;

    OverloadGuard(JournalStore store, IngressProperties inbound, JournalProperties journal, Clock clock) {
        this.store = store;
        this.inbound = inbound;
        this.journal = journal;
        this.clock = clock;
    }

    /** The backlog that exceeds the limit for {@code source}, if any. */
    public Optional<Backlog> overloaded(String source) {
        Backlog worst = backlogs().get(source);
        return worst != null && worst.pending() > inbound.maxPending() ? Optional.of(worst) : Optional.empty();
    }

    public long limit() {
        return inbound.maxPending();
    }

    private synchronized Map<String, Backlog> backlogs() {
        Instant now = clock.instant();
        if (measuredAt == null || !now.isBefore(measuredAt.plus(inbound.pendingCheckInterval()))) {
            // A failed measurement counts as one too: the requests queued on this lock then use the last backlogs
            // instead of each waiting for the store in turn (a store outage would otherwise hold them in a line).
            measuredAt = now;
            try {
                // Counted only up to just past the limit: a backlog far beyond it costs no more to measure.
                snapshot = measure(store.consumers(inbound.maxPending() + 1), now.minus(journal.consumerInactiveAfter()));
            } catch (QueryTimeoutException e) {
                // The count outlasted the fail-fast statement timeout: a store busy with a backlog, not one that is
                // down. Counted as an outage it held every webhook at 429 while the journal caught up; the last
                // backlogs stand instead, and the append itself finds out whether the store answers.
                if (!countTimedOut) {
                    log.warn("Counting the journal's backlog took longer than the store's statement timeout; "
                            + "webhooks are let through on the last count until a count succeeds");
                }
                countTimedOut = true;
                return snapshot;
            }
            countTimedOut = false;
        }
        return snapshot;
    }

    static Map<String, Backlog> measure(List<ConsumerState> partitions, Instant activeSince) {
        Map<String, Long> lagByConsumer = new HashMap<>();
        Map<String, List<String>> sourcesByConsumer = new HashMap<>();
        for (ConsumerState p : partitions) {
            if (p.lastSeenAt() == null || p.lastSeenAt().isBefore(activeSince)) {
                continue;
            }
            lagByConsumer.merge(p.consumerId(), p.lag(), Long::sum);
            sourcesByConsumer.put(p.consumerId(), p.sources());
        }
        Map<String, Backlog> worstBySource = new HashMap<>();
        lagByConsumer.forEach((consumer, lag) -> {
            for (String source : sourcesByConsumer.get(consumer)) {
                worstBySource.merge(source, new Backlog(consumer, lag), (a, b) -> a.pending() >= b.pending() ? a : b);
            }
        });
        return worstBySource;
    }
}
