package io.contactsbridge.ops;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.contactsbridge.store.HeartbeatRecorder;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** A store outage is said once by the heartbeat, not with a stack trace every beat. */
class HeartbeatTest {

    @Test
    void aStoreOutageIsLoggedOnceAndItsEndOnce() {
        HeartbeatRecorder recorder = mock(HeartbeatRecorder.class);
        AtomicBoolean down = new AtomicBoolean(true);
        HeartbeatRecorder.Beat ok = new HeartbeatRecorder.Beat("i-1", "v", Instant.EPOCH, Instant.EPOCH, 1);
        when(recorder.beat(any(), any())).thenAnswer(inv -> {
            if (down.get()) {
                throw new DataAccessResourceFailureException("Connection refused");
            }
            return ok;
        });
        BridgeProperties props = mock(BridgeProperties.class, org.mockito.Mockito.RETURNS_DEEP_STUBS);
        when(props.instance().id()).thenReturn("i-1");
        AppVersion version = mock(AppVersion.class);
        when(version.get()).thenReturn("v");
        Heartbeat heartbeat = new Heartbeat(recorder, props, version);

        Logger log = (Logger) LoggerFactory.getLogger(Heartbeat.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try {
            for (int i = 0; i < 5; i++) {
                assertThat(heartbeat.beat()).isNull();
            }
            down.set(false);
            assertThat(heartbeat.beat()).isEqualTo(ok);
            assertThat(heartbeat.beat()).isEqualTo(ok);
        } finally {
            log.detachAppender(appender);
        }
        List<String> lines = new ArrayList<>();
        appender.list.forEach(e -> lines.add(e.getLevel() + " " + e.getFormattedMessage()));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("WARN").contains("Connection refused");
        assertThat(lines.get(1)).startsWith("INFO").contains("again");
        assertThat(appender.list.get(0).getThrowableProxy()).as("no stack trace").isNull();
    }
}
