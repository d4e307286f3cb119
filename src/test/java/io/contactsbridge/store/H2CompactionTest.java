package io.contactsbridge.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The H2 file store stays small under the journal's commit-per-event writes (issue 12): the same events, one commit
 * each, on the bridge's own schema, with and without {@link H2Compaction}. Without it the file grows by tens of KB
 * per event; with it, by about the size of the data.
 */
class H2CompactionTest {

    private static final int EVENTS = 4_000;

    @TempDir
    Path dir;

    @Test
    void compactionKeepsTheFileNearTheSizeOfItsData() throws Exception {
        long without = journalFileSize(dir.resolve("plain"), null);
        StoreProperties.H2 on = new StoreProperties.H2(Duration.ofMillis(20), 1 << 20, 90, Duration.ZERO);
        long with = journalFileSize(dir.resolve("compacted"), on);
        System.out.printf("H2CompactionTest: %,d events, one commit each: %,d bytes per event without compaction, %,d with%n",
                EVENTS, without / EVENTS, with / EVENTS);
        assertThat(with / EVENTS).as("bytes of file per event with compaction").isLessThanOrEqualTo(4_000);
        assertThat(without).as("the file without compaction (else this test shows nothing)").isGreaterThan(3 * with);
    }

    private long journalFileSize(Path db, StoreProperties.H2 compaction) throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + db.resolve("store") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH"
                + ";WRITE_DELAY=0");
        ds.setUser("sa");
        try (Connection keepOpen = ds.getConnection()) {
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
            H2Compaction compactor = null;
            if (compaction != null) {
                compactor = new H2Compaction(ds, new StoreProperties(null, null, compaction), new StoreInfo(ds));
                compactor.start();
            }
            try {
                keepOpen.setAutoCommit(false);
                try (PreparedStatement insert = keepOpen.prepareStatement("INSERT INTO inbound_event (source, event_type, event_id,"
                        + " contact_key, contact_hash, payload, received_at) VALUES ('highlevel-webhook', 'ContactUpdate', ?, ?, ?, ?,"
                        + " CURRENT_TIMESTAMP)")) {
                    for (int i = 0; i < EVENTS; i++) {
                        String id = UUID.randomUUID().toString();
                        insert.setString(1, id);
                        insert.setString(2, "highlevel:" + id.substring(0, 20));
                        insert.setInt(3, id.hashCode() & 0x7fffffff);
                        insert.setString(4, "{\"type\":\"ContactUpdate\",\"id\":\"" + id + "\",\"firstName\":\"Ann\",\"lastName\":\"Lee\","
                                + "\"email\":\"ann." + i + "@example.com\",\"tags\":[\"a\",\"b\"],\"dnd\":false}");
                        insert.executeUpdate();
                        keepOpen.commit();
                    }
                }
                if (compactor != null) {
                    assertThat(compactor.counts()[0]).as("compaction steps run").isPositive();
                }
                return Files.size(db.resolve("store.mv.db"));
            } finally {
                if (compactor != null) {
                    compactor.stop();
                }
            }
        }
    }
}
