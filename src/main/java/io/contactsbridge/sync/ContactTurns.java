package io.contactsbridge.sync;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.ShutdownSignal;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * One person at a time. Everything that syncs a contact (the live sync of a journal event, the backfill of a pair,
 * a replay) runs as a <em>turn</em> holding the keys of the person: the contact on each side ({@code h:<id>},
 * {@code b:<id>}) and, while it is not linked, its email ({@code e:<address>}). Two turns that share a key never
 * run at the same time, in this JVM or on another replica, so every write is computed from what was read after the
 * person's turn began, never from something another writer is changing at that moment.
 *
 * <p>A turn learns some of its keys only as it goes (the partner of a contact is found through the link or an email
 * search). {@link #include} takes such a key at once if it is free; if another turn holds it, the turn gives up
 * all its keys ({@link Relock}) and starts again, this time waiting for all of them in one fixed (sorted) order, so
 * two turns never wait for each other. Nothing is written before a turn has every key of what it writes.
 *
 * <p>Keys are rows of {@code sync_contact_turn}, leased to the turn's owner and renewed while it runs; a replica that
 * dies loses its keys when their lease ends, and a restarted instance drops the keys its earlier life held.
 */
@Component
public class ContactTurns {

    private static final Logger LOG = LoggerFactory.getLogger(ContactTurns.class);
    private static final ThreadLocal<Turn> CURRENT = new ThreadLocal<>();

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final String instance;
    private final String bootOwner;
    private final Duration lease;
    private final Duration maxWait;
    private final AtomicLong turns = new AtomicLong();
    private final AtomicLong relocks = new AtomicLong();
    /** Keys held by turns of this JVM: a turn here never takes a key from another turn here, whatever the lease. */
    private final Map<String, Turn> heldHere = new ConcurrentHashMap<>();
    private final Object released = new Object();
    private final ShutdownSignal shutdown;
    private ScheduledExecutorService renewer;

    public ContactTurns(JdbcTemplate jdbc, Clock clock, BridgeProperties bridge,
                        @Value("${bridge.sync.turn.lease:2m}") Duration lease,
                        @Value("${bridge.sync.turn.max-wait:60s}") Duration maxWait, ShutdownSignal shutdown) {
        this.jdbc = jdbc;
        this.shutdown = shutdown;
        this.clock = clock;
        this.instance = bridge.instance() == null || bridge.instance().id() == null || bridge.instance().id().isBlank()
                ? "bridge" : bridge.instance().id();
        this.bootOwner = instance + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.lease = lease;
        this.maxWait = maxWait;
    }

    @PostConstruct
    void start() {
        // Keys this instance held before a restart (or a kill -9) belong to turns that no longer run.
        int stale = jdbc.update("DELETE FROM sync_contact_turn WHERE LEFT(owner, ?) = ?", instance.length() + 1, instance + "/");
        if (stale > 0) {
            LOG.info("Released {} contact key(s) held by this instance before it restarted", stale);
        }
        renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "contact-turn-lease");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, lease.toMillis() / 3);
        renewer.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (renewer != null) {
            // Not shutdownNow: an interrupt inside the H2 store closes the database for everything still stopping.
            renewer.shutdown();
        }
    }

    /** A person's key: the contact on HighLevel. */
    public static String highLevel(String id) {
        return "h:" + id;
    }

    /** A person's key: the contact on BirdSend. */
    public static String birdSend(String id) {
        return "b:" + id;
    }

    /** A person's key: the email (normalised to lower case), while no link names the person. */
    public static String email(String address) {
        return "e:" + address.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * Runs {@code work} as a turn of the pair holding {@code keys} (and whatever it {@link #include}s). Inside a
     * turn already (a nested call), the keys are included in it and the work runs directly.
     *
     * @throws ContactBusyException when the keys stay taken for longer than {@code bridge.sync.turn.max-wait}
     */
    public <T> T run(SyncPair pair, Collection<String> keys, Supplier<T> work) {
        Turn current = CURRENT.get();
        if (current != null) {
            keys.forEach(this::include);
            return work.get();
        }
        SortedSet<String> wanted = new TreeSet<>();
        keys.forEach(k -> wanted.add(scoped(pair, k)));
        Instant deadline = clock.instant().plus(maxWait);
        while (true) {
            Turn turn = new Turn(pair, bootOwner + "/" + turns.incrementAndGet());
            try {
                acquireInOrder(turn, wanted, deadline);
                CURRENT.set(turn);
                return work.get();
            } catch (Relock relock) {
                relocks.incrementAndGet();
                wanted.addAll(relock.keys);
            } finally {
                CURRENT.remove();
                release(turn);
            }
        }
    }

    /**
     * Takes a turn of the pair holding {@code keys} for work that runs as several steps (the sync's route) rather than
     * one call: the caller ends it with {@link #close}, on the same thread. Inside a turn already, the keys are included
     * in it and null is returned: the outer turn owns them.
     *
     * @throws ContactBusyException when the keys stay taken for longer than {@code bridge.sync.turn.max-wait}
     */
    public Held open(SyncPair pair, Collection<String> keys) {
        Turn current = CURRENT.get();
        if (current != null && current.closed) {
            CURRENT.remove(); // ended on another thread: not this thread's turn any more
        } else if (current != null) {
            keys.forEach(this::include);
            return null;
        }
        SortedSet<String> wanted = new TreeSet<>();
        keys.forEach(k -> wanted.add(scoped(pair, k)));
        return take(pair, wanted);
    }

    /**
     * After a {@link Relock} in an opened turn: gives up every key and waits for all of them, the new one included, in
     * order. The work then starts again from its beginning.
     */
    public Held reopen(Held held, Relock relock) {
        relocks.incrementAndGet();
        SortedSet<String> wanted = new TreeSet<>(held.turn.held);
        wanted.addAll(relock.keys);
        close(held);
        return take(held.turn.pair, wanted);
    }

    /** Ends an opened turn (null: one that ran inside another's, nothing to do). */
    public void close(Held held) {
        if (held == null) {
            return;
        }
        held.turn.closed = true;
        if (CURRENT.get() == held.turn) {
            CURRENT.remove();
        }
        release(held.turn);
    }

    private Held take(SyncPair pair, SortedSet<String> wanted) {
        Turn turn = new Turn(pair, bootOwner + "/" + turns.incrementAndGet());
        try {
            acquireInOrder(turn, wanted, clock.instant().plus(maxWait));
        } catch (RuntimeException e) {
            release(turn);
            throw e;
        }
        CURRENT.set(turn);
        return new Held(turn);
    }

    /** A turn taken with {@link #open}. */
    public static final class Held {
        private final Turn turn;

        private Held(Turn turn) {
            this.turn = turn;
        }
    }

    /**
     * Adds a key to the running turn: taken at once when free; when another turn holds it, this turn starts again
     * with it ({@link Relock}, caught by {@link #run}). Outside a turn it does nothing.
     */
    public void include(String key) {
        Turn turn = CURRENT.get();
        if (turn == null) {
            return;
        }
        String scoped = scoped(turn.pair, key);
        if (turn.held.contains(scoped)) {
            return;
        }
        if (!tryAcquire(turn, scoped)) {
            Set<String> all = new TreeSet<>(turn.held);
            all.add(scoped);
            throw new Relock(all);
        }
    }

    /** Turns run so far, and how many had to start again because a key they found was taken. */
    public long turns() {
        return turns.get();
    }

    public long relocks() {
        return relocks.get();
    }

    private void acquireInOrder(Turn turn, SortedSet<String> keys, Instant deadline) {
        for (String key : keys) {
            while (!tryAcquire(turn, key)) {
                // A turn that has not begun does not begin once the application is stopping.
                shutdown.check("waiting for the turn of contact " + key.substring(key.lastIndexOf('|') + 1));
                long left = Duration.between(clock.instant(), deadline).toMillis();
                if (left <= 0) {
                    throw new ContactBusyException("contact " + key.substring(key.lastIndexOf('|') + 1) + " is being synced by "
                            + "someone else (another event, the backfill or another replica) for more than " + maxWait.toSeconds()
                            + " s; trying again later");
                }
                synchronized (released) {
                    try {
                        // Woken by a release in this JVM; a key held by another replica is looked at again after 25 ms.
                        released.wait(Math.min(left, 25));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new ContactBusyException("interrupted while waiting for contact " + key);
                    }
                }
            }
        }
    }

    private boolean tryAcquire(Turn turn, String key) {
        if (heldHere.putIfAbsent(key, turn) != null) {
            return false;
        }
        boolean taken;
        Instant now = clock.instant();
        try {
            try {
                jdbc.update("INSERT INTO sync_contact_turn (turn_key, owner, lease_until) VALUES (?, ?, ?)", key, turn.owner,
                        Timestamp.from(now.plus(lease)));
                taken = true;
            } catch (DuplicateKeyException e) {
                // Held by another replica, or left by one that died: taken over only once its lease ended.
                taken = jdbc.update("UPDATE sync_contact_turn SET owner = ?, lease_until = ? WHERE turn_key = ? AND lease_until < ?",
                        turn.owner, Timestamp.from(now.plus(lease)), key, Timestamp.from(now)) == 1;
            }
        } catch (RuntimeException e) {
            heldHere.remove(key, turn);
            throw e;
        }
        if (taken) {
            turn.held.add(key);
        } else {
            heldHere.remove(key, turn);
        }
        return taken;
    }

    private void release(Turn turn) {
        if (turn.held.isEmpty()) {
            return;
        }
        try {
            jdbc.update("DELETE FROM sync_contact_turn WHERE owner = ?", turn.owner);
        } catch (RuntimeException e) {
            // The rows stay until their lease ends, then anyone may take them.
            LOG.warn("Could not release the keys of contact turn {} ({}); they free up when their lease ends", turn.owner,
                    e.getMessage());
        } finally {
            turn.held.forEach(k -> heldHere.remove(k, turn));
            turn.held.clear();
            synchronized (released) {
                released.notifyAll();
            }
        }
    }

    /** Extends the leases of the keys held by this JVM's running turns. */
    private void renew() {
        try {
            Set<String> owners = new TreeSet<>();
            heldHere.values().forEach(t -> owners.add(t.owner));
            Timestamp until = Timestamp.from(clock.instant().plus(lease));
            for (String owner : owners) {
                jdbc.update("UPDATE sync_contact_turn SET lease_until = ? WHERE owner = ?", until, owner);
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not renew the leases of running contact turns: {}", e.getMessage());
        }
    }

    private static String scoped(SyncPair pair, String key) {
        return pair.highlevelConnection() + "|" + pair.birdsendConnection() + "|" + key;
    }

    private static final class Turn {
        final SyncPair pair;
        final String owner;
        final List<String> held = new ArrayList<>();
        /** Ended by {@link #close}, possibly on another thread than the one it ran on. */
        volatile boolean closed;

        Turn(SyncPair pair, String owner) {
            this.pair = pair;
            this.owner = owner;
        }
    }

    /** A key the turn needs is taken: start the turn again, waiting for all its keys in order. */
    public static final class Relock extends RuntimeException {
        final Set<String> keys;

        Relock(Set<String> keys) {
            super(null, null, false, false);
            this.keys = keys;
        }
    }
}
