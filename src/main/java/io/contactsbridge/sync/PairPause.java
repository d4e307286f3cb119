package io.contactsbridge.sync;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Pausing and resuming a pair without losing a change. While a pair is paused the sync skips its events, but some of
 * them are the only record of a change: a webhook, or a poll's event whose cursor has moved past it (also one the
 * sync was still retrying when the pause began). So the pause notes the sync's lowest journal position, and the resume
 * hands every contact of the pair named after it to the sync again, as the backfill hands over an item: the sync reads
 * both sides as they are now, so what changed during the pause arrives and what was synced already changes nothing.
 * Automations are not run again for what happened during the pause.
 */
@Component
public class PairPause {

    private static final Logger LOG = LoggerFactory.getLogger(PairPause.class);
    private static final List<String> SOURCES = List.of(JournalSources.HIGHLEVEL_WEBHOOK, JournalSources.HIGHLEVEL_POLL,
            JournalSources.BIRDSEND_POLL, JournalSources.BIRDSEND_NOTIFICATION, JournalSources.BACKFILL);
    private static final int PAGE = 500;

    private final SyncPairs pairs;
    private final Backfills backfills;
    private final JournalStore journal;
    private final ObjectMapper json;
    private final String consumerId;

    public PairPause(SyncPairs pairs, Backfills backfills, JournalStore journal, ObjectMapper json,
                     @Value("${bridge.sync.consumer:contact-sync}") String consumerId) {
        this.pairs = pairs;
        this.backfills = backfills;
        this.journal = journal;
        this.json = json;
        this.consumerId = consumerId;
    }

    /** Pauses the pair (a running backfill stops, resumable). */
    public void pause(String id) {
        pairs.pause(id, true, journal.lowestPosition(consumerId));
        backfills.stop(id);
    }

    /** Resumes the pair; returns how many of its contacts were handed to the sync again. */
    public int resume(String id) {
        Long from = pairs.pause(id, false, 0);
        SyncPair pair = pairs.find(id).orElseThrow();
        return from == null ? 0 : handOver(id, pair, from);
    }

    private int handOver(String id, SyncPair pair, long from) {
        Set<String> keys = new LinkedHashSet<>();
        long after = from;
        List<JournalEvent> page;
        do {
            page = journal.events(SOURCES, after, PAGE);
            for (JournalEvent e : page) {
                after = e.seq();
                String key = e.contactKey();
                if (key != null && (key.startsWith("birdsend:") || key.startsWith("highlevel:"))
                        && pair.equals(pairOf(e).orElse(null))) {
                    keys.add(key);
                }
            }
        } while (page.size() == PAGE);
        String resumeId = "resume-" + id + "-" + from + "-" + after;
        for (String key : keys) {
            String connection = key.startsWith("birdsend:") ? pair.birdsendConnection() : pair.highlevelConnection();
            String payload = json.createObjectNode().put("resumedPair", id).toString();
            journal.append(JournalSources.BACKFILL, Backfill.HANDED_OVER, resumeId + ":" + key, key, payload, connection);
        }
        LOG.info("Pair {} resumed: {} contact(s) named in the journal since the pause began handed to the sync again",
                id, keys.size());
        return keys.size();
    }

    private Optional<SyncPair> pairOf(JournalEvent e) {
        JsonNode payload;
        try {
            payload = json.readTree(e.payload());
        } catch (JsonProcessingException notJson) {
            payload = null;
        }
        return pairs.forEvent(e.source(), e.connectionId(), payload);
    }
}
