package io.contactsbridge.outbound;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** The dead_letter table on H2 and PostgreSQL. */
class DeadLetterStoreTest {

    @ParameterizedTest
    @EnumSource(Kind.class)
    void recordListGetCountDelete(Kind kind) {
        DeadLetterStore store = new DeadLetterStore(new JdbcTemplate(TestDatabases.migrated(kind)), new ObjectMapper());
        Instant t0 = Instant.parse("2026-01-02T03:04:05Z");

        DeadLetter first = store.record(letter("sync-a", "{\"email\":\"ä@example.com\"}", t0, "short"));
        DeadLetter second = store.record(letter("sync-b", null, t0.plusSeconds(60), "x".repeat(5000)));

        assertThat(first.id()).isNotNull();
        assertThat(store.count()).isEqualTo(2);
        assertThat(store.list(10, 0)).extracting(DeadLetter::id).containsExactly(second.id(), first.id());
        assertThat(store.list(1, 1)).extracting(DeadLetter::id).containsExactly(first.id());
        assertThat(store.listByRoute("sync-a", 10)).extracting(DeadLetter::id).containsExactly(first.id());

        DeadLetter read = store.get(first.id()).orElseThrow();
        assertThat(read).isEqualTo(first);
        assertThat(read.headers()).containsEntry("X-Trace", "t-1");
        assertThat(store.get(second.id()).orElseThrow().errorMessage()).hasSize(4000);
        assertThat(store.get(second.id()).orElseThrow().body()).isNull();

        assertThat(store.delete(first.id())).isTrue();
        assertThat(store.delete(first.id())).isFalse();
        assertThat(store.get(first.id())).isEmpty();
        assertThat(store.count()).isEqualTo(1);
    }

    private static DeadLetter letter(String route, String body, Instant at, String message) {
        return new DeadLetter(null, route, "create-contact", "conn-1", body, Map.of("X-Trace", "t-1"),
                "io.contactsbridge.outbound.UpstreamRejectedException", message, at, 2);
    }
}
