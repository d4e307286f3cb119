package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulator with the OAuth server, rate limits and webhook publisher plugged in. */
class HighLevelSandboxTest {

    private static final String LOC = HighLevelState.DEMO_LOCATION_ID;

    private final MutableClock time = MutableClock.startingAt(HighLevelFixture.T0);
    private final HighLevelSandbox sandbox = HighLevelSandbox.create(new SimClock(time, 1.0));
    private final HighLevelSimulator sim = sandbox.simulator().start(0);
    private final HighLevelTestClient api = new HighLevelTestClient(sim.baseUrl(), StaticTokenAuthority.DEMO_TOKEN);

    @AfterEach
    void stop() {
        sandbox.close();
    }

    @Test
    void theDemoTokenWorksAndAnswersCarryRateLimitHeaders() {
        HighLevelTestClient.Response response = api.post("/contacts/", SimJson.object().put("locationId", LOC)
                .put("firstName", "Rate"));
        assertThat(response.status()).isEqualTo(201);
        assertThat(response.header(HighLevelRateLimits.MAX)).isEqualTo("100");
        assertThat(response.header(HighLevelRateLimits.REMAINING)).isEqualTo("99");
        assertThat(response.header(HighLevelRateLimits.LIMIT_DAILY)).isEqualTo("200000");
        // refused before authentication completes: no budget spent, no headers
        HighLevelTestClient.Response refused = api.withToken("nope").get("/contacts/?locationId=" + LOC);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header(HighLevelRateLimits.REMAINING)).isNull();
    }

    @Test
    void oauthAccessTokensAreAcceptedUntilTheyExpire() {
        sandbox.oauth().registerApp("app1-client", "secret", List.of("http://localhost/cb"),
                StaticTokenAuthority.ALL_SCOPES);
        String token = sandbox.oauth().issueLocationTokens("app1-client", LOC).path("access_token").asText();
        HighLevelTestClient oauthClient = api.withToken(token);
        assertThat(oauthClient.get("/contacts/?locationId=" + LOC).status()).isEqualTo(200);
        time.advance(Duration.ofDays(1));
        HighLevelTestClient.Response expired = oauthClient.get("/contacts/?locationId=" + LOC);
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.json().path("message").asText()).isEqualTo("Invalid JWT");
        // the OAuth routes need neither a Version header nor a bearer token
        assertThat(api.withToken(null).withVersion(null).get("/oauth/chooselocation?response_type=code"
                + "&client_id=app1-client&redirect_uri=http://localhost/cb").status()).isEqualTo(302);
    }

    @Test
    void theBurstLimitAnswers429PerAppAndLocation() {
        sandbox.rateLimits().configure(3, Duration.ofSeconds(10), 200_000);
        for (int i = 0; i < 3; i++) {
            assertThat(api.get("/contacts/?locationId=" + LOC).status()).isEqualTo(200);
        }
        HighLevelTestClient.Response limited = api.get("/contacts/?locationId=" + LOC);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header(HighLevelRateLimits.REMAINING)).isEqualTo("0");
        // another app's token on the same location has its own budget
        String pit = sandbox.oauth().issuePrivateIntegrationToken(LOC, StaticTokenAuthority.ALL_SCOPES);
        assertThat(api.withToken(pit).get("/contacts/?locationId=" + LOC).status()).isEqualTo(200);
    }

    @Test
    void everyChangeReachesTheWebhookPublisher() {
        String id = api.post("/contacts/", SimJson.object().put("locationId", LOC).put("firstName", "Hook")
                .put("email", "hook@example.com")).json().path("contact").path("id").asText();
        api.post("/contacts/" + id + "/tags", SimJson.object().set("tags", SimJson.array().add("vip")));

        List<HighLevelWebhookPublisher.Delivery> created = sandbox.webhooks().deliveries("ContactCreate");
        assertThat(created).hasSize(1);
        JsonNode payload = created.get(0).payloadJson();
        assertThat(payload.path("type").asText()).isEqualTo("ContactCreate");
        assertThat(payload.path("id").asText()).isEqualTo(id);
        assertThat(payload.path("locationId").asText()).isEqualTo(LOC);
        assertThat(sandbox.webhooks().deliveries("ContactTagUpdate")).hasSize(1);
    }
}
