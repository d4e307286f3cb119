package io.contactsbridge.sync;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One {@link Backfill} per pair: each runs, resumes, reports and is stopped on its own, so a slow backfill of one
 * pair does not keep another's from starting. The bean {@code backfill} is the first configured pair's (the only
 * one's, with one pair); the others are made from it when first asked for, pairs added at run time included.
 */
@Component("backfills")
public class Backfills {

    private static final Logger LOG = LoggerFactory.getLogger(Backfills.class);

    private final Backfill first;
    private final SyncPairs pairs;
    private final Map<String, Backfill> byPair = new ConcurrentHashMap<>();

    public Backfills(Backfill first, SyncPairs pairs) {
        this.first = first;
        this.pairs = pairs;
        byPair.put(first.pairId(), first);
    }

    /**
     * Route {@code backfill-on-startup}: the start-up decision of every pair not paused; one pair's trouble does not
     * stop the others'.
     */
    public void startOnStartup() {
        pairs.ids().stream().filter(id -> !pairs.paused(id)).forEach(id -> find(id).ifPresent(backfill -> {
            try {
                backfill.startOnStartup();
            } catch (RuntimeException e) {
                LOG.warn("Start-up backfill of pair {} not started ({}); tried again at the next check", id, e.getMessage());
            }
        }));
    }

    /** The backfill of a pair the bridge syncs now. */
    public Optional<Backfill> find(String pairId) {
        return pairs.find(pairId).map(pair -> byPair.compute(pairId, (id, known) ->
                known != null && known.pair().equals(pair) ? known : first.forPair(id, pair)));
    }

    /** The backfill of every pair synced now, in pair order. */
    public List<Backfill> all() {
        return pairs.ids().stream().map(this::find).flatMap(Optional::stream).toList();
    }

    /** A pair paused or removed: its running backfill stops after the contacts in flight (resumable). */
    public void stop(String pairId) {
        Backfill backfill = byPair.get(pairId);
        if (backfill != null && backfill.cancel()) {
            LOG.info("Backfill of pair {} stopped: the pair is paused or removed", pairId);
        }
    }
}
