package io.contactsbridge.ops;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.contactsbridge.store.FailFastStore;
import io.contactsbridge.store.StoreHealth;
import io.contactsbridge.store.StoreProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /api/status} answers within its budget however the store fails: while the store check fails, the parts that
 * read the store are left out; when the store stops answering after the check (the main pool would hold those parts
 * for 30 s), they are left out when the budget is spent. Either way the document says so.
 */
class StatusServiceTest {

    private static final StoreProperties PROPS = new StoreProperties(null,
            new StoreProperties.Health(Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofMillis(800)), null);

    private final CountDownLatch release = new CountDownLatch(1);
    private FailFastStore store;
    private StoreHealth health;
    private StatusService status;

    @AfterEach
    void close() throws Exception {
        release.countDown();
        if (status != null) {
            status.destroy();
        }
        health.destroy();
        store.destroy();
    }

    @Test
    void aStoreThatIsDownLeavesItsPartsOutAndTheStatusAnswersAtOnce() {
        // Nothing listens on port 1: every connection is refused.
        open("jdbc:postgresql://127.0.0.1:1/bridge");
        status = new StatusService(List.of(core(), fromStore("journal.events", 3)), health, PROPS);

        long started = System.nanoTime();
        Map<String, Object> doc = status.status();
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertThat(millis).isLessThan(1000);
        assertThat(doc).containsEntry("mode", "live").containsEntry("storeAvailable", false).doesNotContainKey("journal");
        assertThat((String) doc.get("storeProblem")).isNotBlank();
    }

    @Test
    void aStoreThatStopsAnsweringAfterTheCheckIsLeftOutWhenTheBudgetIsSpent() {
        open("jdbc:h2:mem:status-service-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        StatusContributor hanging = report -> {
            try {
                // As a query on the main pool whose store went away: held far longer than the budget.
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            report.put("links", 1);
        };
        status = new StatusService(List.of(core(), fromStore("journal.events", 3), hanging), health, PROPS);
        awaitStoreAnswers();

        long started = System.nanoTime();
        Map<String, Object> doc = status.status();
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertThat(millis).isBetween(700L, 1000L);
        assertThat(doc).containsEntry("mode", "live").containsEntry("storeAvailable", false).doesNotContainKey("links");
        assertThat(doc.get("journal")).isEqualTo(Map.of("events", 3));
        assertThat((String) doc.get("storeProblem")).contains("did not answer within 800 ms");
    }

    @Test
    void aStoreThatAnswersGivesTheWholeStatusInContributorOrder() {
        open("jdbc:h2:mem:status-service-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        status = new StatusService(List.of(core(), fromStore("journal.events", 3), fromStore("journal.pending", 0)),
                health, PROPS);
        awaitStoreAnswers();

        Map<String, Object> doc = status.status();

        assertThat(doc.keySet()).containsExactly("mode", "journal", "storeAvailable");
        assertThat(doc.get("journal")).isEqualTo(Map.of("events", 3, "pending", 0));
        assertThat(doc).containsEntry("storeAvailable", true).doesNotContainKey("storeProblem");
    }

    /** The pool's first connection (and a new JVM's class loading) may take longer than a check may wait. */
    private void awaitStoreAnswers() {
        await("the store check passes").atMost(Duration.ofSeconds(10)).until(() -> health.current().available());
    }

    private void open(String url) {
        DataSourceProperties ds = new DataSourceProperties();
        ds.setUrl(url);
        ds.setUsername("sa");
        store = new FailFastStore(ds, PROPS);
        health = new StoreHealth(store, PROPS, Clock.systemUTC());
    }

    private static StatusContributor core() {
        return new StatusContributor() {
            @Override
            public void contribute(StatusReport report) {
                report.put("mode", "live");
            }

            @Override
            public boolean readsStore() {
                return false;
            }
        };
    }

    private static StatusContributor fromStore(String key, Object value) {
        return report -> report.put(key, value);
    }
}
