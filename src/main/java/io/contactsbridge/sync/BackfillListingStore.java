package io.contactsbridge.sync;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.Side;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The backfill's listings in the store (table {@code sync_backfill_contact}), so that a run's memory does not grow
 * with the account: listed pages are written as they come, keeping per contact only what pairing, the fast path and
 * a dry run need; {@link #pair} pairs them with SQL; {@link #items} reads the work back a page at a time in the run's
 * order.
 *
 * <p>Pairing is the rule the backfill always had, as set operations: a BirdSend contact's link first (a link whose
 * partner was deleted makes it a skipped item); then, for the rest, the first listed HighLevel contact with the same
 * normalised email; then, for those still unpaired, the first with the same E.164 phone, unless that HighLevel
 * contact's email belongs to an unlinked BirdSend contact (it is that one's person). A candidate already paired (by a
 * link or an earlier pass) or linked to anyone is refused, and among BirdSend contacts with the same candidate the
 * first listed wins, the others are refused (skipped items). Every HighLevel contact not paired with a listed
 * BirdSend contact is an item of its own, with its link if it has one.
 */
@Component
public class BackfillListingStore {

    private static final Logger LOG = LoggerFactory.getLogger(BackfillListingStore.class);
    /** Rows of dry runs that never got to clear them (a crash) are removed after this long. */
    static final Duration STALE = Duration.ofDays(1);
    /** Rows one statement changes at most: an embedded H2 holds a transaction's rows in memory until it commits. */
    static final int CHUNK = 5_000;
    private static final int DELETE_CHUNK = 1_000;
    private static final String TABLE = "sync_backfill_contact";
    private static final String GONE_SKIP = "'its ' || LOWER(l.unlinked_side) || ' partner was deleted"
            + " (bridge.sync.deletes=unlink leaves it alone)'";

    /** A listed contact as the backfill keeps it: the id and what pairing, the fast path and a dry run need. */
    public record Listed(String id, String email, String phone, CanonicalContact mapped, Instant updatedAt) {
    }

    /**
     * A work item: a BirdSend contact (with its partner, if paired) or a HighLevel contact on its own.
     *
     * @param link the item's link as the store holds it now (null if none, or if it was deleted since pairing)
     */
    public record Item(String key, String order, Listed birdsend, Listed highlevel, Long linkId, String linkBirdsendId,
                       String linkHighlevelId, ContactLink link, String skip) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final LinkStore links;
    private final Clock clock;

    public BackfillListingStore(JdbcTemplate jdbc, PlatformTransactionManager transactions, LinkStore links, Clock clock) {
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.links = links;
        this.clock = clock;
    }

    /**
     * Removes what an earlier run left: this run's rows (a resumed run lists again), the pair's rows of other real
     * runs (only one real run of a pair runs at a time: it holds the lease), and anything older than a day.
     */
    public void clear(SyncPair pair, String runId, boolean dryRun) {
        delete(runId);
        List<String> others = jdbc.queryForList("SELECT DISTINCT run_id FROM " + TABLE + " WHERE (highlevel_connection = ?"
                        + " AND birdsend_connection = ? AND dry_run = FALSE AND ? = FALSE) OR created_at < ?", String.class,
                pair.highlevelConnection(), pair.birdsendConnection(), dryRun, Timestamp.from(clock.instant().minus(STALE)));
        others.forEach(this::delete);
    }

    /**
     * Removes a run's rows (when it ends), {@value #DELETE_CHUNK} at a time, each by key in its own transaction: one
     * statement for them all would hold every row in an embedded H2's memory until it commits.
     */
    public int delete(String runId) {
        int deleted = 0;
        for (String side : List.of("b", "h")) {
            while (true) {
                List<Object[]> keys = jdbc.queryForList("SELECT contact_id FROM " + TABLE + " WHERE run_id = ? AND side = ?"
                                + " ORDER BY run_id, side, contact_id LIMIT " + DELETE_CHUNK, String.class, runId, side)
                        .stream().map(id -> new Object[] {runId, side, id}).toList();
                if (keys.isEmpty()) {
                    break;
                }
                tx.executeWithoutResult(status -> jdbc.batchUpdate("DELETE FROM " + TABLE
                        + " WHERE run_id = ? AND side = ? AND contact_id = ?", keys));
                deleted += keys.size();
            }
        }
        return deleted;
    }

