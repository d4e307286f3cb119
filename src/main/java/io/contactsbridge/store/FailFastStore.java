package io.contactsbridge.store;

import java.util.Locale;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The store for the paths that must answer at once, also while the store is down: the webhook endpoints (HighLevel
 * retries a 429, but gives up on an answer that takes longer than its 10 s timeout, and never retries that), the
 * readiness check and {@code /api/status}. The same database as the main pool ({@code spring.datasource.*}), through
 * a small pool of its own with short timeouts ({@code bridge.store.fail-fast.*}): the main pool's 30 s wait for a
 * connection suits the sync and the polls, which retry anyway, and its connections may all be taken by them.
 *
 * <p>Deliberately not a {@code DataSource} bean: Spring Boot would then neither create the main pool nor the
 * {@code JdbcTemplate} everything else uses.
 */
@Component
public class FailFastStore implements DisposableBean {

    private final HikariDataSource pool;
    private final JdbcTemplate jdbc;
    private final DataSourceTransactionManager transactions;

    public FailFastStore(DataSourceProperties dataSource, StoreProperties props) {
        StoreProperties.FailFast settings = props.failFast();
        HikariConfig config = new HikariConfig();
        String url = dataSource.determineUrl();
        config.setJdbcUrl(url);
        config.setUsername(dataSource.determineUsername());
        config.setPassword(dataSource.determinePassword());
        String driver = dataSource.determineDriverClassName();
        if (driver != null) {
            config.setDriverClassName(driver);
        }
        config.setPoolName("store-fail-fast");
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(Math.min(2, settings.poolSize()));
        config.setConnectionTimeout(settings.connectionTimeout().toMillis());
        config.setValidationTimeout(settings.validationTimeout().toMillis());
        // Never fail at start-up for this pool: the main pool and Flyway report an unreachable store already.
        config.setInitializationFailTimeout(-1);
        if (url != null && url.toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:")) {
            // A server that stopped answering (rather than refusing) must not hold a webhook for the TCP timeouts.
            int seconds = (int) Math.max(1, settings.queryTimeout().toSeconds());
            config.addDataSourceProperty("connectTimeout", String.valueOf(seconds));
            config.addDataSourceProperty("socketTimeout", String.valueOf(seconds + 1));
        }
        this.pool = new HikariDataSource(config);
        this.jdbc = new JdbcTemplate(pool);
        this.jdbc.setQueryTimeout((int) settings.queryTimeout().toSeconds());
        this.transactions = new DataSourceTransactionManager(pool);
    }

    public JdbcTemplate jdbc() {
        return jdbc;
    }

    public PlatformTransactionManager transactions() {
        return transactions;
    }

    @Override
    public void destroy() {
        pool.close();
    }
}
