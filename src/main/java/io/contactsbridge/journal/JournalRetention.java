package io.contactsbridge.journal;

import java.time.Clock;
import java.time.Instant;

import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Route {@code journal-retention}: every {@code bridge.journal.retention-check-interval}, removes events older
 * than {@code bridge.journal.retention} that every active consumer has processed, so the journal does not
 * grow without bound. An event a running consumer still needs is never removed, however old.
 */
@Component
public class JournalRetention extends RouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(JournalRetention.class);

    private final JournalStore store;
    private final JournalProperties props;
    private final Clock clock;

    public JournalRetention(JournalStore store, JournalProperties props, Clock clock) {
        this.store = store;
        this.props = props;
        this.clock = clock;
    }

    @Override
    public void configure() {
        long interval = props.retentionCheckInterval().toMillis();
        from("timer:journal-retention?delay=" + interval + "&period=" + interval)
                .routeId("journal-retention")
                .process(e -> prune());
    }

    /** @return events removed */
    public int prune() {
        Instant now = clock.instant();
        int removed = store.prune(now.minus(props.retention()), now.minus(props.consumerInactiveAfter()));
        if (removed > 0) {
            LOG.info("Journal retention removed {} processed events older than {}", removed, props.retention());
        }
        return removed;
    }
}
