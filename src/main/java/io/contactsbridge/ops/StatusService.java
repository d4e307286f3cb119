package io.contactsbridge.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.contactsbridge.store.StoreHealth;
import io.contactsbridge.store.StoreProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Service;

/**
 * Builds the {@code /api/status} document from every {@link StatusContributor}, within about a second also while the
 * store is down. It first asks {@link StoreHealth} whether the store answers (cached, bounded): while it does not,
 * the contributors that read the store are left out. Otherwise they run on a worker and are given
 * what is left of {@code bridge.store.health.status-within} (the whole answer's budget): the store may go away between the check and their queries, and the main
 * connection pool would then hold them for its 30 s. What is not done by then is left out. The document says which:
 * {@code storeAvailable}, and {@code storeProblem} when something was left out.
 */
@Service("statusService")
public class StatusService implements DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(StatusService.class);
    /** Status requests whose store figures may be read at once; a request finding them all busy leaves them out. */
    private static final int READERS = 4;

    private final List<StatusContributor> contributors;
    private final StoreHealth store;
    private final long statusWithinMillis;
    private final ThreadPoolExecutor readers = new ThreadPoolExecutor(0, READERS, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "status-store-reader");
                t.setDaemon(true);
                return t;
            });

    public StatusService(List<StatusContributor> contributors, StoreHealth store, StoreProperties props) {
        this.contributors = contributors;
        this.store = store;
        this.statusWithinMillis = props.health().statusWithin().toMillis();
    }

    public Map<String, Object> status() {
        // One budget for the whole answer: the check and the store's figures together.
        long deadline = System.nanoTime() + statusWithinMillis * 1_000_000L;
        StoreHealth.Check check = store.current();
        Map<StatusContributor, StatusReport> parts = new ConcurrentHashMap<>();
        List<StatusContributor> fromStore = new ArrayList<>();
        for (StatusContributor c : contributors) {
            if (c.readsStore()) {
                fromStore.add(c);
            } else {
                parts.put(c, contribute(c));
            }
        }
        String problem = check.available() ? readStoreParts(fromStore, parts, deadline) : check.problem();
        StatusReport report = new StatusReport();
        for (StatusContributor c : contributors) {
            StatusReport part = parts.get(c);
            if (part != null) {
                report.merge(part);
            }
        }
        report.put("storeAvailable", problem == null);
        if (problem != null) {
            report.put("storeProblem", problem);
        }
        return report.asMap();
    }

    /** Runs the contributors that read the store; null when all finished in time, else what kept them. */
    private String readStoreParts(List<StatusContributor> fromStore, Map<StatusContributor, StatusReport> parts,
                                  long deadline) {
        if (fromStore.isEmpty()) {
            return null;
        }
        CompletableFuture<Void> reading;
        try {
            reading = CompletableFuture.runAsync(() -> fromStore.forEach(c -> parts.put(c, contribute(c))), readers);
        } catch (RejectedExecutionException e) {
            return "earlier status requests are still waiting for the store; its figures are left out";
        }
        try {
            reading.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (TimeoutException e) {
            return "the store did not answer within " + statusWithinMillis + " ms; some of its figures are left out";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while reading the store";
        } catch (ExecutionException e) {
            return "reading the store failed: " + e.getCause();
        }
    }

    private static StatusReport contribute(StatusContributor c) {
        StatusReport part = new StatusReport();
        try {
            c.contribute(part);
        } catch (RuntimeException e) {
            // One failing feature must not hide the rest of the status; say which one failed.
            LOG.warn("Status contributor {} failed: {}", c.getClass().getSimpleName(), e.toString());
            part.put("errors." + c.getClass().getSimpleName(), e.getClass().getSimpleName());
        }
        return part;
    }

    @Override
    public void destroy() {
        // Not shutdownNow: an interrupt inside the H2 store closes the database for everything still stopping.
        readers.shutdown();
    }
}
