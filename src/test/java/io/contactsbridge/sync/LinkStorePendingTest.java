package io.contactsbridge.sync;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.Side;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pending writes kept with a link, and creates kept by their source contact, on both stores: what is stored is read
 * back as it was, a link's pending writes go when its outcome is recorded, and a stale read cannot hold a link.
 */
class LinkStorePendingTest {

    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");

    private static CanonicalContact contact(Object... namesAndValues) {
        CanonicalContact c = CanonicalContact.EMPTY.with("email", "kim@example.com");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            c = c.with((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return c;
    }

    private static LinkStore store(Kind kind) {
        return store(TestDatabases.migrated(kind), NOW);
    }

    private static LinkStore store(DataSource ds, java.time.Instant now) {
        return new LinkStore(new JdbcTemplate(ds), new ObjectMapper(), Clock.fixed(now, ZoneOffset.UTC));
    }

    /** A pair of its own per test and store, which may be shared. */
    private static SyncPair pair() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        return new SyncPair("highlevel-" + run, "birdsend-" + run);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aLinksPendingWritesAreReadBackAndGoWhenTheOutcomeIsRecorded(Kind kind) {
        LinkStore links = store(kind);
        SyncPair pair = pair();
        PendingWrite first = new PendingWrite(null, contact("tags", List.of("a", "b", "x"), "unsubscribed", true),
                contact("tags", List.of("b")), contact("tags", List.of("a", "x"), "firstName", "Kim"));

        ContactLink inserted = links.insertPending(pair, "hl-1", "1", "kim@example.com", first);
        ContactLink read = links.byBirdSend(pair, "1").orElseThrow();
        assertThat(read.settled()).isFalse();
        assertThat(read.pending()).isEqualTo(first);
        assertThat(read.shadow()).as("the shadow until recorded").isEqualTo(first.merged());
        assertThat(read.version()).isEqualTo(inserted.version());

        // A retry holds its own writes over them, keeping the shadow they started from (none: a first link).
        PendingWrite retry = new PendingWrite(null, contact("tags", List.of("a", "b")), contact("tags", List.of("a", "b", "x")),
                contact("tags", List.of("a")));
        ContactLink held = links.hold(read, retry).orElseThrow();
        assertThat(links.hold(read, retry)).as("held from a stale read").isEmpty();
        assertThat(links.byHighLevel(pair, "hl-1").orElseThrow().pending()).isEqualTo(retry);

        assertThat(links.update(held, "kim@example.com", retry.merged())).isTrue();
        ContactLink settled = links.byHighLevel(pair, "hl-1").orElseThrow();
        assertThat(settled.settled()).isTrue();
        assertThat(settled.shadow()).isEqualTo(retry.merged());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aCreateIsKeptByItsSourceContactUntilTheTwoAreLinked(Kind kind) {
        DataSource ds = TestDatabases.migrated(kind);
        LinkStore links = store(ds, NOW);
        SyncPair pair = pair();
        PendingWrite create = new PendingWrite(null, contact("tags", List.of("a")), CanonicalContact.EMPTY,
                contact("tags", List.of("a")));

        assertThat(links.holdCreate(pair, Side.HIGHLEVEL, "hl-2", create)).as("the first attempt").isTrue();
        assertThat(links.holdCreate(pair, Side.HIGHLEVEL, "hl-2", create)).as("a second replaces the first").isFalse();
        assertThat(links.pendingCreate(pair, "hl-2", "77")).contains(create);
        assertThat(links.pendingCreate(pair, "hl-3", "77")).isEmpty();
        assertThat(links.pendingCreate(pair(), "hl-2", "77")).as("another pair").isEmpty();

        links.dropCreates(pair, "hl-2", "77");
        assertThat(links.pendingCreate(pair, "hl-2", "77")).isEmpty();
        links.holdCreate(pair, Side.BIRDSEND, "76", create);
        links.dropCreate(pair, Side.HIGHLEVEL, "76");
        assertThat(links.pendingCreate(pair, "hl-0", "76")).as("another source's").isPresent();
        links.dropCreate(pair, Side.BIRDSEND, "76");
        assertThat(links.pendingCreate(pair, "hl-0", "76")).as("a create not made").isEmpty();

        // Linking the created contact forgets the create in the same commit; a link refused forgets nothing.
        links.holdCreate(pair, Side.BIRDSEND, "78", create);
        links.insertCreated(pair, "hl-9", "78", "kim@example.com", create.merged());
        assertThat(links.pendingCreate(pair, "hl-9", "78")).isEmpty();
        assertThat(links.byBirdSend(pair, "78").orElseThrow().settled()).isTrue();
        links.holdCreate(pair, Side.HIGHLEVEL, "hl-9", create);
        assertThatThrownBy(() -> links.insertCreated(pair, "hl-9", "79", "kim@example.com", create.merged()))
                .isInstanceOf(LinkChangedException.class);
        assertThat(links.pendingCreate(pair, "hl-9", "79")).as("kept: nothing was linked").contains(create);

        // A week on, a recorded create is not taken for the bridge's any more.
        LinkStore sixDaysOn = store(ds, NOW.plus(java.time.Duration.ofDays(6)));
        LinkStore eightDaysOn = store(ds, NOW.plus(java.time.Duration.ofDays(8)));
        assertThat(sixDaysOn.pendingCreate(pair, "hl-9", "79")).contains(create);
        assertThat(eightDaysOn.pendingCreate(pair, "hl-9", "79")).isEmpty();
    }
}
