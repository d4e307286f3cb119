package io.contactsbridge.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.mapping.HighLevelFieldKeys;
import io.contactsbridge.outbound.contacts.HighLevelContactApi;
import io.contactsbridge.outbound.contacts.BirdSendContactApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Checks the mapping against the connected accounts, which the start-up check of the file cannot see: every
 * HighLevel custom field it names must exist in the location (else no contact can be written there), and every
 * BirdSend field must exist in the account. BirdSend ignores values of unknown fields, so such a field would read as
 * empty on every BirdSend contact, and the sync would take that for a person clearing it and clear it in HighLevel.
 *
 * <p>A mapping that does not fit holds the sync: {@link #requireUsable} fails each event with a
 * {@link MappingMisfitException}, which the journal retries when the next check is due (events wait, nothing is
 * lost), and the backfill waits in {@link #awaitUsable}. The result is kept: one that fits for
 * {@value #FIT_RECHECK_MINUTES} minutes, one that does not for {@code bridge.sync.mapping-recheck} (default 1 minute),
 * so however often events are retried, the accounts' field lists are read at most once per period. The route
 * {@code mapping-check} keeps the result fresh between events. Problems are logged when they change, shown in
 * {@code /api/status} ({@code sync.state}, {@code sync.mappingProblems}) and make the health component
 * {@code mapping} DOWN ({@link MappingHealthIndicator}).
 */
@Component
public class MappingCheck {

    private static final Logger LOG = LoggerFactory.getLogger(MappingCheck.class);
    static final int FIT_RECHECK_MINUTES = 10;
    /** The backfill's phase while it waits for the mapping to fit. */
    public static final String WAITING_PHASE = "waiting: mapping does not fit";
    /** How often a waiting backfill looks for a newer result, or whether it should stop. */
    private static final long WAIT_POLL_MS = 200;

    /**
     * What a check found.
     *
     * @param blocking  each field the accounts lack, in words; the sync waits until there are none
     * @param nextCheck when the accounts are read again
     */
    public record Result(List<String> blocking, Instant checkedAt, Instant nextCheck) {
        public boolean ok() {
            return blocking.isEmpty();
        }
    }

    private final SyncProperties props;
    /** The bridge's mapping; a pair may have its own ({@link #setPairMappings}). */
    private final ContactMapping mapping;
    private volatile PairMappings pairMappings;
    private final HighLevelContactApi highlevel;
    private final BirdSendContactApi birdsend;
    private final Clock clock;
    private final SyncPairs pairs;
    /** Each pair's accounts are checked on their own: one pair's missing field holds only that pair. */
    private final Map<SyncPair, PairCheck> checks = new ConcurrentHashMap<>();

    private static final class PairCheck {
        /** The last result with the mapping it checked: a pair added again with another mapping is checked again. */
        volatile Checked last;
        volatile String lastError;

        Result result() {
            Checked c = last;
            return c == null ? null : c.result();
        }
    }

    private record Checked(Result result, ContactMapping mapping) {
    }

    public MappingCheck(SyncProperties props, ContactMapping mapping, HighLevelContactApi highlevel,
                        BirdSendContactApi birdsend, Clock clock, SyncPairs pairs) {
        this.props = props;
        this.mapping = mapping;
        this.highlevel = highlevel;
        this.birdsend = birdsend;
        this.clock = clock;
        this.pairs = pairs;
    }

    private PairCheck of(SyncPair pair) {
        return checks.computeIfAbsent(pair, p -> new PairCheck());
    }

    /** {@link #current(SyncPair)} of the bridge's only pair. */
    public Result current() {
        return current(pairs.only());
    }

    /**
     * The pair's last result while it is due no re-check, else a new check (one caller checks; concurrent ones wait
     * for it). Service errors propagate (the caller retries later).
     */
    public Result current(SyncPair pair) {
        PairCheck state = of(pair);
        Checked c = state.last;
        if (fresh(c, pair)) {
            return c.result();
        }
        synchronized (state) {
            c = state.last;
            return fresh(c, pair) ? c.result() : check(pair);
        }
    }

    /** Each pair's own mapping, where it has one: its accounts are checked against it. */
    @org.springframework.beans.factory.annotation.Autowired(required = false)
    public void setPairMappings(PairMappings pairMappings) {
        this.pairMappings = pairMappings;
    }

    private ContactMapping mapping(SyncPair pair) {
        return PairMappings.of(pairMappings, mapping, pair);
    }

    /** Whether the pair's last result still holds: due no re-check, and of the mapping the pair has now. */
    private boolean fresh(Checked c, SyncPair pair) {
        return c != null && c.mapping() == mapping(pair) && clock.instant().isBefore(c.result().nextCheck());
    }

    /** Throws {@link MappingMisfitException}, naming the problems, when the sync cannot handle contacts as mapped. */
    public void requireUsable() {
        requireUsable(pairs.only());
    }

    /** As {@link #requireUsable()}, for one pair's accounts. */
    public void requireUsable(SyncPair pair) {
        Result r = current(pair);
        if (!r.ok()) {
            // Short: it is logged for every held event; the problems themselves are logged once, when found.
            throw new MappingMisfitException("The contact mapping " + mapping(pair).sourceName() + " does not fit the accounts ("
                    + r.blocking().size() + (r.blocking().size() == 1 ? " problem" : " problems")
                    + ": see sync.mappingProblems in /api/status); the event waits for the next check, at " + r.nextCheck(),
                    Duration.between(clock.instant(), r.nextCheck()));
        }
    }

    /**
     * Returns once the mapping fits the accounts: at once if it does, else after the check that finds it fixed
     * (checks at most every {@code bridge.sync.mapping-recheck}). While it waits, {@code waiting} gets each result
     * that does not fit (e.g. to show a phase). False, without waiting longer, as soon as {@code stop} says so.
     * Service errors propagate.
     */
    public boolean awaitUsable(SyncPair pair, BooleanSupplier stop, Consumer<Result> waiting) throws InterruptedException {
        Result r = current(pair);
        if (r.ok()) {
            return true;
        }
        LOG.warn("Waiting until the contact mapping fits the accounts (checked again every {})", text(props.mappingRecheck()));
        while (!r.ok()) {
            waiting.accept(r);
            if (stop.getAsBoolean()) {
                return false;
            }
            Thread.sleep(WAIT_POLL_MS);
            r = current(pair);
        }
        return true;
    }

    /** Checks the only pair now, whatever the last result. */
    public Result check() {
        return check(pairs.only());
    }

    /** Checks the pair's accounts now, whatever the last result. */
    public Result check(SyncPair pair) {
        PairCheck state = of(pair);
        synchronized (state) {
            return check(pair, state);
        }
    }

    private Result check(SyncPair pair, PairCheck state) {
        ContactMapping mapping = mapping(pair);
        List<String> blocking = new ArrayList<>();
        if (!mapping.highLevelCustomFieldKeys().isEmpty()) {
            // Read now: a field created a moment ago must count, whatever the field cache of the contact calls holds.
            HighLevelFieldKeys keys = highlevel.reloadFieldKeys(pair.highlevelConnection());
            for (String key : mapping.highLevelCustomFieldKeys()) {
                if (keys.idOf(key).isEmpty()) {
                    blocking.add("HighLevel location " + highlevel.locationId(pair.highlevelConnection())
                            + " has no contact custom field '" + key + "'; create it in HighLevel (Settings > Custom Fields)"
                            + " or remove it from the mapping");
                }
            }
        }
        Set<String> fields = birdsend.fieldKeys(pair.birdsendConnection());
        for (String key : mapping.birdSendFieldKeys()) {
            if (!fields.contains(key)) {
                blocking.add("BirdSend has no field '" + key + "' (BirdSend would ignore its values, so it would read as empty"
                        + " and the sync would clear it in HighLevel); create it in BirdSend (Settings > Fields) or remove it"
                        + " from the mapping");
            }
        }
        Instant now = clock.instant();
        Result result = new Result(List.copyOf(blocking), now,
                now.plus(blocking.isEmpty() ? Duration.ofMinutes(FIT_RECHECK_MINUTES) : props.mappingRecheck()));
        Result before = state.result();
        state.last = new Checked(result, mapping);
        state.lastError = null;
        if (before == null ? !result.ok() : !before.blocking().equals(result.blocking())) {
            String whose = pairs.single() ? "" : " (pair " + pairs.idOf(pair).orElse("?") + ")";
            if (!result.ok()) {
                LOG.error("{}{}", describe(pair, result), whose);
            } else {
                LOG.info("The contact mapping {} fits the accounts{} again; the sync continues", mapping.sourceName(), whose);
            }
        }
        return result;
    }

    /**
     * The step of the route {@code mapping-check}: keeps the result fresh between events, so health and status tell
     * of a misfit before an event or a backfill runs into it. A failed check is logged (once per distinct error).
     */
    public void refresh() {
        pairs.all().forEach((id, pair) -> {
            PairCheck state = of(pair);
            try {
                current(pair);
            } catch (RuntimeException e) {
                String error = String.valueOf(e.getMessage());
                if (!Objects.equals(error, state.lastError)) {
                    LOG.warn("Could not check the contact mapping against the accounts{} (tried again every {}): {}",
                            pairs.single() ? "" : " of pair " + id, text(props.mappingRecheck()), error);
                }
                state.lastError = error;
            }
        });
    }

    /**
     * The last result, without calling anyone (status, health); null before the first check. With several pairs: the
     * first pair's that does not fit, else the oldest check.
     */
    public Result last() {
        Result found = null;
        for (SyncPair pair : pairs.all().values()) {
            Result r = of(pair).result();
            if (r == null || !r.ok()) {
                return r;
            }
            found = found == null || r.checkedAt().isBefore(found.checkedAt()) ? r : found;
        }
        return found;
    }

    /** The pair's last result, without calling anyone; null before its first check. */
    public Result last(SyncPair pair) {
        return of(pair).result();
    }

    /** The problems in one sentence, with what the bridge does about them. */
    public String describe(Result r) {
        return describe(pairs.single() ? pairs.only() : null, r);
    }

    /** As {@link #describe(Result)}, naming the mapping of {@code pair}. */
    public String describe(SyncPair pair, Result r) {
        return "The contact mapping " + mapping(pair).sourceName() + " does not fit the accounts: " + String.join("; ", r.blocking())
                + ". The sync and the backfill wait (changes are kept in the journal) and the accounts are checked again"
                + " every " + text(props.mappingRecheck()) + ".";
    }

    /** A period as people write it: 1m, 30s, 1m30s. */
    static String text(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
