package io.contactsbridge.simulator.birdsend;

import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import static io.contactsbridge.simulator.birdsend.BirdSendTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

class BirdSendRateLimitTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    private final MutableClock time = MutableClock.startingAt(T0);
    private final SimClock clock = new SimClock(time, 1.0);
    private BirdSendSimulator sim;
    private BirdSendTestClient client;

    @BeforeEach
    void start() {
        sim = new BirdSendSimulator(clock).start(0);
        client = new BirdSendTestClient(sim, sim.issuePersonalAccessToken());
    }

    @AfterEach
    void stop() {
        sim.stop();
    }

    @Test
    void theSixthRequestWithinASecondIsA429UntilTheWindowPasses() {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> ok = client.get("/contacts");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-RateLimit-Limit")).contains("5");
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).contains(String.valueOf(4 - i));
        }
        time.advance(Duration.ofMillis(400));
        HttpResponse<String> limited = client.get("/contacts");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(json(limited).path("message").asText()).isEqualTo("Too Many Attempts.");
        assertThat(limited.headers().firstValue("Retry-After")).contains("1");
        assertThat(limited.headers().firstValue("X-RateLimit-Remaining")).contains("0");
        assertThat(limited.headers().firstValue("X-RateLimit-Reset")).contains(String.valueOf(T0.getEpochSecond() + 1));

        // a rejected request does not count: the fixed window opened at T0 still ends at T0 + 1 s
        time.advance(Duration.ofMillis(599));
        assertThat(client.get("/contacts").statusCode()).isEqualTo(429);
        time.advance(Duration.ofMillis(1));
        HttpResponse<String> again = client.get("/contacts");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.headers().firstValue("X-RateLimit-Remaining")).contains("4");
        assertThat(sim.server().calls().count(BirdSendOperations.LIST_CONTACTS, 429)).isEqualTo(2);
    }

    @Test
    void aRateLimitedWriteChangesNothing() {
        for (int i = 0; i < 5; i++) {
            client.get("/account");
        }
        assertThat(client.post("/contacts", "{\"email\":\"ann@example.com\"}").statusCode()).isEqualTo(429);
        assertThat(sim.contacts()).isEmpty();
    }

    @Test
    void theBudgetIsPerAccountSharedByItsTokens() {
        BirdSendTestClient sameAccount = client.withToken(sim.issuePersonalAccessToken());
        long otherAccount = sim.createAccount("other@example.com", null, null, null, null);
        BirdSendTestClient other = client.withToken(sim.issuePersonalAccessToken(otherAccount));
        for (int i = 0; i < 3; i++) {
            assertThat(client.get("/account").statusCode()).isEqualTo(200);
        }
        assertThat(sameAccount.get("/account").statusCode()).isEqualTo(200);
        assertThat(sameAccount.get("/account").statusCode()).isEqualTo(200);
        assertThat(client.get("/account").statusCode()).isEqualTo(429);
        assertThat(sameAccount.get("/account").statusCode()).isEqualTo(429);
        assertThat(other.get("/account").statusCode()).isEqualTo(200);
    }

    @Test
    void unauthenticatedAndOAuthCallsAreNotCounted() {
        BirdSendTestClient stranger = client.withToken("nope");
        for (int i = 0; i < 10; i++) {
            assertThat(stranger.get("/account").statusCode()).isEqualTo(401);
            assertThat(client.raw("POST", "/oauth/token", "grant_type=password",
                    "Content-Type", "application/x-www-form-urlencoded").statusCode()).isIn(400, 401);
        }
        assertThat(client.get("/account").headers().firstValue("X-RateLimit-Remaining")).contains("4");
    }

    @Test
    void windowsFollowTheTimeScale() {
        clock.setTimeScale(10); // the one-second window lasts 100 ms of base-clock time
        for (int i = 0; i < 5; i++) {
            assertThat(client.get("/account").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> limited = client.get("/account");
        assertThat(limited.statusCode()).isEqualTo(429);
        // One service second, said in base-clock seconds: a whole second would cost a client ten windows.
        assertThat(limited.headers().firstValue("Retry-After")).contains("0.1");
        time.advance(Duration.ofMillis(99));
        assertThat(client.get("/account").statusCode()).isEqualTo(429);
        time.advance(Duration.ofMillis(1));
        assertThat(client.get("/account").statusCode()).isEqualTo(200);
    }

    @Test
    void limitWindowKindAndHeadersAreConfigurable() {
        sim.updateSettings(s -> s.rateLimitPerSecond(2).rateLimitHeaders(false));
        assertThat(client.get("/account").headers().firstValue("X-RateLimit-Limit")).isEmpty();
        client.get("/account");
        HttpResponse<String> bare = client.get("/account");
        assertThat(bare.statusCode()).isEqualTo(429);
        assertThat(bare.headers().firstValue("Retry-After")).isEmpty();

        // sliding: a request counts for exactly one second after it was admitted
        sim.updateSettings(s -> s.rateLimitPerSecond(2).rateLimitSlidingWindow(true).rateLimitHeaders(true));
        assertThat(client.get("/account").statusCode()).isEqualTo(200); // t = 0
        time.advance(Duration.ofMillis(900));
        assertThat(client.get("/account").statusCode()).isEqualTo(200); // t = 0.9
        time.advance(Duration.ofMillis(100));
        assertThat(client.get("/account").statusCode()).isEqualTo(200); // t = 1.0: the first has expired
        assertThat(client.get("/account").statusCode()).isEqualTo(429); // the one from 0.9 still counts

        sim.updateSettings(s -> s.rateLimitEnabled(false));
        for (int i = 0; i < 12; i++) {
            assertThat(client.get("/account").statusCode()).isEqualTo(200);
        }
    }
}
