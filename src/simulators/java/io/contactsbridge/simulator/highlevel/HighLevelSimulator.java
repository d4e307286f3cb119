package io.contactsbridge.simulator.highlevel;

import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimFilter;
import io.contactsbridge.simulator.sim.SimServer;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * An in-process stand-in for HighLevel's Contacts API (services.leadconnectorhq.com): the 32
 * operations of contacts.json, the 5 of businesses.json and the custom-field and tag look-ups of
 * locations.json, with HighLevel's envelopes, spellings, status codes, error texts and checks.
 *
 * <h2>Wiring</h2>
 * <pre>{@code
 * HighLevelSimulator sim = HighLevelSimulator.builder()
 *         .clock(clock)                          // SimClock; timestamps and token expiry
 *         .tokenAuthority(tokens)                // who the bearer tokens are (OAuth server, static table)
 *         .extraFilter(rateLimits)               // runs after auth: sees HighLevelGrant.ATTRIBUTE
 *         .listener(webhookPublisher)            // gets a HighLevelEvent for every change
 *         .build()
 *         .start(0);
 * }</pre>
 * Request pipeline, outermost first: Version header and bearer-token/scope checks
 * ({@link HighLevelAuthFilter}; operations registered by others on {@link #server()}, such as OAuth
 * endpoints, pass through), the extra filters in the order given, the fault stage
 * ({@link SimServer#faults()}), the handler. Operation names are the spec's operationIds
 * ({@code get-contact}, {@code upsert-contact}...), so faults and call counts use those names.
 * The token authority and listeners can also be set after construction, for components that need
 * {@link #server()} first.
 *
 * <h2>Admin endpoints</h2> (besides the core ones of {@link SimServer}; no auth, no faults)
 * <ul>
 *   <li>{@code POST /__admin/seed} {@code {"count":200,"seed":42[,"locationId":..]}} generates realistic
 *       contacts, answering {@code {"seeded":200,"locationId":..,"ids":[..]}}; or
 *       {@code {"contacts":[{..},..][,"locationId":..]}} adds exact ones (create-contact fields plus
 *       {@code id}, {@code dateAdded}, {@code dateUpdated}, {@code businessId}, {@code type}),
 *       answering {@code {"seeded":n,"locationId":..,"contacts":[..]}}. Seeds send no events.</li>
 *   <li>{@code POST /__admin/reset}: forget everything (the demo location comes back empty).</li>
 *   <li>{@code GET /__admin/contacts[?locationId=..]}: {@code {"contacts":[..],"total":n}}, all locations
 *       unless one is named.</li>
 *   <li>{@code GET /__admin/contacts/{id}}: {@code {"contact":{.., "notes", "tasks", "appointments",
 *       "campaigns", "workflows"}}}.</li>
 *   <li>{@code POST /__admin/contacts} {@code {[locationId], ..fields}}: create as a person in the app
 *       (duplicate rules apply, ContactCreate is sent); 201 {@code {"contact":..}}.</li>
 *   <li>{@code POST /__admin/contacts/{id}/edit} {@code {..partial fields, "addTags":[..],
 *       "removeTags":[..]}}: edit as a person in the app (any create field, incl. companyName,
 *       tags, customFields as {@code {id|key, value|field_value}}, dnd, dndSettings, businessId,
 *       type); dateUpdated moves, events are sent; {@code {"contact":..}}.</li>
 *   <li>{@code DELETE /__admin/contacts/{id}}: delete as a person (ContactDelete).</li>
 *   <li>{@code POST /__admin/contacts/{id}/appointments} {@code {calendarId, title, startTime, endTime,
 *       appointmentStatus, assignedUserId, notes, address, groupId, source, users}}: book
 *       (AppointmentCreate); {@code PUT .../appointments/{appointmentId}} change (AppointmentUpdate);
 *       {@code DELETE .../appointments/{appointmentId}} cancel (AppointmentDelete).</li>
 *   <li>{@code POST /__admin/contacts/{id}/tasks/{taskId}/complete}: tick a task off (TaskComplete).</li>
 *   <li>{@code GET /__admin/locations}: ids, settings and contact counts.</li>
 *   <li>{@code POST /__admin/locations/{locationId}/customFields} {@code {"name"[, "fieldKey"][, "dataType"]
 *       [, "picklistOptions":[..]]}}: create a contact custom field as a person in the settings (201
 *       {@code {"customField":..}}); {@code DELETE .../customFields/{id|key}} deletes one with its values.</li>
 *   <li>{@code GET|PUT /__admin/locations/{locationId}/settings}: read or change (partially)
 *       {@link HighLevelLocationSettings}: {@code allowDuplicateContact}, {@code duplicateMatchOrder},
 *       {@code defaultCallingCode}, {@code lowercaseEmails}, {@code lowercaseTags}.</li>
 *   <li>{@code DELETE /__admin/locations/{locationId}/customFields/{idOrKey}}: delete one of the custom fields
 *       every location starts with (204; 404 if there is none), for an account that lacks it.</li>
 *   <li>{@code GET /__admin/events[?type=..][&limit=..]}: the last 1000 events sent to listeners.</li>
 * </ul>
 * Admin input errors are answered 400.
 */
public final class HighLevelSimulator implements AutoCloseable {

    /** The API version HighLevel's contacts, businesses and locations specs require. */
    public static final String API_VERSION = "2021-07-28";

    /**
     * The {@code Version} values accepted by default: the specs' {@value #API_VERSION}, the older published
     * 2021-04-15, and 2023-02-21, which HighLevel's official SDK sends on every call by default and the real
     * service accepts on the contact endpoints (official-sdk-facts.md). The check is the same for every
     * operation: nothing says the real service checks other endpoints differently, and the SDK sends that value
     * to all of them. {@link #setAcceptedVersions} narrows it, e.g. to the spec's value alone.
     */
    public static final Set<String> DEFAULT_ACCEPTED_VERSIONS = Set.of(API_VERSION, "2021-04-15", "2023-02-21");

    private final SimServer server;
    private final HighLevelState state;
    private final Set<String> operationIds;
    private final Map<String, String> scopes;
    private volatile HighLevelTokenAuthority tokenAuthority;
    private volatile Set<String> acceptedVersions;

    public HighLevelSimulator(SimClock clock, HighLevelTokenAuthority tokenAuthority, List<SimFilter> extraFilters,
                              List<HighLevelEventListener> listeners) {
        this(clock, tokenAuthority, extraFilters, listeners, DEFAULT_ACCEPTED_VERSIONS, new Random());
    }

    private HighLevelSimulator(SimClock clock, HighLevelTokenAuthority tokenAuthority, List<SimFilter> extraFilters,
                               List<HighLevelEventListener> listeners, Set<String> acceptedVersions, Random random) {
        Objects.requireNonNull(clock, "clock");
        this.tokenAuthority = tokenAuthority;
        this.acceptedVersions = Set.copyOf(acceptedVersions);
        this.server = new SimServer("highlevel", clock);
        this.state = new HighLevelState(clock, random);
        listeners.forEach(state::addListener);

        HighLevelApi api = new HighLevelApi(state, server::baseUrl);
        List<HighLevelApi.Operation> operations = api.operations();
        this.scopes = api.scopes();
        Set<String> ids = new LinkedHashSet<>();
        for (HighLevelApi.Operation op : operations) {
            server.route(op.method(), op.path(), op.operationId(), op.handler());
            ids.add(op.operationId());
        }
        this.operationIds = Set.copyOf(ids);

        server.filter(new HighLevelAuthFilter(scopes, () -> this.tokenAuthority, () -> this.acceptedVersions, clock));
        extraFilters.forEach(server::filter);
        server.filter(server.faultFilter());
        HighLevelAdminRoutes.install(server, state);
    }

    public static Builder builder() {
        return new Builder();
    }

    public HighLevelSimulator start(int port) {
        server.start(port);
        return this;
    }

    public HighLevelSimulator start(InetSocketAddress address) {
        server.start(address);
        return this;
    }

    public String baseUrl() {
        return server.baseUrl();
    }

    public void stop() {
        server.stop();
    }

    @Override
    public void close() {
        stop();
    }

    /** The HTTP server: faults, call records, clock, extra routes. */
    public SimServer server() {
        return server;
    }

    /** The simulated data, for seeding, inspection and "as a user" changes. */
    public HighLevelState state() {
        return state;
    }

    public SimClock clock() {
        return server.clock();
    }

    public void setTokenAuthority(HighLevelTokenAuthority tokenAuthority) {
        this.tokenAuthority = tokenAuthority;
    }

    public HighLevelTokenAuthority tokenAuthority() {
        return tokenAuthority;
    }

    public void addListener(HighLevelEventListener listener) {
        state.addListener(listener);
    }

    /** Which {@code Version} header values are accepted (default: {@link #DEFAULT_ACCEPTED_VERSIONS}). */
    public void setAcceptedVersions(Set<String> versions) {
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("at least one version must be accepted");
        }
        this.acceptedVersions = Set.copyOf(versions);
    }

    /** The spec operationIds this simulator serves. */
    public Set<String> operationIds() {
        return operationIds;
    }

    /** The scope each operation requires, by operationId. */
    public Map<String, String> requiredScopes() {
        return scopes;
    }

    /** Builds a {@link HighLevelSimulator}; only the clock is required. */
    public static final class Builder {
        private SimClock clock;
        private HighLevelTokenAuthority tokenAuthority;
        private final List<SimFilter> extraFilters = new ArrayList<>();
        private final List<HighLevelEventListener> listeners = new ArrayList<>();
        private Set<String> acceptedVersions = DEFAULT_ACCEPTED_VERSIONS;
        private Random random = new Random();

        private Builder() {
        }

        public Builder clock(SimClock clock) {
            this.clock = clock;
            return this;
        }

        public Builder tokenAuthority(HighLevelTokenAuthority tokenAuthority) {
            this.tokenAuthority = tokenAuthority;
            return this;
        }

        /** A filter that runs after authentication (so it sees the grant), before faults and handlers. */
        public Builder extraFilter(SimFilter filter) {
            extraFilters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        public Builder extraFilters(List<SimFilter> filters) {
            filters.forEach(this::extraFilter);
            return this;
        }

        public Builder listener(HighLevelEventListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Version header values to accept. Default: {@link #DEFAULT_ACCEPTED_VERSIONS}. */
        public Builder acceptedVersions(String... versions) {
            this.acceptedVersions = Set.of(versions);
            return this;
        }

        /** Seeds the id generator, for reproducible ids. */
        public Builder idSeed(long seed) {
            this.random = new Random(seed);
            return this;
        }

        public HighLevelSimulator build() {
            return new HighLevelSimulator(Objects.requireNonNull(clock, "clock"), tokenAuthority, extraFilters,
                    listeners, acceptedVersions, random);
        }
    }
}
