package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.contactsbridge.simulator.sim.SimFilter;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Version header, bearer tokens, scopes, locations, and the order of the request pipeline. */
class HighLevelAuthTest {

    private final List<HighLevelGrant> seenByExtraFilter = new CopyOnWriteArrayList<>();
    private final HighLevelFixture fx = new HighLevelFixture(HighLevelSimulator.builder()
            .extraFilter((request, next) -> {
                seenByExtraFilter.add(request.attribute(HighLevelGrant.ATTRIBUTE));
                return next.proceed(request);
            }));
    private final HighLevelTestClient api = fx.api;

    @AfterEach
    void stop() {
        fx.close();
    }

    private static void assertError(HighLevelTestClient.Response response, int status, String message) {
        assertThat(response.status()).isEqualTo(status);
        JsonNode body = response.json();
        assertThat(body.path("statusCode").asInt()).isEqualTo(status);
        assertThat(body.path("message").asText()).isEqualTo(message);
    }

    @Test
    void theVersionHeaderIsRequiredAndChecked() {
        String id = fx.createContact("V", null, null);
        assertError(api.withVersion(null).get("/contacts/" + id), 401, "version header was not found.");
        assertError(api.withVersion("2022-01-01").get("/contacts/" + id), 401, "version header is invalid");
        assertThat(api.withVersion(null).get("/contacts/" + id).json().path("error").asText()).isEqualTo("Unauthorized");

        // What the real service takes on the contact endpoints: the spec's version, the older one, and the one
        // HighLevel's official SDK sends by default.
        for (String version : List.of("2021-07-28", "2021-04-15", "2023-02-21")) {
            assertThat(api.withVersion(version).get("/contacts/" + id).status()).as(version).isEqualTo(200);
            assertThat(api.withVersion(version).post("/contacts/search", "{\"locationId\":\"" + HighLevelFixture.LOCATION
                    + "\",\"pageLimit\":1}").status()).as(version).isEqualTo(200);
        }

        fx.sim.setAcceptedVersions(Set.of("2021-07-28"));
        assertError(api.withVersion("2023-02-21").get("/contacts/" + id), 401, "version header is invalid");
    }

    @Test
    void missingUnknownRevokedAndExpiredTokensAre401InvalidJwt() {
        String id = fx.createContact("T", null, null);
        assertError(api.withToken(null).get("/contacts/" + id), 401, "Invalid JWT");
        assertError(api.withToken("nope").get("/contacts/" + id), 401, "Invalid JWT");
        assertError(api.raw("GET", "/contacts/" + id, null, "Version", "2021-07-28",
                "Authorization", "Basic " + HighLevelFixture.FULL), 401, "Invalid JWT");

        fx.tokens.put("oauth", StaticTokenAuthority.locationOAuth("app-1", HighLevelFixture.LOCATION,
                StaticTokenAuthority.ALL_SCOPES, HighLevelFixture.T0.plus(Duration.ofDays(1))));
        assertThat(api.withToken("oauth").get("/contacts/" + id).status()).isEqualTo(200);
        fx.time.advance(Duration.ofDays(1));
        assertError(api.withToken("oauth").get("/contacts/" + id), 401, "Invalid JWT");

        fx.tokens.revoke(HighLevelFixture.FULL);
        assertError(api.get("/contacts/" + id), 401, "Invalid JWT");
    }

    @Test
    void readAndWriteScopesAreSeparate() {
        String id = fx.createContact("S", null, null);
        HighLevelTestClient readOnly = api.withToken(HighLevelFixture.READ_ONLY);
        HighLevelTestClient writeOnly = api.withToken(HighLevelFixture.WRITE_ONLY);

        assertThat(readOnly.get("/contacts/" + id).status()).isEqualTo(200);
        assertError(readOnly.put("/contacts/" + id, SimJson.object().put("city", "X")), 401,
                "The token is not authorized for this scope.");
        assertError(writeOnly.get("/contacts/" + id), 401, "The token is not authorized for this scope.");
        assertThat(writeOnly.put("/contacts/" + id, SimJson.object().put("city", "X")).status()).isEqualTo(200);
        assertError(readOnly.get("/businesses/?locationId=" + HighLevelFixture.LOCATION), 401,
                "The token is not authorized for this scope.");
        assertError(readOnly.get("/locations/" + HighLevelFixture.LOCATION + "/tags"), 401,
                "The token is not authorized for this scope.");
        assertThat(api.get("/locations/" + HighLevelFixture.LOCATION + "/tags").status()).isEqualTo(200);
    }

