package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A running simulator for one test: a clock that moves only when told, fixed tokens, and every
 * event recorded. Tokens: {@link #FULL} (all scopes, demo location), {@link #READ_ONLY}
 * (contacts.readonly only), {@link #WRITE_ONLY} (contacts.write only), {@link #OTHER} (all scopes,
 * location {@link #OTHER_LOCATION}).
 */
final class HighLevelFixture implements AutoCloseable {

    static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");
    static final String LOCATION = HighLevelState.DEMO_LOCATION_ID;
    static final String OTHER_LOCATION = "OtherLoc9sPq3Rt6Vw1z";
    static final String FULL = "token-full";
    static final String READ_ONLY = "token-read-only";
    static final String WRITE_ONLY = "token-write-only";
    static final String OTHER = "token-other-location";

    final MutableClock time = MutableClock.startingAt(T0);
    final SimClock clock = new SimClock(time, 1.0);
    final StaticTokenAuthority tokens = new StaticTokenAuthority()
            .put(FULL, StaticTokenAuthority.privateIntegration(LOCATION, StaticTokenAuthority.ALL_SCOPES))
            .put(READ_ONLY, StaticTokenAuthority.privateIntegration(LOCATION, Set.of("contacts.readonly")))
            .put(WRITE_ONLY, StaticTokenAuthority.privateIntegration(LOCATION, Set.of("contacts.write")))
            .put(OTHER, StaticTokenAuthority.privateIntegration(OTHER_LOCATION, StaticTokenAuthority.ALL_SCOPES));
    final List<HighLevelEvent> events = new CopyOnWriteArrayList<>();
    final HighLevelSimulator sim;
    final HighLevelTestClient api;

    HighLevelFixture() {
        this(HighLevelSimulator.builder());
    }

    HighLevelFixture(HighLevelSimulator.Builder builder) {
        sim = builder.clock(clock).tokenAuthority(tokens).listener(events::add).idSeed(7).build().start(0);
        api = new HighLevelTestClient(sim.baseUrl(), FULL);
    }

    HighLevelState state() {
        return sim.state();
    }

    /** Creates a contact through the API and returns its id. */
    String createContact(ObjectNode fields) {
        ObjectNode body = fields.deepCopy().put("locationId", LOCATION);
        HighLevelTestClient.Response response = api.post("/contacts/", body);
        if (response.status() != 201) {
            throw new AssertionError("create failed: " + response.status() + " " + response.body());
        }
        return response.json().path("contact").path("id").asText();
    }

    String createContact(String firstName, String email, String phone) {
        ObjectNode fields = SimJson.object().put("firstName", firstName);
        if (email != null) {
            fields.put("email", email);
        }
        if (phone != null) {
            fields.put("phone", phone);
        }
        return createContact(fields);
    }

    List<String> eventTypes() {
        return events.stream().map(HighLevelEvent::type).toList();
    }

    void tick(long millis) {
        time.advanceMillis(millis);
    }

    @Override
    public void close() {
        sim.stop();
    }
}
