package io.contactsbridge.sync;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.Side;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backfill's pairing in SQL, on H2 and a real PostgreSQL, against the in-memory pairing it replaced (kept here
 * as {@link #reference}): random listings with shared emails and phones, contacts listed twice, live links and links
 * whose partner was deleted, listed or not, must give exactly the same work items, partners, links, skips and order.
 */
class BackfillListingStoreTest {

    private static final SyncPair PAIR = new SyncPair("highlevel", "birdsend");
    private static final Map<Kind, DataSource> DATABASES = new EnumMap<>(Kind.class);

    private final MutableClock clock = MutableClock.startingAt(Instant.parse("2026-03-01T10:00:00Z"));

    /** A listed contact as pairing sees it. */
    record Contact(String id, String email, String phone) {
    }

    /** A work item as the comparison sees it. */
    record Planned(String key, String birdsend, String highlevel, String linkBirdsend, String linkHighlevel, String skip) {
    }

    private JdbcTemplate jdbc(Kind kind) {
        DataSource ds;
        synchronized (DATABASES) {
            ds = DATABASES.computeIfAbsent(kind, k -> {
                HikariDataSource pool = new HikariDataSource();
                pool.setDataSource(TestDatabases.migrated(k));
                pool.setMaximumPoolSize(4);
                return pool;
            });
        }
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        jdbc.update("DELETE FROM sync_backfill_contact");
        jdbc.update("DELETE FROM sync_link");
        return jdbc;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void pairsExactlyAsTheInMemoryPairingDid(Kind kind) {
        JdbcTemplate jdbc = jdbc(kind);
        LinkStore links = new LinkStore(jdbc, new ObjectMapper(), clock);
        BackfillListingStore store = new BackfillListingStore(jdbc, new org.springframework.jdbc.datasource.DataSourceTransactionManager(jdbc.getDataSource()), links, clock);
        Map<String, Integer> cases = new TreeMap<>();
        for (int seed = 1; seed <= 40; seed++) {
            jdbc.update("DELETE FROM sync_link");
            Random random = new Random(seed);
            int people = 20 + random.nextInt(60);
            List<Contact> hl = listing(random, people, "hl", 8);
            List<Contact> bs = listing(random, people, "", 0);
            Map<String, ContactLink> linksByBs = links(random, links, hl, bs);

            String runId = "run-" + seed;
            store.clear(PAIR, runId, false);
            // Pages of 7, so that a contact listed twice can be on two pages.
            for (int from = 0; from < hl.size(); from += 7) {
                store.add(PAIR, runId, false, Side.HIGHLEVEL, listed(hl.subList(from, Math.min(hl.size(), from + 7))), from);
            }
            for (int from = 0; from < bs.size(); from += 7) {
                store.add(PAIR, runId, false, Side.BIRDSEND, listed(bs.subList(from, Math.min(bs.size(), from + 7))), from);
            }
            store.pair(PAIR, runId);
            List<Planned> actual = new ArrayList<>();
            String after = null;
            while (true) {
                List<BackfillListingStore.Item> page = store.items(runId, after, 9);
                if (page.isEmpty()) {
                    break;
                }
                page.forEach(i -> actual.add(new Planned(i.key(), i.birdsend() == null ? null : i.birdsend().id(),
                        i.highlevel() == null ? null : i.highlevel().id(), i.linkBirdsendId(), i.linkHighlevelId(), i.skip())));
                after = page.get(page.size() - 1).order();
            }
            List<Planned> expected = reference(hl, bs, linksByBs);
            assertThat(actual).as("seed %d on %s", seed, kind).containsExactlyElementsOf(expected);
            assertThat(store.countItems(runId)).isEqualTo(expected.size());
            String middle = Backfill.orderKey(expected.get(expected.size() / 2).key());
            assertThat(store.countItemsUpTo(runId, middle)).isEqualTo(expected.size() / 2 + 1);
            store.delete(runId);
            Map<String, Contact> bsById = new HashMap<>();
            bs.forEach(c -> bsById.putIfAbsent(c.id(), c));
            Map<String, Contact> hlById = new HashMap<>();
            hl.forEach(c -> hlById.put(c.id(), c));
            for (Planned p : expected) {
                String kindOfItem = p.skip() != null ? (p.skip().startsWith("its ") ? "partner deleted" : "refused")
                        : p.linkBirdsend() != null ? (p.birdsend() == null || p.highlevel() == null ? "linked, one side listed" : "linked")
                        : p.birdsend() != null && p.highlevel() != null
                        ? (java.util.Objects.equals(bsById.get(p.birdsend()).email(), hlById.get(p.highlevel()).email())
                        ? "by email" : "by phone")
                        : "one side";
                cases.merge(kindOfItem, 1, Integer::sum);
            }
        }
        assertThat(cases).as("what the listings covered").containsKeys("partner deleted", "refused", "linked",
                "linked, one side listed", "by email", "by phone", "one side");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sync_backfill_contact", Integer.class)).isZero();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aListedContactKeepsItsValuesForTheFastPathAndTheDryRun(Kind kind) {
        JdbcTemplate jdbc = jdbc(kind);
        LinkStore links = new LinkStore(jdbc, new ObjectMapper(), clock);
        BackfillListingStore store = new BackfillListingStore(jdbc, new org.springframework.jdbc.datasource.DataSourceTransactionManager(jdbc.getDataSource()), links, clock);
        CanonicalContact bsMapped = new CanonicalContact(Map.of("email", "ana@example.com", "tags", List.of("a", "b"),
                "unsubscribed", true, "firstName", "Ana"));
        CanonicalContact hlMapped = new CanonicalContact(Map.of("email", "ana@example.com", "phone", "+14155550100"));
        Instant bsUpdated = Instant.parse("2026-02-01T08:00:00Z");
        ContactLink link = links.insert(PAIR, "hl-1", "7", "ana@example.com", hlMapped);
        store.clear(PAIR, "r", true);
        store.add(PAIR, "r", true, Side.HIGHLEVEL, List.of(new BackfillListingStore.Listed("hl-1", "ana@example.com",
                "+14155550100", hlMapped, null)), 0);
        store.add(PAIR, "r", true, Side.BIRDSEND, List.of(new BackfillListingStore.Listed("7", "ana@example.com", null,
                bsMapped, bsUpdated)), 0);
        store.pair(PAIR, "r");

        List<BackfillListingStore.Item> items = store.items("r", null, 10);
        assertThat(items).hasSize(1);
        BackfillListingStore.Item item = items.get(0);
        assertThat(item.key()).isEqualTo("b:00000000000000000007");
        assertThat(item.order()).isEqualTo(Backfill.orderKey(item.key()));
        assertThat(item.birdsend()).isEqualTo(new BackfillListingStore.Listed("7", "ana@example.com", null, bsMapped, bsUpdated));
        assertThat(item.highlevel()).isEqualTo(new BackfillListingStore.Listed("hl-1", "ana@example.com", "+14155550100",
                hlMapped, null));
        assertThat(item.link()).isEqualTo(link);
        assertThat(item.linkId()).isEqualTo(link.id());

        // A real run of the pair clears what other real runs left, not a dry run's rows.
        store.clear(PAIR, "real", false);
        assertThat(store.countItems("r")).isEqualTo(1);
        clock.advance(BackfillListingStore.STALE.plusMinutes(1));
        store.clear(PAIR, "real", false);
        assertThat(store.countItems("r")).as("a day old: left by a crashed dry run").isZero();
    }

    /**
     * Not a unit test: how long listing into the store and pairing take for {@code bench.contacts} (100,000) per side,
     * 40 % shared, on the H2 file store as the bridge runs it ({@code -Dbenchmark=true}).
     */
    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "benchmark", matches = "true")
    void pairingALargeAccountOnTheH2FileStore(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + dir.resolve("store") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;"
                + "WRITE_DELAY=0");
        h2.setUser("sa");
        org.flywaydb.core.Flyway.configure().dataSource(h2).load().migrate();
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabases.pooled(h2));
        LinkStore links = new LinkStore(jdbc, new ObjectMapper(), clock);
        BackfillListingStore store = new BackfillListingStore(jdbc, new org.springframework.jdbc.datasource.DataSourceTransactionManager(jdbc.getDataSource()), links, clock);
        int n = Integer.getInteger("bench.contacts", 100_000);
        long t0 = System.nanoTime();
        for (Side side : Side.values()) {
            for (int from = 0; from < n; from += 100) {
                List<BackfillListingStore.Listed> page = new ArrayList<>();
                for (int i = from; i < from + 100; i++) {
                    boolean shared = i % 5 < 2;
                    String email = (side == Side.BIRDSEND && !shared ? "bs" : "p") + i + "@example.com";
                    String phone = i % 3 == 0 ? null : "+1415" + (side == Side.BIRDSEND ? 1 : 2) + String.format("%06d", i);
                    Map<String, Object> values = new TreeMap<>(Map.of("email", email, "firstName", "Name " + i,
                            "tags", List.of("a", "b")));
                    page.add(new BackfillListingStore.Listed(side == Side.BIRDSEND ? Integer.toString(i + 1) : "hl" + i, email,
                            phone, new CanonicalContact(values), clock.instant()));
                }
                store.add(PAIR, "bench", false, side, page, from);
            }
        }
        long t1 = System.nanoTime();
        store.pair(PAIR, "bench");
        long t2 = System.nanoTime();
        int items = 0;
        String after = null;
        for (List<BackfillListingStore.Item> page; !(page = store.items("bench", after, 500)).isEmpty(); ) {
            items += page.size();
            after = page.get(page.size() - 1).order();
        }
        long t3 = System.nanoTime();
        store.delete("bench");
        long t4 = System.nanoTime();
        System.out.printf(Locale.ROOT, "[pairing benchmark] %,d per side: listing into the store %.1f s, pairing %.1f s, reading"
                + " %,d items back %.1f s, deleting %.1f s%n", n, (t1 - t0) / 1e9, (t2 - t1) / 1e9, items, (t3 - t2) / 1e9,
                (t4 - t3) / 1e9);
        assertThat(items).isEqualTo(2 * n - n * 2 / 5);
    }

    /** Ids unique but for a few listed twice; emails and phones from small pools, so they are shared. */
    private static List<Contact> listing(Random random, int people, String prefix, int idLength) {
        List<Contact> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < people; i++) {
            String id = prefix + (1000 + random.nextInt(1_000_000));
            if (!ids.add(id)) {
                continue;
            }
            String email = random.nextInt(8) == 0 ? null : "p" + random.nextInt(people) + "@example.com";
            String phone = random.nextInt(3) == 0 ? null : "+1415555" + (1000 + random.nextInt(people / 2 + 1));
            Contact c = new Contact(id, email, phone);
            out.add(c);
            if (random.nextInt(25) == 0) {
                // Listed again on a later page (pages shifted while the listing ran): the same values.
                out.add(random.nextInt(out.size()), c);
            }
        }
        return out;
    }

    /** Links between some listed and some unlisted contacts, a quarter of them with a deleted partner. */
    private static Map<String, ContactLink> links(Random random, LinkStore links, List<Contact> hl, List<Contact> bs) {
        Map<String, ContactLink> byBs = new LinkedHashMap<>();
        Set<String> hlTaken = new HashSet<>();
        int count = random.nextInt(Math.max(1, bs.size() / 3));
        for (int i = 0; i < count; i++) {
            String bsId = random.nextInt(5) == 0 ? String.valueOf(2_000_000 + i) : bs.get(random.nextInt(bs.size())).id();
            String hlId = random.nextInt(5) == 0 ? "hl-unlisted-" + i : hl.get(random.nextInt(hl.size())).id();
            if (byBs.containsKey(bsId) || !hlTaken.add(hlId)) {
                continue;
            }
            ContactLink link = links.insert(PAIR, hlId, bsId, null, CanonicalContact.EMPTY);
            if (random.nextInt(4) == 0) {
                Side deleted = random.nextBoolean() ? Side.BIRDSEND : Side.HIGHLEVEL;
                links.markUnlinked(link, deleted);
                link = new ContactLink(link.id(), hlId, bsId, null, link.shadow(), link.version() + 1, deleted);
            }
            byBs.put(bsId, link);
        }
        return byBs;
    }

    private static List<BackfillListingStore.Listed> listed(List<Contact> contacts) {
        Map<String, Object> values = new TreeMap<>();
        return contacts.stream().map(c -> {
            values.clear();
            if (c.email() != null) {
                values.put("email", c.email());
            }
            if (c.phone() != null) {
                values.put("phone", c.phone());
            }
            return new BackfillListingStore.Listed(c.id(), c.email(), c.phone(), new CanonicalContact(values), null);
        }).toList();
    }

    /** The backfill's pairing as it was in memory (Backfill.pair before issue 19), on plain contacts. */
    static List<Planned> reference(List<Contact> hlContacts, List<Contact> bsContacts, Map<String, ContactLink> linksByBs) {
        Map<String, Contact> hlById = new LinkedHashMap<>();
        Map<String, String> hlByEmail = new HashMap<>();
        Map<String, String> hlByPhone = new HashMap<>();
        Map<String, String> hlEmailById = new HashMap<>();
        for (Contact c : hlContacts) {
            hlById.put(c.id(), c);
            if (c.email() != null) {
                hlByEmail.putIfAbsent(c.email(), c.id());
                hlEmailById.put(c.id(), c.email());
            }
            if (c.phone() != null) {
                hlByPhone.putIfAbsent(c.phone(), c.id());
            }
        }
        Set<String> linkedHl = new HashSet<>();
        linksByBs.values().forEach(l -> linkedHl.add(l.highlevelId()));
        Set<String> claimed = new HashSet<>();
        List<Planned> items = new ArrayList<>();
        Map<String, Contact> unmatched = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (Contact c : bsContacts) {
            if (!seen.add(c.id())) {
                continue;
            }
            String key = BackfillListingStore.key(Side.BIRDSEND, c.id());
            ContactLink link = linksByBs.get(c.id());
            if (link != null && !link.isLive()) {
                items.add(new Planned(key, c.id(), null, null, null, "its " + link.unlinkedSide().key() + " partner was deleted"
                        + " (bridge.sync.deletes=unlink leaves it alone)"));
                continue;
            }
            if (link != null) {
                claimed.add(link.highlevelId());
                items.add(new Planned(key, c.id(), hlById.containsKey(link.highlevelId()) ? link.highlevelId() : null,
                        link.birdsendId(), link.highlevelId(), null));
                continue;
            }
            unmatched.put(c.id(), c);
        }
        Map<String, String> partner = new HashMap<>();
        Map<String, String> refused = new HashMap<>();
        for (Contact c : unmatched.values()) {
            match(c.id(), c.email() == null ? null : hlByEmail.get(c.email()), claimed, linkedHl, partner, refused);
        }
        Set<String> bsEmails = new HashSet<>();
        unmatched.values().forEach(c -> {
            if (c.email() != null) {
                bsEmails.add(c.email());
            }
        });
        for (Contact c : unmatched.values()) {
            if (partner.containsKey(c.id()) || refused.containsKey(c.id())) {
                continue;
            }
            String hlId = c.phone() == null ? null : hlByPhone.get(c.phone());
            String hlEmail = hlId == null ? null : hlEmailById.get(hlId);
            if (hlEmail != null && bsEmails.contains(hlEmail)) {
                refused.put(c.id(), hlId);
                continue;
            }
            match(c.id(), hlId, claimed, linkedHl, partner, refused);
        }
        for (Contact c : unmatched.values()) {
            String key = BackfillListingStore.key(Side.BIRDSEND, c.id());
            String hlId = refused.get(c.id());
            if (hlId != null) {
                items.add(new Planned(key, c.id(), null, null, null, "HighLevel contact " + hlId + " with the same email or "
                        + "phone is already paired with another BirdSend contact"));
                continue;
            }
            items.add(new Planned(key, c.id(), partner.get(c.id()), null, null, null));
        }
        Map<String, ContactLink> linksByHl = new HashMap<>();
        linksByBs.values().forEach(l -> linksByHl.put(l.highlevelId(), l));
        for (String hlId : hlById.keySet()) {
            if (claimed.contains(hlId)) {
                continue;
            }
            ContactLink link = linksByHl.get(hlId);
            String skip = link == null || link.isLive() ? null : "its " + link.unlinkedSide().key() + " partner was deleted"
                    + " (bridge.sync.deletes=unlink leaves it alone)";
            boolean live = skip == null && link != null;
            items.add(new Planned(BackfillListingStore.key(Side.HIGHLEVEL, hlId), null, hlId, live ? link.birdsendId() : null,
                    live ? hlId : null, skip));
        }
        items.sort(Comparator.comparing(p -> Backfill.orderKey(p.key())));
        return items;
    }

    private static void match(String bsId, String hlId, Set<String> claimed, Set<String> linkedHl, Map<String, String> partner,
                              Map<String, String> refused) {
        if (hlId == null) {
            return;
        }
        if (claimed.contains(hlId) || linkedHl.contains(hlId)) {
            refused.put(bsId, hlId);
            return;
        }
        claimed.add(hlId);
        partner.put(bsId, hlId);
    }
}
