package io.contactsbridge.journal;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Group commit of journal appends: callers on any number of threads hand their event to one writer thread and wait;
 * the writer takes everything waiting (up to {@code maxBatch}) and stores it in one transaction, then answers each
 * caller. A caller is still answered only after its own event is durable, but a burst costs one commit (one lock
 * of the append row, one log flush) per batch instead of one per event; while a batch commits, the next one gathers.
 *
 * <p>A repeat of an event already stored, or twice in one batch, is {@link AppendResult#DUPLICATE}: the insert skips
 * it ({@code ON CONFLICT DO NOTHING}, which H2 supports in PostgreSQL mode) instead of failing the shared transaction.
 * When the transaction fails, every caller of the batch gets the failure and nothing of the batch is stored. A caller
 * that waits longer than {@code timeout} gets a {@link DataAccessResourceFailureException}; its event may still be
 * stored later, which a retry of the sender finds as a duplicate.
 */
final class GroupCommit implements AutoCloseable {

    private static final String INSERT = "INSERT INTO inbound_event (source, event_type, event_id, contact_key, contact_hash, "
            + "payload, received_at, connection_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

    record Append(String source, String eventType, String eventId, String contactKey, String payload,
                  String connectionId, CompletableFuture<AppendResult> result) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final Runnable afterAppend;
    private final int maxBatch;
    private final LinkedBlockingQueue<Append> queue = new LinkedBlockingQueue<>();
    private volatile Duration timeout;
    private final java.util.concurrent.atomic.AtomicLong transactions = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;
    private Thread writer;

    GroupCommit(JdbcTemplate jdbc, TransactionTemplate tx, Clock clock, Runnable afterAppend, int maxBatch, Duration timeout) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        this.afterAppend = afterAppend;
        this.maxBatch = maxBatch;
        this.timeout = timeout;
    }

    /** Transactions written so far (each holding one batch). */
    long transactions() {
        return transactions.get();
    }

    void timeout(Duration timeout) {
        this.timeout = timeout;
    }

    AppendResult append(String source, String eventType, String eventId, String contactKey, String payload,
                        String connectionId) {
        if (closed) {
            throw new DataAccessResourceFailureException("The journal is closed (the bridge is shutting down).");
        }
        startWriter();
        Append append = new Append(source, eventType, eventId, contactKey, payload, connectionId,
                new CompletableFuture<>());
        queue.add(append);
        try {
            return append.result().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new DataAccessResourceFailureException("Storing the event failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new DataAccessResourceFailureException("The journal did not store the event within " + timeout.toMillis()
                    + " ms (the store is slow or unreachable).");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataAccessResourceFailureException("Interrupted while the event was being stored.");
        }
    }

    private synchronized void startWriter() {
        if (writer == null) {
            writer = new Thread(this::run, "journal-group-commit");
            writer.setDaemon(true);
            writer.start();
        }
    }

    private void run() {
        List<Append> batch = new ArrayList<>(maxBatch);
        while (!closed || !queue.isEmpty()) {
            try {
                Append first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                write(batch);
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } catch (RuntimeException | Error e) {
                // write() answers its callers; this only keeps the writer alive for the next batch.
                batch.forEach(a -> a.result().completeExceptionally(e));
            }
        }
        queue.forEach(a -> a.result().completeExceptionally(
                new DataAccessResourceFailureException("The journal is closed (the bridge is shutting down).")));
    }

    private void write(List<Append> batch) {
        // Repeats inside the batch are answered as duplicates of the first; only distinct ids go to the database.
        Map<String, Append> distinct = new HashMap<>();
        List<Append> rows = new ArrayList<>(batch.size());
        for (Append a : batch) {
            if (distinct.putIfAbsent(a.source() + '\u0000' + a.eventId(), a) == null) {
                rows.add(a);
            }
        }
        int[] counts;
        try {
            Timestamp now = Timestamp.from(clock.instant());
            transactions.incrementAndGet();
            counts = tx.execute(status -> {
                // Taken first and held until commit: appends commit in seq order (see JournalStore).
                jdbc.update("UPDATE inbound_append_lock SET appends = appends + ? WHERE id = 1", rows.size());
                return jdbc.batchUpdate(INSERT, rows, rows.size(), (ps, a) -> {
                    ps.setString(1, a.source());
                    ps.setString(2, a.eventType());
                    ps.setString(3, a.eventId());
                    ps.setString(4, a.contactKey());
                    ps.setInt(5, ContactKeys.hash(a.contactKey()));
                    ps.setString(6, a.payload());
                    ps.setTimestamp(7, now);
                    ps.setString(8, a.connectionId());
                })[0];
            });
        } catch (RuntimeException e) {
            batch.forEach(a -> a.result().completeExceptionally(e));
            return;
        }
        boolean appended = false;
        Map<Append, AppendResult> results = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            // A positive count (or the driver's "succeeded, count unknown") is a stored row; 0 a conflict.
            boolean stored = counts[i] > 0 || counts[i] == java.sql.Statement.SUCCESS_NO_INFO;
            results.put(rows.get(i), stored ? AppendResult.APPENDED : AppendResult.DUPLICATE);
            appended |= stored;
        }
        if (appended) {
            afterAppend.run();
        }
        for (Append a : batch) {
            a.result().complete(results.getOrDefault(a, AppendResult.DUPLICATE));
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread w;
        synchronized (this) {
            w = writer;
        }
        if (w != null) {
            try {
                w.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
