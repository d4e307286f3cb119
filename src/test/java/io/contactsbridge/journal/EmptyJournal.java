package io.contactsbridge.journal;

import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/** The journal tests' fixture: one migrated H2 database per test class, emptied before each test. */
public final class EmptyJournal {

    /** Settings for tests: the defaults but a 1 s poll interval and a back-off from 1 s to 8 s. */
    public static final JournalProperties PROPS = new JournalProperties(Duration.ofSeconds(30), 100,
            Duration.ofSeconds(1), Duration.ofSeconds(8), null, null, null, null, null);

    private EmptyJournal() {
    }

    public static DataSource database() {
        return TestDatabases.pooled(TestDatabases.migrated(Kind.H2));
    }

    /** A store over {@code ds} with no events and no consumers. */
    public static JournalStore store(DataSource ds, Clock clock, JournalSignal signal) {
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        jdbc.update("DELETE FROM journal_consumer");
        jdbc.update("DELETE FROM journal_parked");
        jdbc.update("DELETE FROM journal_parked_group");
        jdbc.update("DELETE FROM inbound_event");
        return new JournalStore(jdbc, new DataSourceTransactionManager(ds), clock, signal);
    }
}
