package io.contactsbridge.sandbox;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import io.contactsbridge.ops.InvalidSettingException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationStrategy;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Sandbox mode only: the bridge's store starts over with the simulators. They are seeded afresh at every start
 * ({@link SandboxWorld}), so links, poll cursors and snapshots, the finished backfill, the journal and its positions,
 * dead letters and contact turns kept from the last run describe contacts that are gone or now belong to someone
 * else (BirdSend reuses its ids): kept, they would unlink most pairs and skip new contacts as "partner deleted".
 *
 * <p>Why start over rather than keep the simulators' state beside the store: the simulators hold far more than
 * contacts (custom fields, tags, tokens, rate windows, webhook keys, queued deliveries), and a restored copy that
 * differs from the store in one detail fails in ways a newcomer cannot see. A store emptied to match a fresh
 * seeding is the same demo every time, and the backfill (on at start-up in sandbox mode) pairs the seeded people
 * again within seconds.
 *
 * <p>Runs as Spring Boot's Flyway migration step, so before anything reads the store and before any route starts.
 * After migrating, the store is emptied (Flyway clean, then migrate again: every table as its migrations create it,
 * seeded rows included) when
 * <ul>
 *   <li>{@code bridge.sandbox.reset=true} (on purpose: any store, also one this guard would refuse), or</li>
 *   <li>{@code bridge.sandbox.reset-on-reseed=true} (the default) and the store holds an earlier run: it records
 *       another world, or, from before worlds were recorded, only this sandbox's own instance in
 *       {@code bridge_instance}.</li>
 * </ul>
 * A store holding another instance's heartbeats and no sandbox world is a live bridge's (live mode and sandbox mode
 * share the default H2 file): it is never emptied by itself; start-up stops and says what to do. Live mode never
 * creates this bean, so a live store is never reset, whatever these settings say.
 */
public class SandboxStoreReset implements FlywayMigrationStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxStoreReset.class);

    private final SandboxWorld world;
    private final boolean resetRequested;
    private final boolean resetOnReseed;
    private final String instanceId;
    private final Clock clock;

    public SandboxStoreReset(SandboxWorld world, boolean resetRequested, boolean resetOnReseed, String instanceId, Clock clock) {
        this.world = world;
        this.resetRequested = resetRequested;
        this.resetOnReseed = resetOnReseed;
        this.instanceId = instanceId;
        this.clock = clock;
    }

    @Override
    public void migrate(Flyway flyway) {
        MigrateResult migrated = flyway.migrate();
        DataSource dataSource = flyway.getConfiguration().getDataSource();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        Optional<String> reason = resetReason(migrated.initialSchemaVersion == null, jdbc, dataSource);
        if (reason.isPresent()) {
            Flyway.configure(flyway.getConfiguration().getClassLoader())
                    .configuration(flyway.getConfiguration())
                    .cleanDisabled(false)
                    .load()
                    .clean();
            flyway.migrate();
            LOG.info("Sandbox: the bridge's store was emptied ({}): links, poll state, backfill, journal, dead letters "
                    + "start over with the simulators (world {}: {})", reason.get(), world.id(), world.seededWith());
        }
        jdbc.update("DELETE FROM sandbox_world");
        jdbc.update("INSERT INTO sandbox_world (id, world_id, seeded_with, seeded_at) VALUES (1, ?, ?, ?)",
                world.id(), world.seededWith(), Timestamp.from(clock.instant()));
    }

    /** Why the store is to be emptied now; empty when it is to be kept. */
    Optional<String> resetReason(boolean fresh, JdbcTemplate jdbc, DataSource dataSource) {
        if (resetRequested) {
            return Optional.of("bridge.sandbox.reset=true");
        }
        if (!resetOnReseed || fresh) {
            return Optional.empty();
        }
        List<String> recorded = jdbc.queryForList("SELECT world_id FROM sandbox_world", String.class);
        if (!recorded.isEmpty()) {
            return recorded.contains(world.id()) ? Optional.empty()
                    : Optional.of("the simulators were seeded afresh; it described the world of an earlier run");
        }
        List<String> others = jdbc.queryForList("SELECT instance_id FROM bridge_instance WHERE instance_id <> ? "
                + "ORDER BY instance_id", String.class, instanceId);
        if (others.isEmpty()) {
            return Optional.of("the simulators were seeded afresh; it held an earlier sandbox run");
        }
        throw new InvalidSettingException("spring.datasource.url", displayUrl(dataSource),
                "sandbox mode starts its store over at every start (its simulators are seeded afresh), and this store "
                        + "holds the data of another bridge (instance " + String.join(", ", others) + "), not of a sandbox",
                "Give the sandbox a database of its own (spring.datasource.url), or start it once with "
                        + "--bridge.sandbox.reset=true to empty this one.");
    }

    /** The store's JDBC URL without its options (which may carry credentials). */
    static String displayUrl(DataSource dataSource) {
        try (var connection = dataSource.getConnection()) {
            String url = connection.getMetaData().getURL();
            int options = url.indexOf('?') >= 0 ? url.indexOf('?') : url.indexOf(';');
            return options >= 0 ? url.substring(0, options) : url;
        } catch (java.sql.SQLException e) {
            return "(the configured store)";
        }
    }
}
