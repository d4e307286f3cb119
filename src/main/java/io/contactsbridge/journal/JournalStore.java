package io.contactsbridge.journal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The inbound journal: an append-only log of everything that entered the bridge, and the durable
 * positions of the consumers that read it.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Appends are idempotent</b> per (source, event id): a repeat is {@link AppendResult#DUPLICATE} and
 *       stores nothing, decided by the database's unique constraint, so it holds across threads and replicas.</li>
 *   <li><b>Appends are group-committed</b> ({@link GroupCommit}): concurrent appends share one transaction, and each
 *       caller returns only once its own event is durable.</li>
 *   <li><b>Appends commit in seq order</b> (they are serialised on one lock row), so a reader that has seen
 *       seq N never later finds a smaller seq appearing; positions can therefore be a single number.</li>
 *   <li><b>Per-contact order</b>: a consumer splits the journal into partitions by
 *       {@code hash(contact_key) mod partitions}; each partition is read in seq order by one replica at a time
 *       (the holder of its lease), so the events of one contact reach the consumer in the order they arrived.</li>
 *   <li><b>At-least-once</b>: a position advances only when the consumer {@link #commit commits}, after its
 *       route succeeded. After a crash (even {@code kill -9}) the next lease holder starts after the last
 *       committed event, so nothing is lost; the event that was in flight may be delivered again, which is why
 *       everything downstream (the sync layer's writes) is idempotent.</li>
 * </ul>
 * Every public method runs in its own short transaction or single statement; nothing is held between calls.
 */
@Component
public class JournalStore {

    private static final Logger LOG = LoggerFactory.getLogger(JournalStore.class);

    static final int MAX_SOURCE = 40;
    static final int MAX_EVENT_TYPE = 60;
    static final int MAX_EVENT_ID = 300;
    static final int MAX_CONTACT_KEY = 400;
    static final int MAX_CONNECTION_ID = 100;
    static final int MAX_ERROR = 1000;
    /** Appends written in one transaction at most (see {@link GroupCommit}). */
    static final int MAX_BATCH = 256;

    private static final String EVENT_COLUMNS = "seq, source, event_type, event_id, contact_key, payload, received_at, connection_id";
    private static final String CONSUMER_COLUMNS = "consumer_id, partition_no, partitions, sources, event_types, "
            + "position, lease_owner, lease_until, failed_seq, failures, retry_after, last_error, last_seen_at";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final JournalSignal signal;
    private final GroupCommit groupCommit;

    public JournalStore(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock, JournalSignal signal) {
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        // Each call commits on its own, also when a caller has a transaction open: "appended" must mean durable,
        // and a duplicate must not mark the caller's transaction rollback-only.
        this.tx.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
        this.signal = signal;
        this.groupCommit = new GroupCommit(jdbc, tx, clock, signal::appended, MAX_BATCH, Duration.ofSeconds(30));
    }

    // ---- appending ------------------------------------------------------------------------------

    /**
     * Stores an event unless one with the same id from the same source is already stored.
     *
     * @param contactKey the contact it is about (see {@link ContactKeys}); decides its partition
     * @param payloadJson the body as received (kept as text, byte for byte what the sender signed)
     */
    public AppendResult append(String source, String eventType, String eventId, String contactKey, String payloadJson) {
        return append(source, eventType, eventId, contactKey, payloadJson, null);
    }

    /**
     * As {@link #append(String, String, String, String, String)}, recording the connection the event came from
     * ({@code null} when the writer cannot tell): it decides which connection pair's sync the event is for.
     */
    public AppendResult append(String source, String eventType, String eventId, String contactKey, String payloadJson,
                               String connectionId) {
        requireLength("source", source, MAX_SOURCE);
        requireLength("event type", eventType, MAX_EVENT_TYPE);
        requireLength("event id", eventId, MAX_EVENT_ID);
        requireLength("contact key", contactKey, MAX_CONTACT_KEY);
        if (payloadJson == null) {
            throw new IllegalArgumentException("an event needs a payload");
        }
        if (connectionId != null) {
            requireLength("connection id", connectionId, MAX_CONNECTION_ID);
        }
        return groupCommit.append(source, eventType, eventId, contactKey, payloadJson, connectionId);
    }

    /** Append transactions written so far: fewer than the appends when they were group-committed. */
    public long appendTransactions() {
        return groupCommit.transactions();
    }

    /** How long {@link #append} waits for its event to be stored before it gives up (the event may still be stored). */
    public void appendTimeout(Duration timeout) {
        groupCommit.timeout(timeout);
    }

    /** Stops the group-commit writer after the appends already handed to it; later appends fail. */
    @PreDestroy
    public void close() {
        groupCommit.close();
    }

    /** The highest seq stored, 0 when the journal is empty. */
    public long head() {
        Long head = jdbc.queryForObject("SELECT COALESCE(MAX(seq), 0) FROM inbound_event", Long.class);
        return head == null ? 0 : head;
    }

    /** Events stored (appended and not yet removed by retention). */
    public long count() {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM inbound_event", Long.class);
        return count == null ? 0 : count;
    }

    /**
     * The latest events before {@code beforeSeq} about the same contact from the same source, newest first, at most
     * {@code max}: what the contact looked like before an event (events still in the journal; retention may have
     * removed older ones).
     */
    public List<JournalEvent> previous(String contactKey, String source, long beforeSeq, int max) {
        return previous(contactKey, source, null, beforeSeq, max);
    }

    /**
     * As {@link #previous(String, String, long, int)}, of events from {@code connectionId} (or that name none) when it
     * is not null: two BirdSend accounts both have a contact 42.
     */
    public List<JournalEvent> previous(String contactKey, String source, String connectionId, long beforeSeq, int max) {
        if (connectionId == null) {
            return jdbc.query("SELECT " + EVENT_COLUMNS + " FROM inbound_event WHERE contact_key = ? AND source = ? AND seq < ?"
                    + " ORDER BY seq DESC LIMIT ?", JournalStore::event, contactKey, source, beforeSeq, max);
        }
        return jdbc.query("SELECT " + EVENT_COLUMNS + " FROM inbound_event WHERE contact_key = ? AND source = ? AND seq < ?"
                        + " AND (connection_id = ? OR connection_id IS NULL) ORDER BY seq DESC LIMIT ?", JournalStore::event,
                contactKey, source, beforeSeq, connectionId, max);
    }

    /** Whether any event about one of {@code contactKeys} was stored after {@code afterSeq}, from any source. */
    public boolean heardOfSince(Collection<String> contactKeys, long afterSeq) {
        if (contactKeys.isEmpty()) {
            return false;
        }
        return !jdbc.queryForList("SELECT seq FROM inbound_event WHERE contact_key IN (" + placeholders(contactKeys.size())
                + ") AND seq > ? LIMIT 1", Long.class, concat(contactKeys, List.of(afterSeq))).isEmpty();
    }

    public Optional<JournalEvent> find(String source, String eventId) {
        return jdbc.query("SELECT " + EVENT_COLUMNS + " FROM inbound_event WHERE source = ? AND event_id = ?",
                JournalStore::event, source, eventId).stream().findFirst();
    }

    /**
     * The lowest position of {@code consumerId}'s partitions, or just before its oldest parked event
     * ({@link JournalParking}): every event after it may be unprocessed (0: none).
     */
    public long lowestPosition(String consumerId) {
        Long lowest = jdbc.queryForObject("SELECT MIN(position) FROM journal_consumer WHERE consumer_id = ?", Long.class,
                consumerId);
        return belowParked(lowest == null ? 0 : lowest, consumerId);
    }

    /** {@code position}, or just before the oldest event parked by {@code consumerId} (any consumer: null) if lower. */
    private long belowParked(long position, String consumerId) {
        Long oldestParked = consumerId == null
                ? jdbc.queryForObject("SELECT MIN(seq) FROM journal_parked", Long.class)
                : jdbc.queryForObject("SELECT MIN(seq) FROM journal_parked WHERE consumer_id = ?", Long.class, consumerId);
        return oldestParked == null ? position : Math.min(position, oldestParked - 1);
    }

    /** Events of the given sources after {@code afterSeq}, oldest first, whatever any consumer did with them. */
    public List<JournalEvent> events(Collection<String> sources, long afterSeq, int max) {
        return jdbc.query("SELECT " + EVENT_COLUMNS + " FROM inbound_event WHERE seq > ? AND source IN ("
                        + placeholders(sources.size()) + ") ORDER BY seq LIMIT ?",
                JournalStore::event, concat(List.of(afterSeq), sources, List.of(max)));
    }

    // ---- consumers ------------------------------------------------------------------------------

    /**
     * Creates the consumer's partition rows if missing (starting at the beginning of the journal or at
     * its current end), records its filter, and marks it as seen. Idempotent; every replica calls it.
     * A changed partition count re-partitions: every new partition starts at the lowest committed
     * position of the old ones, so nothing is lost and some events may be delivered twice.
     */
    public void register(JournalSubscription sub, StartFrom startFrom) {
        for (int attempt = 1; ; attempt++) {
            try {
                tx.executeWithoutResult(status -> registerOnce(sub, startFrom));
                return;
            } catch (DuplicateKeyException e) {
                // Another replica created the rows at the same moment; look again.
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private void registerOnce(JournalSubscription sub, StartFrom startFrom) {
        Timestamp now = Timestamp.from(clock.instant());
        List<long[]> rows = jdbc.query("SELECT partition_no, partitions, position FROM journal_consumer WHERE consumer_id = ?",
                (rs, i) -> new long[] {rs.getInt(1), rs.getInt(2), rs.getLong(3)}, sub.consumerId());
        if (rows.isEmpty()) {
            insertPartitions(sub, startFrom == StartFrom.LATEST ? head() : 0, now);
            return;
        }
        boolean sameLayout = rows.size() == sub.partitions() && rows.stream().allMatch(r -> r[1] == sub.partitions());
        if (!sameLayout) {
            long from = rows.stream().mapToLong(r -> r[2]).min().orElse(0);
            LOG.warn("Journal consumer '{}' now uses {} partitions instead of {}: every partition restarts after seq {}, "
                            + "so events after it may be delivered again", sub.consumerId(), sub.partitions(),
                    rows.get(0)[1], from);
            jdbc.update("DELETE FROM journal_consumer WHERE consumer_id = ?", sub.consumerId());
            insertPartitions(sub, from, now);
            return;
        }
        jdbc.update("UPDATE journal_consumer SET sources = ?, event_types = ?, last_seen_at = ? WHERE consumer_id = ?",
                sourcesColumn(sub), eventTypesColumn(sub), now, sub.consumerId());
    }

    private void insertPartitions(JournalSubscription sub, long position, Timestamp now) {
        for (int p = 0; p < sub.partitions(); p++) {
            jdbc.update("INSERT INTO journal_consumer (consumer_id, partition_no, partitions, sources, event_types, position, "
                            + "failures, last_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                    sub.consumerId(), p, sub.partitions(), sourcesColumn(sub), eventTypesColumn(sub), position, now, now);
        }
    }

    /** Forgets a consumer (its positions and leases). Its route, if still running, starts over as new. */
    public boolean deleteConsumer(String consumerId) {
        return jdbc.update("DELETE FROM journal_consumer WHERE consumer_id = ?", consumerId) > 0;
    }

    /**
     * Takes (or renews) the lease on a consumer partition for {@code owner}: granted when nobody holds it,
     * {@code owner} already does, or the holder's lease expired (a crashed replica), and the partition is
     * not waiting out the back-off after a failure.
     */
    public Optional<JournalLease> claim(String consumerId, int partition, String owner, Duration leaseFor) {
        Instant now = clock.instant();
        Instant until = now.plus(leaseFor);
        int updated = jdbc.update("UPDATE journal_consumer SET lease_owner = ?, lease_until = ?, last_seen_at = ? "
                        + "WHERE consumer_id = ? AND partition_no = ? "
                        + "AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?) "
                        + "AND (retry_after IS NULL OR retry_after <= ?)",
                owner, Timestamp.from(until), Timestamp.from(now), consumerId, partition, owner, Timestamp.from(now),
                Timestamp.from(now));
        return updated == 1 ? Optional.of(new JournalLease(consumerId, partition, owner, until)) : Optional.empty();
    }

    /** Gives the lease up so another replica may take the partition at once. */
    public void release(JournalLease lease) {
        jdbc.update("UPDATE journal_consumer SET lease_owner = NULL, lease_until = NULL "
                + "WHERE consumer_id = ? AND partition_no = ? AND lease_owner = ?", lease.consumerId(), lease.partition(), lease.owner());
    }

    /**
     * Up to {@code max} events the subscription wants in {@code partition} after the partition's position,
     * in seq order.
     *
     * @throws IllegalStateException when the consumer is not registered
     */
    public JournalBatch read(JournalSubscription sub, int partition, int max) {
        long position = position(sub.consumerId(), partition);
        // Read the head first: every event up to it is committed (appends commit in seq order), so an
        // incomplete batch has seen every wanted event up to the head.
        long head = head();
        if (head <= position) {
            return new JournalBatch(List.of(), position, position);
        }
        List<Object> args = new ArrayList<>();
        String sql = readQuery(sub, partition, position, head, max, args);
        List<JournalEvent> events = jdbc.query(sql, JournalStore::event, args.toArray());
        long scannedThrough = events.size() == max ? events.get(events.size() - 1).seq() : head;
        return new JournalBatch(events, position, scannedThrough);
    }

    /**
     * The query {@link #read} runs, its arguments added to {@code args}. It must read by the primary key's range
     * (seq), whatever the filter: see V13__journal_read_by_seq.sql and the test that checks the plan.
     */
    static String readQuery(JournalSubscription sub, int partition, long position, long head, int max, List<Object> args) {
        args.add(position);
        args.add(head);
        String sql = "SELECT " + EVENT_COLUMNS + " FROM inbound_event WHERE seq > ? AND seq <= ?"
                + filter(sub, partition, args) + " ORDER BY seq LIMIT ?";
        args.add(max);
        return sql;
    }

    /**
     * Records that every wanted event of the lease's partition up to {@code seq} has been processed, clears
     * any failure and extends the lease. Positions never move back.
     *
     * @return the extended lease
     * @throws LeaseLostException when {@code lease}'s owner no longer holds the partition
     */
    public JournalLease commit(JournalLease lease, long seq, Duration leaseFor) {
        Instant now = clock.instant();
        Instant until = now.plus(leaseFor);
        int updated = jdbc.update("UPDATE journal_consumer SET position = CASE WHEN position < ? THEN ? ELSE position END, "
                        + "failed_seq = NULL, failures = 0, retry_after = NULL, last_error = NULL, lease_until = ?, updated_at = ? "
                        + "WHERE consumer_id = ? AND partition_no = ? AND lease_owner = ?",
                seq, seq, Timestamp.from(until), Timestamp.from(now), lease.consumerId(), lease.partition(), lease.owner());
        if (updated != 1) {
            throw new LeaseLostException(lease);
        }
        return new JournalLease(lease.consumerId(), lease.partition(), lease.owner(), until);
    }

    /** What {@link #recordFailure} stored. */
    public record Failure(long seq, int failures, Instant retryAfter) {
    }

    /**
     * Records that event {@code seq} failed: the partition stays at its position, is blocked until a
     * back-off of {@code initialDelay * 2^(failures-1)} (at most {@code maxDelay}) has passed, and the lease
     * is released so whichever replica comes next retries it.
     *
     * @throws LeaseLostException when {@code lease}'s owner no longer holds the partition
     */
    public Failure recordFailure(JournalLease lease, long seq, String error, Duration initialDelay, Duration maxDelay) {
        return block(lease, seq, error, failuresBefore -> failuresBefore + 1,
                failures -> backoff(failures, initialDelay, maxDelay));
    }

    /**
     * Records that event {@code seq} is held: it cannot be processed until something outside it is fixed (a
     * {@link RetryWithin} failure, such as a contact mapping that does not fit the accounts). As after a failure, the
     * partition stays at the event, blocked for {@code retryIn} (negative counts as zero), and the lease is released;
     * but a hold is not a failed attempt, so it does not lengthen the back-off of failures once the hold is over.
     *
     * @throws LeaseLostException when {@code lease}'s owner no longer holds the partition
     */
    public Failure recordHold(JournalLease lease, long seq, String error, Duration retryIn) {
        return block(lease, seq, error, failuresBefore -> failuresBefore,
                failures -> retryIn.isNegative() ? Duration.ZERO : retryIn);
    }

    private Failure block(JournalLease lease, long seq, String error, java.util.function.IntUnaryOperator countFailures,
                          java.util.function.IntFunction<Duration> delay) {
        return tx.execute(status -> {
            List<long[]> rows = jdbc.query("SELECT COALESCE(failed_seq, -1), failures FROM journal_consumer "
                            + "WHERE consumer_id = ? AND partition_no = ? AND lease_owner = ? FOR UPDATE",
                    (rs, i) -> new long[] {rs.getLong(1), rs.getInt(2)}, lease.consumerId(), lease.partition(), lease.owner());
            if (rows.isEmpty()) {
                throw new LeaseLostException(lease);
            }
            int failures = countFailures.applyAsInt(rows.get(0)[0] == seq ? (int) rows.get(0)[1] : 0);
            Instant now = clock.instant();
            Instant retryAfter = now.plus(delay.apply(failures));
            jdbc.update("UPDATE journal_consumer SET failed_seq = ?, failures = ?, retry_after = ?, last_error = ?, "
                            + "lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE consumer_id = ? AND partition_no = ?",
                    seq, failures, Timestamp.from(retryAfter), truncate(error, MAX_ERROR), Timestamp.from(now),
                    lease.consumerId(), lease.partition());
            return new Failure(seq, failures, retryAfter);
        });
    }

    static Duration backoff(int failures, Duration initialDelay, Duration maxDelay) {
        Duration delay = initialDelay;
        for (int i = 1; i < failures && delay.compareTo(maxDelay) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }

    /** Whether any partition of the consumer is behind the journal's head (a cheap test before claiming). */
    public boolean behind(String consumerId) {
        Integer rows = jdbc.queryForObject("SELECT COUNT(*) FROM journal_consumer WHERE consumer_id = ? AND position < "
                + "(SELECT COALESCE(MAX(seq), 0) FROM inbound_event)", Integer.class, consumerId);
        return rows != null && rows > 0;
    }

    /** Whether the consumer has partition rows (it was registered and not deleted since). */
    public boolean registered(String consumerId) {
        Integer rows = jdbc.queryForObject("SELECT COUNT(*) FROM journal_consumer WHERE consumer_id = ?", Integer.class, consumerId);
        return rows != null && rows > 0;
    }

    /** Wanted events after the consumer's positions, over all its partitions. */
    public long pending(String consumerId) {
        return consumerStates(consumerId, 0).stream().mapToLong(ConsumerState::lag).sum();
    }

    /** Every registered consumer partition with its lag, by consumer id and partition. */
    public List<ConsumerState> consumers() {
        return consumerStates(null, 0);
    }

    /**
     * As {@link #consumers()}, each partition's lag counted up to {@code lagCap} events at most: enough to tell
     * whether a consumer is more than so far behind, at the cost of those rows, however far behind it is (the ingress's
     * overload check; counting a backlog of 100,000 events took longer than its one-second store timeout).
     */
    public List<ConsumerState> consumers(long lagCap) {
        return consumerStates(null, lagCap);
    }

    private List<ConsumerState> consumerStates(String consumerId, long lagCap) {
        List<ConsumerState> rows = jdbc.query("SELECT " + CONSUMER_COLUMNS + " FROM journal_consumer"
                        + (consumerId == null ? "" : " WHERE consumer_id = ?") + " ORDER BY consumer_id, partition_no",
                JournalStore::consumer, consumerId == null ? new Object[0] : new Object[] {consumerId});
        List<ConsumerState> out = new ArrayList<>(rows.size());
        for (ConsumerState row : rows) {
            List<Object> args = new ArrayList<>();
            Long lag = jdbc.queryForObject(lagQuery(row, lagCap, args), Long.class, args.toArray());
            out.add(withLag(row, lag == null ? 0 : lag));
        }
        return out;
    }

    /** The count of a partition's wanted events after its position; with {@code cap > 0} at most cap. */
    static String lagQuery(ConsumerState row, long cap, List<Object> args) {
        args.add(row.position());
        String events = "FROM inbound_event WHERE seq > ?" + filter(subscription(row), row.partition(), args);
        if (cap <= 0) {
            return "SELECT COUNT(*) " + events;
        }
        args.add(cap);
        return "SELECT COUNT(*) FROM (SELECT seq " + events + " ORDER BY seq LIMIT ?) capped";
    }

    /**
     * Events that at least one consumer seen since {@code activeSince} still has to process (each event
     * counted once, however many consumers want it).
     */
    public long pendingTotal(Instant activeSince) {
        List<ConsumerState> active = jdbc.query("SELECT " + CONSUMER_COLUMNS + " FROM journal_consumer WHERE last_seen_at >= ?",
                JournalStore::consumer, Timestamp.from(activeSince));
        if (active.isEmpty()) {
            return 0;
        }
        List<Object> args = new ArrayList<>();
        String sql = pendingTotalQuery(active, args);
        Long pending = jdbc.queryForObject(sql, Long.class, args.toArray());
        return pending == null ? 0 : pending;
    }

    /**
     * The count {@link #pendingTotal} runs. The lowest position bounds it as well as each consumer's own clause: a
     * database cannot go by an index for an OR of clauses, and without the bound it counted through the whole journal
     * on every status request.
     */
    static String pendingTotalQuery(List<ConsumerState> active, List<Object> args) {
        args.add(active.stream().mapToLong(ConsumerState::position).min().orElse(0));
        StringBuilder where = new StringBuilder();
        for (ConsumerState row : active) {
            where.append(where.isEmpty() ? "" : " OR ").append("(seq > ?");
            args.add(row.position());
            where.append(filter(subscription(row), row.partition(), args)).append(')');
        }
        return "SELECT COUNT(*) FROM inbound_event WHERE seq > ? AND (" + where + ")";
    }

    /**
     * The newest event about {@code contactKey} from one of {@code sources} (of one of {@code eventTypes}) received
     * after {@code receivedAfter}, if {@code consumerId} has not processed it yet: a change the bridge saw but has not
     * applied. Only the tail after the consumer's lowest position is read (by primary key), so it stays cheap however
     * long the journal is.
     */
    public Optional<JournalEvent> newestUnprocessed(String consumerId, String contactKey, Collection<String> sources,
                                                    Collection<String> eventTypes, Instant receivedAfter) {
        return newestUnprocessed(consumerId, contactKey, null, sources, eventTypes, receivedAfter);
    }

    /** As above, of events from {@code connectionId} (or that name none) when it is not null. */
    public Optional<JournalEvent> newestUnprocessed(String consumerId, String contactKey, String connectionId,
                                                    Collection<String> sources, Collection<String> eventTypes,
                                                    Instant receivedAfter) {
        if (!registered(consumerId)) {
            return Optional.empty();
        }
        List<Object> args = new ArrayList<>(List.of(lowestPosition(consumerId), contactKey, Timestamp.from(receivedAfter)));
        args.addAll(sources);
        args.addAll(eventTypes);
        if (connectionId != null) {
            args.add(connectionId);
        }
        args.add(consumerId);
        args.add(consumerId);
        String sql = "SELECT " + EVENT_COLUMNS + " FROM inbound_event e WHERE e.seq > ? AND e.contact_key = ? AND e.received_at > ?"
                + " AND e.source IN (" + placeholders(sources.size()) + ") AND e.event_type IN (" + placeholders(eventTypes.size())
                + ")" + (connectionId == null ? "" : " AND (e.connection_id = ? OR e.connection_id IS NULL)")
                + " AND (e.seq > (SELECT c.position FROM journal_consumer c WHERE c.consumer_id = ?"
                + " AND c.partition_no = MOD(e.contact_hash, c.partitions))"
                + " OR EXISTS (SELECT 1 FROM journal_parked p WHERE p.consumer_id = ? AND p.seq = e.seq))"
                + " ORDER BY e.seq DESC LIMIT 1";
        return jdbc.query(sql, JournalStore::event, args.toArray()).stream().findFirst();
    }

    /**
     * Removes events received before {@code olderThan} that every consumer seen since {@code activeSince}
     * has processed (consumers not seen since then do not hold events back).
     *
     * @return events removed
     */
    public int prune(Instant olderThan, Instant activeSince) {
        Long lowest = jdbc.queryForObject("SELECT MIN(position) FROM journal_consumer WHERE last_seen_at >= ?", Long.class,
                Timestamp.from(activeSince));
        // Parked events (JournalParking) are unprocessed whatever the positions say.
        long keepAfter = belowParked(lowest == null ? Long.MAX_VALUE : lowest, null);
        if (keepAfter == Long.MAX_VALUE) {
            return jdbc.update("DELETE FROM inbound_event WHERE received_at < ?", Timestamp.from(olderThan));
        }
        return jdbc.update("DELETE FROM inbound_event WHERE received_at < ? AND seq <= ?", Timestamp.from(olderThan), keepAfter);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private long position(String consumerId, int partition) {
        List<Long> position = jdbc.queryForList("SELECT position FROM journal_consumer WHERE consumer_id = ? AND partition_no = ?",
                Long.class, consumerId, partition);
        if (position.isEmpty()) {
            throw new IllegalStateException("Journal consumer '" + consumerId + "' has no partition " + partition
                    + "; register it first");
        }
        return position.get(0);
    }

    /** The AND-clauses selecting what {@code sub} wants in {@code partition}; appends their arguments. */
    private static String filter(JournalSubscription sub, int partition, List<Object> args) {
        StringBuilder sql = new StringBuilder(" AND source IN (").append(placeholders(sub.sources().size())).append(')');
        args.addAll(sub.sources());
        if (!sub.allTypes()) {
            sql.append(" AND event_type IN (").append(placeholders(sub.eventTypes().size())).append(')');
            args.addAll(new TreeSet<>(sub.eventTypes()));
        }
        if (sub.partitions() > 1) {
            sql.append(" AND MOD(contact_hash, ?) = ?");
            args.add(sub.partitions());
            args.add(partition);
        }
        return sql.toString();
    }

    private static JournalSubscription subscription(ConsumerState row) {
        return new JournalSubscription(row.consumerId(), row.sources(), row.eventTypes(), row.partitions());
    }

    private static String sourcesColumn(JournalSubscription sub) {
        return String.join(",", sub.sources());
    }

    private static String eventTypesColumn(JournalSubscription sub) {
        return sub.allTypes() ? null : String.join(",", new TreeSet<>(sub.eventTypes()));
    }

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    private static Object[] concat(Collection<?>... parts) {
        return Arrays.stream(parts).flatMap(Collection::stream).toArray();
    }

    private static JournalEvent event(ResultSet rs, int row) throws SQLException {
        return new JournalEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getTimestamp(7).toInstant(), rs.getString(8));
    }

    private static ConsumerState consumer(ResultSet rs, int row) throws SQLException {
        String types = rs.getString(5);
        Set<String> eventTypes = types == null ? Set.of() : new LinkedHashSet<>(JournalSubscription.split(types));
        long failed = rs.getLong(9);
        Long failedSeq = rs.wasNull() ? null : failed;
        return new ConsumerState(rs.getString(1), rs.getInt(2), rs.getInt(3), JournalSubscription.split(rs.getString(4)),
                eventTypes, rs.getLong(6), 0, rs.getString(7), instant(rs.getTimestamp(8)), failedSeq, rs.getInt(10),
                instant(rs.getTimestamp(11)), rs.getString(12), instant(rs.getTimestamp(13)));
    }

    private static ConsumerState withLag(ConsumerState s, long lag) {
        return new ConsumerState(s.consumerId(), s.partition(), s.partitions(), s.sources(), s.eventTypes(), s.position(),
                lag, s.leaseOwner(), s.leaseUntil(), s.failedSeq(), s.failures(), s.retryAfter(), s.lastError(), s.lastSeenAt());
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static void requireLength(String what, String value, int max) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a journal event needs a " + what);
        }
        if (value.length() > max) {
            throw new IllegalArgumentException("the " + what + " is longer than " + max + " characters");
        }
    }

    static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
