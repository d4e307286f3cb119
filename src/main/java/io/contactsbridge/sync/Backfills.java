package io.contactsbridge.sync;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One {@link Backfill} per pair: each runs, resumes, reports and is stopped on its own, so a slow backfill of one
 * pair does not keep another's from starting. The bean {@code backfill} is the first pair's (the only one's, with one
 * pair); the others are made from it.
 */
@Component("backfills")
public class Backfills {

    private static final Logger LOG = LoggerFactory.getLogger(Backfills.class);

    private final Map<String, Backfill> byPair = new LinkedHashMap<>();

    public Backfills(Backfill first, SyncPairs pairs) {
        pairs.all().forEach((id, pair) -> byPair.put(id, id.equals(first.pairId()) ? first : first.forPair(id, pair)));
    }

    /** Route {@code backfill-on-startup}: every pair's start-up decision; one pair's trouble does not stop the others'. */
    public void startOnStartup() {
        byPair.forEach((id, backfill) -> {
            try {
                backfill.startOnStartup();
            } catch (RuntimeException e) {
                LOG.warn("Start-up backfill of pair {} not started ({}); tried again at the next check", id, e.getMessage());
            }
        });
    }

    public Optional<Backfill> find(String pairId) {
        return Optional.ofNullable(pairId == null ? null : byPair.get(pairId));
    }

    /** Every pair's backfill, in pair order. */
    public Collection<Backfill> all() {
        return byPair.values();
    }

    public Map<String, Backfill> byPair() {
        return byPair;
    }
}
