package io.contactsbridge.sync;

import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live-link count that {@code /api/status} shows must not fetch every link's row: at 100,000 links that took
 * longer than the status allows for the store's figures. Checked on H2 (the default store), whose plan names the
 * index it goes by.
 */
class LinkStoreCountTest {

    @Test
    void theLiveLinkCountGoesThroughItsIndexAloneAndCountsOnlyLiveLinksOfThePair() {
        DataSource ds = TestDatabases.migrated(Kind.H2);
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            rows.add(new Object[] {"highlevel", "birdsend", "hl-" + i, "bs-" + i, i % 50 == 0 ? "highlevel" : null});
            rows.add(new Object[] {"highlevel-2", "birdsend", "hl-" + i, "bs-" + i, null});
        }
        jdbc.batchUpdate("INSERT INTO sync_link (highlevel_connection, birdsend_connection, highlevel_id, birdsend_id,"
                + " shadow, unlinked_side, version, created_at, updated_at) VALUES (?, ?, ?, ?, '{}', ?, 1,"
                + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", rows);

        String plan = jdbc.queryForObject("EXPLAIN " + LinkStore.COUNT_LIVE, String.class, "highlevel", "birdsend");
        assertThat(plan).as("the count's plan").contains("sync_link_live");
        Long live = jdbc.queryForObject(LinkStore.COUNT_LIVE, Long.class, "highlevel", "birdsend");
        assertThat(live).as("live links of the pair: 500 less the 10 unlinked").isEqualTo(490);
    }
}
