package io.contactsbridge.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import jakarta.annotation.PreDestroy;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Keeps the default H2 file store from growing by every commit. The journal commits each webhook's event before
 * answering (H2's {@code WRITE_DELAY=0}), and H2's store writes a new chunk per commit, holding the tail pages of
 * every index touched; the space a chunk frees is kept for 45 s by default and a chunk is only reused once all its
 * pages are dead, which pages of a randomly keyed index (the journal's duplicate check) rarely are. Measured on the
 * journal's tables: about 30 KB of file per event at one event per commit, 8 KB at eight, growing with the run.
 * H2 compacts on its own only in its background writer, which a zero write delay switches off.
 *
 * <p>So: freed space is reused at once ({@code bridge.store.h2.retention}, 0 by default: a process crash cannot tear
 * a chunk the OS already holds; a power cut within the retention time can, which is why H2 keeps 45 s) and a small
 * step of compaction runs every {@code bridge.store.h2.compact-interval}, rewriting at most
 * {@code bridge.store.h2.compact-write} bytes of live pages out of chunks less than {@code target-fill} % full. Each
 * step holds writers up for a few milliseconds; measured: about 1.1 to 2 KB per event at 100,000 events, commit p99
 * 4 to 9 ms. PostgreSQL and in-memory H2 need none of this: the component then does nothing.
 *
 * <p>H2 has no SQL for a partial compaction, so this reaches its store through H2's own classes ({@code SessionLocal}
 * and {@code MVStore}, public in H2 2.x); a change of H2's internals shows up as a WARN once and compaction off.
 */
@Component
public class H2Compaction {

    private static final Logger LOG = LoggerFactory.getLogger(H2Compaction.class);

    private final DataSource dataSource;
    private final StoreProperties.H2 props;
    private final StoreInfo storeInfo;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong rewrote = new AtomicLong();
    private volatile ScheduledExecutorService executor;

    public H2Compaction(DataSource dataSource, StoreProperties props, StoreInfo storeInfo) {
        this.dataSource = dataSource;
        this.props = props.h2();
        this.storeInfo = storeInfo;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void start() {
        if (!"h2".equals(storeInfo.kind()) || props.compactInterval().isZero()) {
            return;
        }
        try {
            MVStore store = store();
            if (store == null || store.getFileStore() == null) {
                return; // in memory: nothing on disk to keep small
            }
            store.setRetentionTime((int) Math.min(Integer.MAX_VALUE, props.retention().toMillis()));
        } catch (SQLException | RuntimeException | LinkageError e) {
            LOG.warn("H2 store compaction is off: the store could not be reached through H2's classes ({})", e.toString());
            return;
        }
        ScheduledExecutorService ses = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "h2-compaction");
            t.setDaemon(true);
            return t;
        });
        long every = props.compactInterval().toMillis();
        ses.scheduleWithFixedDelay(this::step, every, every, TimeUnit.MILLISECONDS);
        executor = ses;
        LOG.info("H2 store: freed space reused after {} ms; compaction step every {} ms (at most {} bytes, chunks under {} % full)",
                props.retention().toMillis(), every, props.compactWrite(), props.targetFill());
    }

    /** One step; a failure (the store closing, an outage) is left for the next step. */
    void step() {
        try {
            MVStore store = store();
            if (store == null || store.isClosed()) {
                return;
            }
            if (store.compact(props.targetFill(), props.compactWrite())) {
                rewrote.incrementAndGet();
            }
            steps.incrementAndGet();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("H2 compaction step skipped: {}", e.toString());
        }
    }

    /** Steps run, and those that rewrote something (for tests and the benchmark). */
    public long[] counts() {
        return new long[] {steps.get(), rewrote.get()};
    }

    private MVStore store() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!c.isWrapperFor(JdbcConnection.class)) {
                return null;
            }
            Object session = c.unwrap(JdbcConnection.class).getSession();
            if (!(session instanceof SessionLocal local)) {
                return null; // a server connection (jdbc:h2:tcp:): that server's own settings rule
            }
            return local.getDatabase().getStore().getMvStore();
        }
    }

    @PreDestroy
    public void stop() {
        ScheduledExecutorService ses = executor;
        if (ses != null) {
            // Not shutdownNow: an interrupt inside the H2 store closes the database for everything still stopping.
            ses.shutdown();
        }
    }
}
