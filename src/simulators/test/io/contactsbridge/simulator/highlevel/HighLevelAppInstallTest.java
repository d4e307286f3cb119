package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static io.contactsbridge.simulator.highlevel.HighLevelWebhookPayloadsTest.fieldNames;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A marketplace app's life in the simulator: installing it on a location through the admin API sends INSTALL,
 * the location's events then carry the app's {@code appId}, an agency token turns into a location token at
 * {@code /oauth/locationToken}, and uninstalling revokes the app's tokens there and sends UNINSTALL.
 */
class HighLevelAppInstallTest {

    private static final String LOC = HighLevelState.DEMO_LOCATION_ID;
    private static final String CLIENT = "lifeapp42-k3y5uffix";
    private static final String APP = "lifeapp42";
    private static final String REDIRECT = "http://bridge.test/oauth/callback/agency";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final HighLevelSandbox sandbox = HighLevelSandbox.create(SimClock.system());
    private final HighLevelSimulator sim = sandbox.simulator().start(0);
    private final HighLevelTestClient api = new HighLevelTestClient(sim.baseUrl(), StaticTokenAuthority.DEMO_TOKEN);
    private final HighLevelTestClient admin = api.withToken(null).withVersion(null);

    HighLevelAppInstallTest() {
        Set<String> scopes = new LinkedHashSet<>(StaticTokenAuthority.ALL_SCOPES);
        scopes.add("oauth.write");
        scopes.add("oauth.readonly");
        sandbox.oauth().registerApp(CLIENT, "life-secret", List.of(REDIRECT), scopes);
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private List<JsonNode> webhooks(String type) throws InterruptedException {
        assertThat(sandbox.webhooks().awaitIdle(WAIT)).isTrue();
        return sandbox.webhooks().deliveries(type).stream().map(HighLevelWebhookPublisher.Delivery::payloadJson).toList();
    }

    @Test
    void installingSendsInstallOnceAndTheLocationsEventsThenCarryTheAppId() throws Exception {
        api.post("/contacts/", SimJson.object().put("locationId", LOC).put("firstName", "Before"));
        assertThat(webhooks("ContactCreate")).singleElement().satisfies(p -> assertThat(p.has("appId")).isFalse());

        HighLevelTestClient.Response installed = admin.post("/__admin/oauth/installs",
                SimJson.object().put("clientId", CLIENT).put("locationId", LOC));
        assertThat(installed.status()).isEqualTo(201);
        assertThat(installed.json().path("installed").asBoolean()).isTrue();
        HighLevelTestClient.Response again = admin.post("/__admin/oauth/installs", SimJson.object().put("locationId", LOC));
        assertThat(again.status()).as("one app registered: clientId may be left out").isEqualTo(200);
        assertThat(again.json().path("installed").asBoolean()).isFalse();

        JsonNode install = webhooks("INSTALL").stream().collect(onlyOne());
        assertThat(fieldNames(install)).containsExactly("type", "appId", "installType", "locationId", "companyId",
                "userId", "timestamp", "webhookId");
        assertThat(install.path("appId").asText()).isEqualTo(APP);
        assertThat(install.path("locationId").asText()).isEqualTo(LOC);
        assertThat(install.path("companyId").asText()).isEqualTo(HighLevelState.DEMO_COMPANY_ID);

        api.post("/contacts/", SimJson.object().put("locationId", LOC).put("firstName", "After"));
        List<JsonNode> creates = webhooks("ContactCreate");
        assertThat(creates).hasSize(2);
        assertThat(fieldNames(creates.get(1))).startsWith("type", "locationId", "appId");
        assertThat(creates.get(1).path("appId").asText()).isEqualTo(APP);
        assertThat(admin.get("/__admin/oauth/installs").json().path("installs").get(0).path("clientId").asText())
                .isEqualTo(CLIENT);
    }

    @Test
    void anAgencyTokenBecomesALocationTokenWhereTheAppIsInstalledUntilItIsUninstalled() throws Exception {
        String agency = agencyToken();
        HighLevelTestClient agencyClient = api.withToken(agency).withVersion("2023-02-21");
        String form = "companyId=" + HighLevelState.DEMO_COMPANY_ID + "&locationId=";

        HighLevelTestClient.Response notInstalled = locationToken(agencyClient, form + "ElsewhereLoc0000000x");
        assertThat(notInstalled.status()).isEqualTo(400);
        assertThat(notInstalled.json().path("message").asText()).isEqualTo(HighLevelOAuthServer.NOT_INSTALLED);

        admin.post("/__admin/oauth/installs", SimJson.object().put("clientId", CLIENT).put("locationId", LOC));
        HighLevelTestClient.Response minted = locationToken(agencyClient, form + LOC);
        assertThat(minted.status()).as(minted.body()).isEqualTo(200);
        JsonNode tokens = minted.json();
        assertThat(tokens.path("locationId").asText()).isEqualTo(LOC);
        assertThat(tokens.path("userType").asText()).isEqualTo("Location");
        assertThat(tokens.path("appId").asText()).isEqualTo(APP);
        assertThat(tokens.path("expires_in").asLong()).isEqualTo(86_399);
        assertThat(tokens.path("refresh_token").asText()).isNotBlank();
        HighLevelTestClient location = api.withToken(tokens.path("access_token").asText());
        assertThat(location.get("/contacts/?locationId=" + LOC).status()).isEqualTo(200);

        // only an agency token of an app with oauth.write, with a Version header, for its own company
        assertThat(locationToken(location, form + LOC).json().path("message").asText())
                .isEqualTo(HighLevelOAuthServer.AGENCY_ONLY);
        assertThat(locationToken(agencyClient.withVersion(null), form + LOC).json().path("message").asText())
                .isEqualTo("version header was not found.");
        assertThat(locationToken(agencyClient, "companyId=OtherCompany&locationId=" + LOC).status()).isEqualTo(403);
        assertThat(locationToken(agencyClient, "locationId=" + LOC).status()).isEqualTo(422);

        HighLevelTestClient.Response uninstalled = admin.delete("/__admin/oauth/installs/" + LOC + "?clientId=" + CLIENT);
        assertThat(uninstalled.status()).isEqualTo(200);
        assertThat(uninstalled.json().path("revokedTokens").asInt()).as("the location's access and refresh token")
                .isEqualTo(2);
        assertThat(location.get("/contacts/?locationId=" + LOC).status()).isEqualTo(401);
        assertThat(admin.delete("/__admin/oauth/installs/" + LOC).status()).isEqualTo(404);
        assertThat(locationToken(agencyClient, form + LOC).status()).as("no longer installed").isEqualTo(400);

        JsonNode uninstall = webhooks("UNINSTALL").stream().collect(onlyOne());
        assertThat(fieldNames(uninstall)).containsExactly("type", "appId", "locationId", "companyId", "timestamp",
                "webhookId");
        assertThat(uninstall.path("appId").asText()).isEqualTo(APP);
    }

    /** The agency flow: chooselocation, then the code exchanged with user_type=Company. */
    private String agencyToken() {
        HighLevelTestClient.Response consent = admin.get("/oauth/chooselocation?response_type=code&client_id=" + CLIENT
                + "&redirect_uri=" + URLEncoder.encode(REDIRECT, StandardCharsets.UTF_8));
        String location = consent.header("Location");
        String code = URI.create(location).getQuery().replaceAll(".*code=([^&]+).*", "$1");
        HighLevelTestClient.Response token = admin.raw("POST", "/oauth/token", "client_id=" + CLIENT
                        + "&client_secret=life-secret&grant_type=authorization_code&user_type=Company&code=" + code,
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        assertThat(token.json().path("userType").asText()).isEqualTo("Company");
        return token.json().path("access_token").asText();
    }

    private static HighLevelTestClient.Response locationToken(HighLevelTestClient client, String form) {
        return client.raw("POST", "/oauth/locationToken", form, headers(client));
    }

    /** The client's Version and Authorization headers plus a form content type. */
    private static String[] headers(HighLevelTestClient client) {
        return client.headersFor("application/x-www-form-urlencoded");
    }

    private static java.util.stream.Collector<JsonNode, ?, JsonNode> onlyOne() {
        return java.util.stream.Collectors.collectingAndThen(java.util.stream.Collectors.toList(), list -> {
            assertThat(list).hasSize(1);
            return list.get(0);
        });
    }
}