    /**
     * Stores a listed page of one side. {@code firstSeq} is the listing position of its first contact. A contact
     * listed again (pages shift while a listing runs) keeps its first position; BirdSend keeps the first copy (as
     * pairing always did), HighLevel the last.
     *
     * @return the number of positions used (the page's size)
     */
    public int add(SyncPair pair, String runId, boolean dryRun, Side side, List<Listed> page, long firstSeq) {
        Map<String, Object[]> rows = new LinkedHashMap<>();
        long seq = firstSeq;
        Timestamp now = Timestamp.from(clock.instant());
        for (Listed c : page) {
            long position = seq++;
            if (c.id() == null) {
                continue;
            }
            if (side == Side.BIRDSEND && rows.containsKey(c.id())) {
                continue;
            }
            Object[] previous = rows.get(c.id());
            String key = key(side, c.id());
            rows.put(c.id(), new Object[] {runId, pair.highlevelConnection(), pair.birdsendConnection(), dryRun, code(side), c.id(),
                    previous == null ? position : previous[6], c.email(), c.phone(), links.write(c.mapped()),
                    c.updatedAt() == null ? null : Timestamp.from(c.updatedAt()), Backfill.orderKey(key), now});
        }
        // One transaction a page: with H2's WRITE_DELAY=0 every commit is a write to the file.
        tx.executeWithoutResult(status -> store(runId, side, rows));
        return page.size();
    }

    private void store(String runId, Side side, Map<String, Object[]> rows) {
        Set<String> existing = existing(runId, side, rows.keySet());
        List<Object[]> inserts = new ArrayList<>();
        List<Object[]> updates = new ArrayList<>();
        for (Object[] row : rows.values()) {
            if (!existing.contains((String) row[5])) {
                inserts.add(row);
            } else if (side == Side.HIGHLEVEL) {
                updates.add(new Object[] {row[7], row[8], row[9], row[10], runId, row[4], row[5]});
            }
        }
        if (!inserts.isEmpty()) {
            jdbc.batchUpdate("INSERT INTO " + TABLE + " (run_id, highlevel_connection, birdsend_connection, dry_run, side, contact_id,"
                    + " seq, email, phone, mapped, contact_updated_at, order_key, is_item, created_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?)", inserts);
        }
        if (!updates.isEmpty()) {
            jdbc.batchUpdate("UPDATE " + TABLE + " SET email = ?, phone = ?, mapped = ?, contact_updated_at = ?"
                    + " WHERE run_id = ? AND side = ? AND contact_id = ?", updates);
        }
    }

    /**
     * Pairs the run's listed contacts (see the class comment). Every statement works on {@value #CHUNK} listing
     * positions at a time, so that no transaction holds more rows than that (an embedded H2 keeps them in memory).
     */
    public void pair(SyncPair pair, String runId) {
        long started = System.nanoTime();
        List<String> steps = new ArrayList<>();
        long[] bs = positions(runId, "b");
        long[] hl = positions(runId, "h");
        String hlc = pair.highlevelConnection();
        String bsc = pair.birdsendConnection();
        // 1. BirdSend contacts with a link: a live one pairs them with its HighLevel contact (listed or not, it is
        // claimed); one whose partner was deleted makes them a skipped item.
        linkSteps(steps, "BirdSend contacts", bs, "b", "birdsend_id", "highlevel_id", "", hlc, bsc, runId);
        claim(steps, bs, runId, "link");
        // 2. by email, then 3. by phone, each in its own pass, so that an email match always wins over a phone match.
        matchPass(steps, bs, hl, pair, runId, "email", "");
        // The phone's HighLevel contact has the email of an unlinked BirdSend contact: it is that one's person.
        matchPass(steps, bs, hl, pair, runId, "phone", " OR EXISTS (SELECT 1 FROM " + TABLE + " h WHERE h.run_id = ? AND h.side = 'h'"
                + " AND h.contact_id = b.partner_id AND h.email IS NOT NULL AND EXISTS (SELECT 1 FROM " + TABLE + " o"
                + " WHERE o.run_id = ? AND o.side = 'b' AND o.email = h.email"
                + " AND (o.pairing IS NULL OR o.pairing NOT IN ('link', 'gone'))))", runId, runId);
        // 4. HighLevel contacts left on their own: with their link (its BirdSend contact was not listed), or skipped
        // when the link's partner was deleted.
        linkSteps(steps, "HighLevel contacts", hl, "h", "highlevel_id", "birdsend_id", " AND h.pairing IS NULL", hlc, bsc, runId);
        LOG.info("Backfill {}: paired in {} ms ({})", runId, (System.nanoTime() - started) / 1_000_000, String.join(", ", steps));
    }