    @Test
    void anotherLocationsDataIs403AndScopeIsCheckedFirst() {
        String id = fx.createContact("L", "l@example.com", null);
        HighLevelTestClient other = api.withToken(HighLevelFixture.OTHER);
        String forbidden = "The token does not have access to this location.";

        assertError(other.get("/contacts/" + id), 403, forbidden);
        assertError(other.put("/contacts/" + id, SimJson.object().put("city", "X")), 403, forbidden);
        assertError(other.post("/contacts/", SimJson.object().put("locationId", HighLevelFixture.LOCATION)
                .put("firstName", "X")), 403, forbidden);
        assertError(other.get("/contacts/?locationId=" + HighLevelFixture.LOCATION), 403, forbidden);
        assertError(other.post("/contacts/search", SimJson.object().put("locationId", HighLevelFixture.LOCATION)
                .put("pageLimit", 10)), 403, forbidden);
        assertError(other.get("/locations/" + HighLevelFixture.LOCATION + "/customFields"), 403, forbidden);
        // the other location works for its own data, and sees none of ours
        assertThat(other.get("/contacts/?locationId=" + HighLevelFixture.OTHER_LOCATION).json().path("contacts"))
                .isEmpty();
        // scope before location: a read-only token writing to another location hears about scope
        assertError(api.withToken(HighLevelFixture.READ_ONLY).post("/contacts/", SimJson.object()
                .put("locationId", HighLevelFixture.OTHER_LOCATION)), 401, "The token is not authorized for this scope.");
    }

    @Test
    void authRunsBeforeExtraFiltersWhichRunBeforeFaults() {
        String id = fx.createContact("F", null, null);
        seenByExtraFilter.clear();
        fx.sim.server().faults().configure(FaultConfig.builder().operations("get-contact").errorRate(503, 1.0).build());

        // unauthenticated: 401 from the auth filter, never faulted, never seen by the extra filter
        assertThat(api.withToken("nope").get("/contacts/" + id).status()).isEqualTo(401);
        assertThat(seenByExtraFilter).isEmpty();

        // authenticated: the extra filter saw the grant, then the fault stage answered
        HighLevelTestClient.Response faulted = api.get("/contacts/" + id);
        assertThat(faulted.status()).isEqualTo(503);
        assertThat(seenByExtraFilter).singleElement()
                .satisfies(grant -> assertThat(grant.locationId()).isEqualTo(HighLevelFixture.LOCATION));
        assertThat(api.put("/contacts/" + id, SimJson.object().put("city", "Y")).status()).isEqualTo(200);

        assertThat(fx.sim.server().calls().count("get-contact", 401)).isEqualTo(1);
        assertThat(fx.sim.server().calls().count("get-contact", 503)).isEqualTo(1);
    }

    @Test
    void anExtraFilterCanAnswerWithoutTheHandlerRunning() {
        try (HighLevelFixture limited = new HighLevelFixture(HighLevelSimulator.builder().extraFilter(
                SimFilter.before(request -> SimResponse.json(429, SimJson.object().put("statusCode", 429)
                        .put("message", "Too many requests")))))) {
            HighLevelTestClient.Response response = limited.api.post("/contacts/", SimJson.object()
                    .put("locationId", HighLevelFixture.LOCATION).put("firstName", "X"));
            assertThat(response.status()).isEqualTo(429);
            assertThat(limited.state().contactCount()).isZero();
        }
    }

    @Test
    void routesRegisteredByOthersPassThroughTheAuthFilter() {
        fx.sim.server().route("POST", "/oauth/token", "oauth-get-access-token",
                request -> SimResponse.ok(Map.of("access_token", "abc")));
        HighLevelTestClient.Response response = api.raw("POST", "/oauth/token", "grant_type=x",
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(response.status()).isEqualTo(200);
    }

    @Test
    void unknownPathsAreNestStyle404s() {
        HighLevelTestClient.Response response = api.get("/contacts/a/b/c/d");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().path("message").asText()).isEqualTo("Cannot GET /contacts/a/b/c/d");
    }
}
