package io.contactsbridge.ingress;

import io.contactsbridge.support.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.contactsbridge.journal.ConsumerState;
import io.contactsbridge.journal.JournalProperties;
import io.contactsbridge.journal.JournalStore;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;

class OverloadGuardTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T12:00:00Z"));
    private final JournalStore store = mock(JournalStore.class);
    private final IngressProperties inbound = new IngressProperties(null, null, null, 100L, Duration.ofSeconds(1),
            null, null);
    private final OverloadGuard guard = new OverloadGuard(store, inbound, JournalProperties.defaults(), clock);

    @Test
    void aCountThatTimesOutKeepsTheLastBacklogsInsteadOfFailingTheWebhook() {
        when(store.consumers(anyLong())).thenReturn(List.of(partition(150)));
        assertThat(guard.overloaded("highlevel-webhook")).get().extracting(OverloadGuard.Backlog::pending).isEqualTo(150L);

        // A store busy with its backlog: the count outlasts the statement timeout. The last count stands.
        doThrow(new QueryTimeoutException("statement timeout")).when(store).consumers(anyLong());
        clock.advance(Duration.ofSeconds(2));
        assertThat(guard.overloaded("highlevel-webhook")).get().extracting(OverloadGuard.Backlog::pending).isEqualTo(150L);

        // Caught up: the next count that succeeds lets webhooks in.
        doReturn(List.of(partition(3))).when(store).consumers(anyLong());
        clock.advance(Duration.ofSeconds(2));
        assertThat(guard.overloaded("highlevel-webhook")).isEmpty();
    }

    @Test
    void aStoreThatIsDownStillFailsTheCount() {
        // Unreachable is an outage: the ingress answers 429 and holds, as before.
        when(store.consumers(anyLong())).thenThrow(new DataAccessResourceFailureException("no connection"));
        assertThatThrownBy(() -> guard.overloaded("highlevel-webhook"))
                .isInstanceOf(DataAccessResourceFailureException.class);
    }

    private ConsumerState partition(long lag) {
        return new ConsumerState("contact-sync", 0, 1, List.of("highlevel-webhook"), Set.of(), 0, lag, null, null,
                null, 0, null, null, clock.instant());
    }

}