    /**
     * One matching pass over the BirdSend contacts not placed yet: each whose email (or phone) some listed HighLevel
     * contact has takes the first listed one as partner; it is refused when that one is claimed already, is linked to
     * anyone, when {@code alsoRefuseWhen} holds, or when an earlier listed BirdSend contact of this pass has the same
     * partner (that one wins, unless refused for a reason of the partner's, which refuses all). Few rows are written:
     * only contacts with a match, and the HighLevel contacts they claim.
     */
    private void matchPass(List<String> steps, long[] bs, long[] hl, SyncPair pair, String runId, String column,
                           String alsoRefuseWhen, Object... alsoRefuseArgs) {
        String refused = column + "-no";
        // The run id is given to every subquery as a value, not taken from the outer row: H2 then uses the indexes.
        String first = "SELECT h.contact_id FROM " + TABLE + " h WHERE h.run_id = ? AND h.side = 'h' AND h." + column
                + " = b." + column;
        step(steps, column + " matches", bs, "b", "UPDATE " + TABLE + " b SET pairing = ?, partner_id = (" + first
                + " ORDER BY h.seq LIMIT 1) WHERE b.run_id = ? AND b.side = 'b' AND b.pairing IS NULL AND b." + column
                + " IS NOT NULL AND EXISTS (" + first + ")", column, runId, runId, runId);
        // Conditions on rows of this pass read pairing IN (this pass's two values): stable while the statements run.
        List<Object> args = new ArrayList<>(List.of(refused, runId, column, runId, pair.highlevelConnection(),
                pair.birdsendConnection(), runId, column, refused));
        args.addAll(List.of(alsoRefuseArgs));
        step(steps, column + " refusals", bs, "b", "UPDATE " + TABLE + " b SET pairing = ?, skip = 'HighLevel contact ' || b.partner_id"
                        + " || ' with the same email or phone is already paired with another BirdSend contact'"
                        + " WHERE b.run_id = ? AND b.side = 'b' AND b.pairing = ? AND ("
                        + " EXISTS (SELECT 1 FROM " + TABLE + " h WHERE h.run_id = ? AND h.side = 'h'"
                        + " AND h.contact_id = b.partner_id AND h.pairing = 'claimed')"
                        + " OR EXISTS (SELECT 1 FROM sync_link l WHERE l.highlevel_connection = ? AND l.birdsend_connection = ?"
                        + " AND l.highlevel_id = b.partner_id)"
                        + " OR EXISTS (SELECT 1 FROM " + TABLE + " e WHERE e.run_id = ? AND e.side = 'b' AND e.partner_id = b.partner_id"
                        + " AND e.seq < b.seq AND e.pairing IN (?, ?))"
                        + alsoRefuseWhen + ")",
                args.toArray());
        claim(steps, bs, runId, column);
    }

    /**
     * Marks the listed HighLevel contacts that BirdSend contacts paired with by {@code pairing}: not items of their own.
     * The pass's BirdSend rows are read a range of positions at a time and their partners updated by key, in one
     * transaction per range (H2 ran the same as one UPDATE with an IN subquery in quadratic time).
     */
    private void claim(List<String> steps, long[] bs, String runId, String pairing) {
        long t = System.nanoTime();
        int rows = 0;
        for (long from = bs[0]; from <= bs[1]; from += CHUNK) {
            List<Object[]> partners = jdbc.queryForList("SELECT partner_id FROM " + TABLE + " WHERE run_id = ? AND side = 'b'"
                            + " AND pairing = ? AND seq >= ? AND seq < ?", String.class, runId, pairing, from, from + CHUNK)
                    .stream().map(id -> new Object[] {runId, id}).toList();
            if (!partners.isEmpty()) {
                rows += tx.execute(status -> java.util.Arrays.stream(jdbc.batchUpdate("UPDATE " + TABLE
                        + " SET pairing = 'claimed', is_item = FALSE WHERE run_id = ? AND side = 'h' AND contact_id = ?"
                        + " AND pairing IS NULL", partners)).map(n -> Math.max(n, 0)).sum());
            }
        }
        steps.add(pairing + " claims " + rows + " in " + (System.nanoTime() - t) / 1_000_000 + " ms");
    }

