package io.contactsbridge.sync;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;

/**
 * The bridge's default live store (the H2 file {@code spring.datasource.url} of {@code application.properties}
 * names, relative to the working directory), opened directly while the bridge is not running: what a crash left on
 * disk, as the next start will find it.
 */
final class CrashTestStore {

    private static final String FILE_PREFIX = "jdbc:h2:file:";

    private final String url;

    /** @param workDir the bridge's working directory, which the default URL's relative path is resolved against */
    CrashTestStore(Path workDir) throws IOException {
        String configured = defaultUrl();
        if (!configured.startsWith(FILE_PREFIX)) {
            throw new IllegalStateException("expected an H2 file store by default, found " + configured);
        }
        String location = configured.substring(FILE_PREFIX.length());
        int options = location.indexOf(';');
        String file = options < 0 ? location : location.substring(0, options);
        this.url = FILE_PREFIX + workDir.resolve(file).toAbsolutePath().normalize()
                + (options < 0 ? "" : location.substring(options));
    }

    /**
     * The ids of the journal's events from {@code source}. Opens and closes the store: call it only while no
     * bridge runs on it (H2 lets one process at a time open a file database).
     */
    Set<String> eventIds(String source) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
             PreparedStatement query = connection.prepareStatement("SELECT event_id FROM inbound_event WHERE source = ?")) {
            query.setString(1, source);
            Set<String> ids = new HashSet<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
            return ids;
        }
    }

    /** A row of {@code sync_link}: which contacts are linked, and which side (if any) is marked deleted. */
    record LinkRow(String highlevelId, String birdsendId, String email, String unlinkedSide) {
    }

    /** Every link, read the same way as {@link #eventIds}: only while no bridge runs on the store. */
    java.util.List<LinkRow> links() throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
             PreparedStatement query = connection.prepareStatement(
                     "SELECT highlevel_id, birdsend_id, email, unlinked_side FROM sync_link ORDER BY id")) {
            java.util.List<LinkRow> rows = new java.util.ArrayList<>();
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    rows.add(new LinkRow(r.getString(1), r.getString(2), r.getString(3), r.getString(4)));
                }
            }
            return rows;
        }
    }

    /** A row of {@code automation_effect}: one effect of an automation for one journal event. */
    record EffectRow(String eventSource, String eventId, String effect, String state, String claimedBy) {
    }

    /**
     * The effect rows of the automation (its route id, as {@code AutomationSteps.automationId} records it), read the
     * same way as {@link #eventIds}: only while no bridge runs on the store.
     */
    java.util.List<EffectRow> automationEffects(String automationId) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
             PreparedStatement query = connection.prepareStatement("SELECT event_source, event_id, effect, state, claimed_by"
                     + " FROM automation_effect WHERE automation_id = ? ORDER BY claimed_at, effect")) {
            query.setString(1, automationId);
            java.util.List<EffectRow> rows = new java.util.ArrayList<>();
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    rows.add(new EffectRow(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5)));
                }
            }
            return rows;
        }
    }

    private static String defaultUrl() throws IOException {
        Properties defaults = new Properties();
        try (InputStream in = CrashTestStore.class.getResourceAsStream("/application.properties")) {
            if (in == null) {
                throw new IllegalStateException("application.properties is not on the class path");
            }
            defaults.load(in);
        }
        return defaults.getProperty("spring.datasource.url");
    }
}
