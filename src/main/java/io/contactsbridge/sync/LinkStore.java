package io.contactsbridge.sync;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.Side;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The identity links (table {@code sync_link}). Unique per pair on both ids, so two writers that link the
 * same contact at once (the backfill and the live sync, or two replicas) cannot both succeed: the loser gets a
 * {@link LinkChangedException}, an expected conflict, and does its work again, finding the link. Updates are
 * optimistic ({@link #update} returns false when the link changed since it was read).
 */
@Component
public class LinkStore {

    private static final String COLUMNS = "id, highlevel_id, birdsend_id, email, shadow, version, unlinked_side, pending";

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final Clock clock;
    private final TransactionTemplate tx;

    @Autowired
    public LinkStore(JdbcTemplate jdbc, ObjectMapper json, Clock clock, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
        this.tx = new TransactionTemplate(transactions);
    }

    /** On the template's data source alone (tests). */
    public LinkStore(JdbcTemplate jdbc, ObjectMapper json, Clock clock) {
        this(jdbc, json, clock, new DataSourceTransactionManager(jdbc.getDataSource()));
    }

    public Optional<ContactLink> byHighLevel(SyncPair pair, String highlevelId) {
        return one("highlevel_id = ?", pair, highlevelId);
    }

    public Optional<ContactLink> byBirdSend(SyncPair pair, String birdsendId) {
        return one("birdsend_id = ?", pair, birdsendId);
    }

    /** Every link of the pair, by BirdSend id, unlinked ones included (the backfill matches against them). */
    public Map<String, ContactLink> all(SyncPair pair) {
        Map<String, ContactLink> out = new LinkedHashMap<>();
        jdbc.query("SELECT " + COLUMNS + " FROM sync_link WHERE highlevel_connection = ? AND birdsend_connection = ? ORDER BY id",
                rs -> {
                    ContactLink link = row(rs, 0);
                    out.put(link.birdsendId(), link);
                }, pair.highlevelConnection(), pair.birdsendConnection());
        return out;
    }

    /**
     * @throws LinkChangedException when either contact was linked since the caller looked (a unique index refused
     *                              the row): the caller's view is stale and its work is to be done again
     */
    public ContactLink insert(SyncPair pair, String highlevelId, String birdsendId, String email, CanonicalContact shadow) {
        return insert(pair, highlevelId, birdsendId, email, shadow, null);
    }

    /**
     * Links two contacts before the writes that make them agree ({@code pending}; its {@code merged} is stored as the
     * shadow until they are recorded).
     *
     * @throws LinkChangedException as {@link #insert(SyncPair, String, String, String, CanonicalContact)}
     */
    public ContactLink insertPending(SyncPair pair, String highlevelId, String birdsendId, String email, PendingWrite pending) {
        return insert(pair, highlevelId, birdsendId, email, pending.merged(), pending);
    }

    private ContactLink insert(SyncPair pair, String highlevelId, String birdsendId, String email, CanonicalContact shadow,
                               PendingWrite pending) {
        Timestamp now = Timestamp.from(clock.instant());
        GeneratedKeyHolder keys = new GeneratedKeyHolder();
        try {
            insertRow(pair, highlevelId, birdsendId, email, shadow, pending, now, keys);
        } catch (DuplicateKeyException e) {
            // Not an error: someone linked one of them between our read and this insert. Said in words (the
            // constraint's name is in the message of the cause), without the database's stack trace.
            throw new LinkChangedException("HighLevel contact " + highlevelId + " or BirdSend contact " + birdsendId
                    + " was linked meanwhile (by the backfill, another event or another replica)");
        }
        return new ContactLink(keys.getKey().longValue(), highlevelId, birdsendId, email, shadow, 0, null, pending);
    }

    private void insertRow(SyncPair pair, String highlevelId, String birdsendId, String email, CanonicalContact shadow,
                           PendingWrite pending, Timestamp now, GeneratedKeyHolder keys) {
        jdbc.update(con -> {
            var ps = con.prepareStatement("INSERT INTO sync_link (highlevel_connection, birdsend_connection, highlevel_id, birdsend_id,"
                    + " email, shadow, pending, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                    new String[] {"id"});
            ps.setString(1, pair.highlevelConnection());
            ps.setString(2, pair.birdsendConnection());
            ps.setString(3, highlevelId);
            ps.setString(4, birdsendId);
            ps.setString(5, email);
            ps.setString(6, write(shadow));
            ps.setString(7, pending == null ? null : write(pending));
            ps.setTimestamp(8, now);
            ps.setTimestamp(9, now);
            return ps;
        }, keys);
    }

    /** Stores the new shadow (and email), settling any pending writes, if nobody changed the link since it was read. */
    public boolean update(ContactLink link, String email, CanonicalContact shadow) {
        return jdbc.update("UPDATE sync_link SET email = ?, shadow = ?, pending = NULL, version = version + 1, updated_at = ?"
                        + " WHERE id = ? AND version = ?", email, write(shadow), Timestamp.from(clock.instant()),
                link.id(), link.version()) == 1;
    }

    /**
     * Records writes about to be made to a linked pair, if nobody changed the link since it was read; the shadow stays
     * until {@link #update} records their outcome. Empty when the link changed.
     */
    public Optional<ContactLink> hold(ContactLink link, PendingWrite pending) {
        // updated_at stays: it says when the sides last agreed, from when ContactSync.lastWords looks for unapplied changes.
        boolean held = jdbc.update("UPDATE sync_link SET pending = ?, version = version + 1 WHERE id = ? AND version = ?",
                write(pending), link.id(), link.version()) == 1;
        return held ? Optional.of(new ContactLink(link.id(), link.highlevelId(), link.birdsendId(), link.email(), link.shadow(),
                link.version() + 1, link.unlinkedSide(), pending)) : Optional.empty();
    }

    /**
     * Records a create about to be made from {@code source} (table {@code sync_pending_create}), replacing an earlier
     * one of the same contact: should the create be made without the bridge hearing so, the next attempt finds the new
     * contact by email and merges against this rather than as a new pair ({@link #pendingCreate}).
     *
     * @return true for the contact's first recorded create; false when an earlier one was recorded and not accounted for
     *         (its create may have been made)
     */
    public boolean holdCreate(SyncPair pair, Side source, String sourceId, PendingWrite pending) {
        String key = source.key() + ":" + sourceId;
        Object[] values = {write(pending), Timestamp.from(clock.instant()), pair.highlevelConnection(), pair.birdsendConnection(), key};
        try {
            // One statement (one commit) in the usual case, a first attempt: the store's commits are what the backfill's
            // workers queue for.
            jdbc.update("INSERT INTO sync_pending_create (pending, created_at, highlevel_connection, birdsend_connection, source)"
                    + " VALUES (?, ?, ?, ?, ?)", values);
            return true;
        } catch (DuplicateKeyException again) {
            jdbc.update("UPDATE sync_pending_create SET pending = ?, created_at = ? WHERE highlevel_connection = ?"
                    + " AND birdsend_connection = ? AND source = ?", values);
            return false;
        }
    }

    /** Forgets the create recorded from {@code source}'s contact: it was not made. */
    public void dropCreate(SyncPair pair, Side source, String sourceId) {
        jdbc.update("DELETE FROM sync_pending_create WHERE highlevel_connection = ? AND birdsend_connection = ? AND source = ?",
                pair.highlevelConnection(), pair.birdsendConnection(), source.key() + ":" + sourceId);
    }

    /**
     * Links a contact the sync just created to its source and forgets the create recorded before it, in one commit.
     *
     * @throws LinkChangedException as {@link #insert(SyncPair, String, String, String, CanonicalContact)} (nothing is changed)
     */
    public ContactLink insertCreated(SyncPair pair, String highlevelId, String birdsendId, String email, CanonicalContact shadow) {
        return tx.execute(status -> {
            dropCreates(pair, highlevelId, birdsendId);
            return insert(pair, highlevelId, birdsendId, email, shadow, null);
        });
    }

    /**
     * A recorded create older than this is not taken for the bridge's any more: a create whose answer was lost is tried
     * again within minutes (the journal's back-off), so a contact found this much later is more likely someone's own.
     */
    static final Duration CREATE_RECORD_TTL = Duration.ofDays(7);

    /** The create recorded from either contact and not yet linked, if any (and not older than {@link #CREATE_RECORD_TTL}). */
    public Optional<PendingWrite> pendingCreate(SyncPair pair, String highlevelId, String birdsendId) {
        return jdbc.query("SELECT pending FROM sync_pending_create WHERE highlevel_connection = ? AND birdsend_connection = ?"
                        + " AND source IN (?, ?) AND created_at >= ?", (rs, n) -> readPending(rs.getString(1)),
                pair.highlevelConnection(), pair.birdsendConnection(), Side.HIGHLEVEL.key() + ":" + highlevelId,
                Side.BIRDSEND.key() + ":" + birdsendId, Timestamp.from(clock.instant().minus(CREATE_RECORD_TTL)))
                .stream().findFirst();
    }

    /** Forgets the creates recorded from either contact: the two are linked. */
    public void dropCreates(SyncPair pair, String highlevelId, String birdsendId) {
        jdbc.update("DELETE FROM sync_pending_create WHERE highlevel_connection = ? AND birdsend_connection = ? AND source IN (?, ?)",
                pair.highlevelConnection(), pair.birdsendConnection(), Side.HIGHLEVEL.key() + ":" + highlevelId,
                Side.BIRDSEND.key() + ":" + birdsendId);
    }

    /** Keeps the row as a record that {@code deletedSide}'s contact was deleted, so its partner is left alone. */
    public boolean markUnlinked(ContactLink link, Side deletedSide) {
        return jdbc.update("UPDATE sync_link SET unlinked_side = ?, unlinked_at = ?, version = version + 1, updated_at = ?"
                        + " WHERE id = ? AND version = ?", deletedSide.key(), Timestamp.from(clock.instant()),
                Timestamp.from(clock.instant()), link.id(), link.version()) == 1;
    }

    /** When the two contacts were linked; empty if the link is gone. */
    public Optional<Instant> createdAt(ContactLink link) {
        return jdbc.query("SELECT created_at FROM sync_link WHERE id = ?", (rs, i) -> rs.getTimestamp(1).toInstant(), link.id())
                .stream().findFirst();
    }

    /** When the link was last written (linked, synced, or marked); empty if it is gone. */
    public Optional<Instant> updatedAt(ContactLink link) {
        return jdbc.query("SELECT updated_at FROM sync_link WHERE id = ?", (rs, i) -> rs.getTimestamp(1).toInstant(), link.id())
                .stream().findFirst();
    }

    public boolean delete(ContactLink link) {
        return jdbc.update("DELETE FROM sync_link WHERE id = ?", link.id()) == 1;
    }

    /**
     * Counts a pair's live links. Index {@code sync_link_live} (V14) holds every column it reads, so the count goes
     * through that index alone instead of fetching each link's row: a status request stays cheap at 100,000 links.
     */
    static final String COUNT_LIVE = "SELECT COUNT(*) FROM sync_link WHERE highlevel_connection = ? AND birdsend_connection = ?"
            + " AND unlinked_side IS NULL";

    /** Live links (pairs being kept in sync). */
    public long count(SyncPair pair) {
        Long n = jdbc.queryForObject(COUNT_LIVE, Long.class, pair.highlevelConnection(), pair.birdsendConnection());
        return n == null ? 0 : n;
    }

    private Optional<ContactLink> one(String where, SyncPair pair, String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM sync_link WHERE highlevel_connection = ? AND birdsend_connection = ? AND "
                + where, this::row, pair.highlevelConnection(), pair.birdsendConnection(), id).stream().findFirst();
    }

    private ContactLink row(ResultSet rs, int n) throws SQLException {
        String unlinked = rs.getString("unlinked_side");
        return new ContactLink(rs.getLong("id"), rs.getString("highlevel_id"), rs.getString("birdsend_id"),
                rs.getString("email"), read(rs.getString("shadow")), rs.getLong("version"),
                unlinked == null ? null : Side.valueOf(unlinked.toUpperCase(java.util.Locale.ROOT)),
                readPending(rs.getString("pending")));
    }

    String write(CanonicalContact shadow) {
        try {
            return json.writeValueAsString(shadow.values());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a link's shadow", e);
        }
    }

    String write(PendingWrite pending) {
        ObjectNode node = json.createObjectNode();
        node.set("base", pending.base() == null ? null : json.valueToTree(pending.base().values()));
        node.set("merged", json.valueToTree(pending.merged().values()));
        node.set("birdsend", json.valueToTree(pending.birdsend().values()));
        node.set("highlevel", json.valueToTree(pending.highlevel().values()));
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a link's pending writes", e);
        }
    }

    PendingWrite readPending(String text) {
        if (text == null) {
            return null;
        }
        try {
            JsonNode node = json.readTree(text);
            JsonNode base = node.path("base");
            return new PendingWrite(base.isObject() ? read(base) : null, read(node.path("merged")), read(node.path("birdsend")),
                    read(node.path("highlevel")));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a link's pending writes are not JSON", e);
        }
    }

    /** Canonical values are text, booleans and lists of text (tags): JSON gives them back as such. */
    CanonicalContact read(String text) {
        try {
            return read(json.readTree(text));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a link's shadow is not JSON", e);
        }
    }

    private static CanonicalContact read(JsonNode node) {
        Map<String, Object> values = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v.isBoolean()) {
                values.put(e.getKey(), v.booleanValue());
            } else if (v.isArray()) {
                List<String> items = new ArrayList<>();
                v.forEach(item -> items.add(item.asText()));
                values.put(e.getKey(), items);
            } else if (!v.isNull()) {
                values.put(e.getKey(), v.asText());
            }
        });
        return new CanonicalContact(values);
    }
}