    /** The first and last listing position of a side (0, -1 when nothing was listed). */
    private long[] positions(String runId, String side) {
        return jdbc.queryForObject("SELECT MIN(seq), MAX(seq) FROM " + TABLE + " WHERE run_id = ? AND side = ?",
                (rs, n) -> {
                    long min = rs.getLong(1);
                    return rs.wasNull() ? new long[] {0, -1} : new long[] {min, rs.getLong(2)};
                }, runId, side);
    }

    /**
     * Runs one pairing statement over the listing positions {@code positions} of the rows {@code alias} names,
     * {@value #CHUNK} at a time (each its own transaction), noting how long it took and how many rows it changed.
     */
    /**
     * The listed contacts of one side ({@code alias}: b or h) that have a link: a live one pairs them with its partner,
     * one whose partner was deleted makes them a skipped item. {@code unpairedOnly} narrows to those not yet paired.
     */
    private void linkSteps(List<String> steps, String label, long[] positions, String alias, String ownId, String partnerId,
                           String unpairedOnly, String hlc, String bsc, String runId) {
        String link = "FROM sync_link l WHERE l.highlevel_connection = ? AND l.birdsend_connection = ? AND l." + ownId
                + " = " + alias + ".contact_id";
        String mine = " WHERE " + alias + ".run_id = ? AND " + alias + ".side = '" + alias + "'" + unpairedOnly
                + " AND EXISTS (SELECT 1 " + link;
        step(steps, "links of " + label, positions, alias, "UPDATE " + TABLE + " " + alias + " SET pairing = 'link',"
                        + " link_id = (SELECT l.id " + link + "), partner_id = (SELECT l." + partnerId + " " + link + ")"
                        + mine + " AND l.unlinked_side IS NULL)",
                hlc, bsc, hlc, bsc, runId, hlc, bsc);
        step(steps, "deleted partners of " + label, positions, alias, "UPDATE " + TABLE + " " + alias + " SET pairing = 'gone',"
                        + " skip = (SELECT " + GONE_SKIP + " " + link + ")" + mine + " AND l.unlinked_side IS NOT NULL)",
                hlc, bsc, runId, hlc, bsc);
    }

    private void step(List<String> steps, String name, long[] positions, String alias, String sql, Object... args) {
        long t = System.nanoTime();
        int rows = 0;
        Object[] windowed = java.util.Arrays.copyOf(args, args.length + 2);
        for (long from = positions[0]; from <= positions[1]; from += CHUNK) {
            windowed[args.length] = from;
            windowed[args.length + 1] = from + CHUNK;
            rows += jdbc.update(sql + " AND " + alias + ".seq >= ? AND " + alias + ".seq < ?", windowed);
        }
        steps.add(name + " " + rows + " in " + (System.nanoTime() - t) / 1_000_000 + " ms");
    }

    /** The run's work items. */
    public int countItems(String runId) {
        Integer n = jdbc.queryForObject("SELECT COUNT(*) FROM " + TABLE + " WHERE run_id = ? AND is_item = TRUE", Integer.class, runId);
        return n == null ? 0 : n;
    }

    /** The run's work items at or before {@code order} (what a resumed run's checkpoint covers). */
    public int countItemsUpTo(String runId, String order) {
        Integer n = jdbc.queryForObject("SELECT COUNT(*) FROM " + TABLE + " WHERE run_id = ? AND is_item = TRUE AND order_key <= ?",
                Integer.class, runId, order);
        return n == null ? 0 : n;
    }

