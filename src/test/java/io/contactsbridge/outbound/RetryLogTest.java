package io.contactsbridge.outbound;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;
import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.support.LogCapture;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a person reads in the log when a call is retried and then succeeds: exactly one line, at INFO (429) or WARN
 * (5xx, a dropped connection), without a stack trace, naming the service, the operation, what went wrong and the
 * wait. Over real HTTP against a scripted upstream; retry delays from the test profile (20 ms doubling, at most
 * 200 ms).
 */
@OutboundAppTest
@Timeout(20)
class RetryLogTest {

    private static final AtomicInteger IDS = new AtomicInteger();

    @Autowired
    CamelContext camel;
    @Autowired
    OutboundTestBeans.FakeTokens tokens;
    @Autowired
    OutboundTestBeans.MutableTargets targets;
    @Autowired
    OutboundClient client;

    FakeUpstream highlevel;
    String hl;
    LogCapture log;

    @BeforeEach
    void upstream() {
        highlevel = new FakeUpstream("highlevel", "");
        hl = "hl-log-" + IDS.incrementAndGet();
        targets.put(hl, ServiceType.HIGHLEVEL, highlevel.baseUrl(""));
        tokens.set(hl, "hl-token");
        OutboundRoutesTest.closeBreakers(camel);
        log = LogCapture.open();
    }

    @AfterEach
    void stop() {
        log.close();
        highlevel.close();
    }

    @Test
    void a429ThenSuccessLogsOneInfoLineWithTheServicesWait() {
        highlevel.then(SimResponse.json(429, SimJson.object().put("message", "Too many requests")).withHeader("Retry-After", "1"));

        assertThat(client.call(hl, "get-contact", "GET", "/contacts/a", null, null).status()).isEqualTo(200);

        // Retry-After 1 s, capped at the test profile's maximum delay of 200 ms.
        String line = oneLine(Level.INFO);
        assertThat(line).isEqualTo("HighLevel get-contact answered 429 (Too many requests); retry 1 of 3 in 200 ms");
    }

    @Test
    void a503ThenSuccessLogsOneWarnLine() {
        highlevel.then(FakeUpstream.error(503, "{\"message\":\"busy\"}"));

        assertThat(client.call(hl, "get-contact", "GET", "/contacts/b", null, null).status()).isEqualTo(200);

        String line = oneLine(Level.WARN);
        assertThat(line).startsWith("HighLevel get-contact answered 503 (busy); retry 1 of 3 in ");
        // 20 ms +- 15 %
        assertThat(millis(line)).isBetween(17L, 23L);
    }

    @Test
    void aDroppedConnectionThenSuccessLogsOneWarnLine() {
        highlevel.then(r -> SimResponse.abortConnection());

        assertThat(client.call(hl, "get-contact", "GET", "/contacts/c", null, null).status()).isEqualTo(200);

        String line = oneLine(Level.WARN);
        assertThat(line).startsWith("HighLevel get-contact got no answer (").contains("; retry 1 of 3 in ");
        assertThat(millis(line)).isBetween(17L, 23L);
    }

    /** The single line the call logged (on this thread: the caller's), at the given level and without a stack trace. */
    private String oneLine(Level level) {
        String thread = Thread.currentThread().getName();
        List<LogCapture.Captured> mine = log.events(c -> c.event().getThreadName().equals(thread));
        assertThat(mine).as("log lines of the call: %s", mine.stream().map(LogCapture.Captured::text).toList()).hasSize(1);
        LogCapture.Captured only = mine.get(0);
        assertThat(only.event().getLevel()).isEqualTo(level);
        assertThat(only.hasStackTrace()).isFalse();
        assertThat(only.text().lines().count()).isEqualTo(1);
        return only.message();
    }

    private static long millis(String line) {
        return Long.parseLong(line.substring(line.lastIndexOf(" in ") + 4, line.lastIndexOf(" ms")));
    }
}