    /** Up to {@code limit} work items after {@code after} (from the start when null), in order. */
    public List<Item> items(String runId, String after, int limit) {
        return jdbc.query("SELECT s.side, s.contact_id, s.email, s.phone, s.mapped, s.contact_updated_at, s.order_key, s.pairing,"
                        + " s.partner_id, s.link_id, s.skip,"
                        + " p.contact_id AS p_id, p.email AS p_email, p.phone AS p_phone, p.mapped AS p_mapped,"
                        + " p.contact_updated_at AS p_updated_at,"
                        + " l.id AS l_id, l.highlevel_id AS l_highlevel_id, l.birdsend_id AS l_birdsend_id, l.email AS l_email,"
                        + " l.shadow AS l_shadow, l.version AS l_version, l.unlinked_side AS l_unlinked_side,"
                        + " l.pending AS l_pending"
                        + " FROM " + TABLE + " s"
                        + " LEFT JOIN " + TABLE + " p ON s.side = 'b' AND s.pairing IN ('link', 'email', 'phone')"
                        + " AND p.run_id = s.run_id AND p.side = 'h' AND p.contact_id = s.partner_id"
                        + " LEFT JOIN sync_link l ON l.id = s.link_id"
                        // Ordered by the whole index (run_id and is_item are fixed): H2 then reads it in order and stops
                        // at the limit, instead of sorting every remaining item for each page.
                        + " WHERE s.run_id = ? AND s.is_item = TRUE AND s.order_key > ?"
                        + " ORDER BY s.run_id, s.is_item, s.order_key LIMIT ?",
                this::item, runId, after == null ? "" : after, limit);
    }

    private Item item(ResultSet rs, int n) throws SQLException {
        boolean birdsend = "b".equals(rs.getString("side"));
        Listed self = new Listed(rs.getString("contact_id"), rs.getString("email"), rs.getString("phone"),
                links.read(rs.getString("mapped")), instant(rs.getTimestamp("contact_updated_at")));
        Listed partner = rs.getString("p_id") == null ? null : new Listed(rs.getString("p_id"), rs.getString("p_email"),
                rs.getString("p_phone"), links.read(rs.getString("p_mapped")), instant(rs.getTimestamp("p_updated_at")));
        String pairing = rs.getString("pairing");
        long linkIdValue = rs.getLong("link_id");
        Long linkId = rs.wasNull() || !"link".equals(pairing) ? null : linkIdValue;
        String partnerId = rs.getString("partner_id");
        ContactLink link = null;
        if (linkId != null && rs.getString("l_highlevel_id") != null) {
            String unlinked = rs.getString("l_unlinked_side");
            link = new ContactLink(rs.getLong("l_id"), rs.getString("l_highlevel_id"), rs.getString("l_birdsend_id"),
                    rs.getString("l_email"), links.read(rs.getString("l_shadow")), rs.getLong("l_version"),
                    unlinked == null ? null : Side.valueOf(unlinked.toUpperCase(java.util.Locale.ROOT)),
                    links.readPending(rs.getString("l_pending")));
        }
        String key = key(birdsend ? Side.BIRDSEND : Side.HIGHLEVEL, self.id());
        return new Item(key, rs.getString("order_key"), birdsend ? self : null, birdsend ? partner : self, linkId,
                linkId == null ? null : birdsend ? self.id() : partnerId, linkId == null ? null : birdsend ? partnerId : self.id(),
                link, rs.getString("skip"));
    }

    private Set<String> existing(String runId, Side side, Collection<String> ids) {
        // One primary-key lookup per id, not "contact_id IN (...)": for that H2 uses only the key's first columns and
        // compares every row of the run with the whole list, which made listing 100,000 contacts take 15 minutes.
        return jdbc.execute((ConnectionCallback<Set<String>>) connection -> {
            Set<String> out = new HashSet<>();
            try (PreparedStatement lookup = connection.prepareStatement(
                    "SELECT 1 FROM " + TABLE + " WHERE run_id = ? AND side = ? AND contact_id = ?")) {
                lookup.setString(1, runId);
                lookup.setString(2, code(side));
                for (String id : ids) {
                    lookup.setString(3, id);
                    try (ResultSet rs = lookup.executeQuery()) {
                        if (rs.next()) {
                            out.add(id);
                        }
                    }
                }
            }
            return out;
        });
    }

    /**
     * An item's key: {@code b:<zero-padded BirdSend id>} for BirdSend contacts (with or without partner),
     * {@code h:<HighLevel id>} for HighLevel contacts on their own; the work is ordered by their {@link Backfill#orderKey}.
     */
    static String key(Side side, String id) {
        return side == Side.BIRDSEND ? "b:" + pad(id) : "h:" + id;
    }

    private static String pad(String id) {
        return id.length() >= 20 ? id : "0".repeat(20 - id.length()) + id;
    }

    private static String code(Side side) {
        return side == Side.BIRDSEND ? "b" : "h";
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
