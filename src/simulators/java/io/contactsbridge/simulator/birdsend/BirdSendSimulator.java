package io.contactsbridge.simulator.birdsend;

import io.contactsbridge.simulator.sim.FaultInjector;
import io.contactsbridge.simulator.sim.MalformedBodyException;
import io.contactsbridge.simulator.sim.RateLimitDecision;
import io.contactsbridge.simulator.sim.RateLimitWindow;
import io.contactsbridge.simulator.sim.RateLimiter;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimFilter;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A stand-in for the BirdSend REST API v1 ({@code https://api.birdsend.co/v1}) and its OAuth
 * endpoints, on a {@link SimServer}, holding one or more accounts in memory. What is known about
 * BirdSend is in shared/reference/birdsend/API.md; everything tagged there as assumed is a
 * {@link BirdSendSettings} property, defaulting to the documented choice.
 *
 * <h2>Endpoints</h2>
 * API under {@code <baseUrl>/v1}: {@code GET /account}; {@code GET|POST /contacts};
 * {@code GET|PATCH|DELETE /contacts/{id}}; {@code POST /contacts/{id}/subscribe};
 * {@code DELETE /contacts/{id}/unsubscribe}; {@code POST /contacts/{id}/tags};
 * {@code DELETE /contacts/{id}/tags/{tag_id}}; {@code GET /tags}, {@code /fields},
 * {@code /sequences}, {@code /forms}; {@code GET|POST /broadcasts}; {@code GET /broadcasts/{id}}.
 * OAuth on the same server: {@code GET /oauth/authorize} (auto-approved: 302 to the redirect URI
 * with {@code code} and {@code state}; the real page is on app.birdsend.co) and
 * {@code POST /oauth/token}. Admin routes are listed on {@link BirdSendAdminRoutes}. There are no
 * webhooks: BirdSend publishes none.
 *
 * <h2>Pipeline of an API call</h2>
 * <ol>
 *   <li>Authentication: {@code Authorization: Bearer <token>} (personal access token or OAuth
 *       access token); missing, unknown, revoked or expired: 401 {@code {"message":"Unauthenticated."}}.
 *       It runs before the rate limiter, as Laravel orders its auth middleware before throttling,
 *       so 401s are not counted and carry no rate-limit headers.</li>
 *   <li>Rate limiting per account (default 5 per second, fixed window): 429
 *       {@code {"message":"Too Many Attempts."}} with {@code Retry-After} (seconds) and
 *       {@code X-RateLimit-Reset}; {@code X-RateLimit-Limit}/{@code X-RateLimit-Remaining} on every
 *       authenticated answer.</li>
 *   <li>Scopes: writes (any method but GET) need {@code write}; else 403
 *       {@code {"message":"Invalid scope(s) provided."}} (Passport's answer; an assumption).</li>
 *   <li>The core's fault stage, then the handler.</li>
 * </ol>
 * Unknown paths answer Laravel's 404/405 bodies; unparseable JSON bodies answer 422 (or 400, see
 * {@link BirdSendSettings#malformedJsonStatus()}).
 *
 * <p>Thread-safe: each account serialises its own changes; settings and the rate limiter are
 * swapped atomically.
 */
public final class BirdSendSimulator implements AutoCloseable {

    public static final String NAME = "birdsend";
    /** The simulated API lives under this path, as the real one under {@code https://api.birdsend.co/v1}. */
    public static final String API_PREFIX = "/v1";

    private static final String RATE_WINDOW = "per-second";

    private final SimClock clock;
    private final SimServer server;
    private final BirdSendIdSequences ids = new BirdSendIdSequences();
    private final Map<Long, BirdSendAccount> accounts = new ConcurrentSkipListMap<>();
    private final long defaultAccountId;
    private final BirdSendAuthServer auth;
    private volatile BirdSendSettings settings;
    private volatile Limiter limiter;

    /** The rate limiter built for one (limit, window kind) setting; rebuilt when those change. */
    private record Limiter(RateLimiter limiter, int perSecond, boolean sliding) {
    }

    public BirdSendSimulator() {
        this(builder());
    }

    public BirdSendSimulator(SimClock clock) {
        this(builder().clock(clock));
    }

    private BirdSendSimulator(Builder b) {
        this.clock = b.clock;
        this.settings = b.settings;
        this.limiter = newLimiter(b.settings);
        this.server = new SimServer(NAME, clock);
        this.auth = new BirdSendAuthServer(clock, this::settings, accounts::containsKey);
        this.defaultAccountId = createAccount(b.accountEmail, b.accountFirstName, b.accountLastName,
                b.accountCompany, b.accountTimezone);

        server.filter(this::authenticate)
                .filter(this::rateLimit)
                .filter(SimFilter.before(this::checkScope))
                .unmatchedHandler(BirdSendSimulator::unmatched)
                .faultResponder(BirdSendSimulator::faultResponse)
                .exceptionMapper(this::mapException);
        new BirdSendApiRoutes(this).install(server);
        new BirdSendAdminRoutes(this).install(server);
    }

    public static Builder builder() {
        return new Builder();
    }

    // --- lifecycle -------------------------------------------------------------------------------

    /** Starts on 127.0.0.1; port 0 picks a free port. */
    public BirdSendSimulator start(int port) {
        server.start(port);
        return this;
    }

    public BirdSendSimulator start(InetSocketAddress address) {
        server.start(address);
        return this;
    }

    public void stop() {
        server.stop();
    }

    @Override
    public void close() {
        stop();
    }

    public SimServer server() {
        return server;
    }

    public SimClock clock() {
        return clock;
    }

    /** {@code http://127.0.0.1:<port>}: OAuth and admin paths hang off this. */
    public String baseUrl() {
        return server.baseUrl();
    }

    /** {@code baseUrl() + "/v1"}: what the bridge configures as its BirdSend API base URL. */
    public String apiBaseUrl() {
        return server.baseUrl() + API_PREFIX;
    }

    public FaultInjector faults() {
        return server.faults();
    }

    // --- settings --------------------------------------------------------------------------------

    public BirdSendSettings settings() {
        return settings;
    }

    /** Replaces the settings; a changed rate limit starts with fresh counters. */
    public synchronized BirdSendSettings settings(BirdSendSettings newSettings) {
        this.settings = Objects.requireNonNull(newSettings, "settings");
        Limiter current = limiter;
        if (current.perSecond() != newSettings.rateLimitPerSecond()
                || current.sliding() != newSettings.rateLimitSlidingWindow()) {
            limiter = newLimiter(newSettings);
        }
        return newSettings;
    }

    /** Changes some settings, e.g. {@code sim.updateSettings(s -> s.partialEmailMatch(false))}. */
    public synchronized BirdSendSettings updateSettings(UnaryOperator<BirdSendSettings.Builder> change) {
        return settings(change.apply(settings.toBuilder()).build());
    }

    // --- accounts and tokens ---------------------------------------------------------------------

    public long defaultAccountId() {
        return defaultAccountId;
    }

    /** Adds an account (its own contacts, tags, fields and rate-limit budget); returns its id. */
    public long createAccount(String email, String firstName, String lastName, String companyName, String timezone) {
        long id = ids.accounts.incrementAndGet();
        BirdSendAccountInfo info = new BirdSendAccountInfo(id, Objects.requireNonNull(email, "email"), firstName,
                lastName, companyName, timezone == null ? "UTC" : timezone, BirdSendAccount.truncate(clock.now()));
        accounts.put(id, new BirdSendAccount(info, ids));
        return id;
    }

    public List<BirdSendAccountInfo> accounts() {
        return accounts.values().stream().map(BirdSendAccount::info).toList();
    }

    public BirdSendAccountInfo accountInfo(long accountId) {
        return account(accountId).info();
    }

    /** A personal access token for the default account with read and write. */
    public String issuePersonalAccessToken() {
        return issuePersonalAccessToken(defaultAccountId);
    }

    /** A personal access token (no expiry); no scopes given means read and write. */
    public String issuePersonalAccessToken(long accountId, BirdSendScope... scopes) {
        return auth.issuePersonalAccessToken(accountId, toSet(scopes));
    }

    /** Revokes an access or refresh token; false if unknown. */
    public boolean revokeToken(String token) {
        return auth.revoke(token);
    }

    /** Registers an OAuth client; {@code null} id or secret are generated. */
    public BirdSendOAuthClient registerOAuthClient(String clientId, String clientSecret, String... redirectUris) {
        return auth.registerClient(clientId, clientSecret, List.of(redirectUris));
    }

    /** Access and refresh tokens as after a completed authorization-code flow (no HTTP involved). */
    public BirdSendTokenPair issueOAuthTokens(String clientId, long accountId, BirdSendScope... scopes) {
        Set<BirdSendScope> set = toSet(scopes);
        return auth.issueOAuthTokens(clientId, accountId, set.isEmpty() ? EnumSet.of(BirdSendScope.WRITE) : set);
    }

    // --- data, as a person in the BirdSend app would change it -----------------------------------

    /** Generates {@code n} realistic contacts in the default account (see {@link BirdSendSeeder}). */
    public List<BirdSendContactView> seed(int n, long randomSeed) {
        return seed(defaultAccountId, n, randomSeed);
    }

    public List<BirdSendContactView> seed(long accountId, int n, long randomSeed) {
        return BirdSendSeeder.seed(account(accountId), n, randomSeed, settings, clock.now());
    }

    /**
     * Generates {@code n} contacts whose emails {@code emailTakenElsewhere} does not claim (it gets
     * each candidate as generated; compare ignoring case): people who must not be the same as those
     * of another system. Without conflicts the data equals {@link #seed(long, int, long)}'s.
     */
    public List<BirdSendContactView> seed(long accountId, int n, long randomSeed,
                                          Predicate<String> emailTakenElsewhere) {
        return BirdSendSeeder.seed(account(accountId), n, randomSeed, settings, clock.now(),
                Objects.requireNonNull(emailTakenElsewhere, "emailTakenElsewhere"));
    }

    /** As {@link #seed(long, int, long, Predicate)}, returning only the new contacts' ids (for large accounts). */
    public List<Long> seedIds(long accountId, int n, long randomSeed, Predicate<String> emailTakenElsewhere) {
        return BirdSendSeeder.seedIds(account(accountId), n, randomSeed, settings, clock.now(),
                Objects.requireNonNull(emailTakenElsewhere, "emailTakenElsewhere"));
    }

    /** Creates exactly this contact in the default account (e.g. one that also exists in HighLevel). */
    public BirdSendContactView seedContact(BirdSendNewContact contact) {
        return seedContact(defaultAccountId, contact);
    }

    /**
     * Creates exactly this contact, as a person importing it would: tags are created whatever the
     * settings say, and a field key the account does not know yet becomes a new text field.
     */
    public BirdSendContactView seedContact(long accountId, BirdSendNewContact contact) {
        BirdSendAccount account = account(accountId);
        Set<String> known = account.fieldKeys();
        contact.fields().keySet().stream()
                .filter(key -> !known.contains(key))
                .forEach(key -> account.defineField(key, BirdSendSeeder.label(key), "text"));
        return account.create(contact, asPerson(), clock.now());
    }

    public List<BirdSendContactView> contacts() {
        return contacts(defaultAccountId);
    }

    public List<BirdSendContactView> contacts(long accountId) {
        return account(accountId).contacts();
    }

    /** How many contacts the default account has (cheaper than {@link #contacts()} on a large account). */
    public int contactCount() {
        return account(defaultAccountId).contactCount();
    }

    /** The contact with this id, in whichever account holds it. */
    public Optional<BirdSendContactView> contact(long contactId) {
        for (BirdSendAccount account : accounts.values()) {
            Optional<BirdSendContactView> found = account.contact(contactId);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** Contacts of an account with exactly this email (ignoring case, as the simulator's uniqueness does). */
    public List<BirdSendContactView> findContactsByEmail(long accountId, String email) {
        return account(accountId).findByEmail(email, true);
    }

    public BirdSendContactView editContact(long contactId, BirdSendContactEdit edit) {
        return accountOfContact(contactId).update(contactId, edit, asPerson(), clock.now());
    }

    /**
     * The contact (re)subscribes, joining {@code sequenceId} when given, as through a BirdSend form or a person in
     * the app: the same change as the API's {@code POST /contacts/{id}/subscribe}, but not made with a token.
     */
    public BirdSendContactView subscribeContact(long contactId, Long sequenceId) {
        return accountOfContact(contactId).subscribe(contactId, sequenceId, clock.now());
    }

    public BirdSendContactView unsubscribeContact(long contactId) {
        return accountOfContact(contactId).unsubscribe(contactId, clock.now());
    }

    public BirdSendContactView deleteContact(long contactId) {
        return accountOfContact(contactId).delete(contactId);
    }

    public BirdSendField defineField(long accountId, String key, String label, String type) {
        return account(accountId).defineField(key, label, type);
    }

    /** Deletes a custom field with its values (see {@link BirdSendAccount#removeField}); empty if there was none. */
    public Optional<BirdSendField> removeField(long accountId, String key) {
        return account(accountId).removeField(key);
    }

    public BirdSendSequence addSequence(long accountId, String name) {
        return account(accountId).addSequence(name, clock.now());
    }

    public BirdSendForm addForm(long accountId, String name, String type) {
        return account(accountId).addForm(name, type, clock.now());
    }

    public List<BirdSendTag> tags(long accountId) {
        return account(accountId).tags();
    }

    public List<BirdSendField> fields(long accountId) {
        return account(accountId).fields();
    }

    public List<BirdSendSequence> sequences(long accountId) {
        return account(accountId).sequences();
    }

    public List<BirdSendForm> forms(long accountId) {
        return account(accountId).forms();
    }

    public List<BirdSendBroadcast> broadcasts(long accountId) {
        return account(accountId).broadcasts();
    }

    /**
     * Empties every account (contacts, tags, custom fields, sequences, forms, broadcasts) and the
     * rate-limit counters. Accounts, tokens, OAuth clients, settings, faults and call records stay.
     */
    public void reset() {
        accounts.values().forEach(BirdSendAccount::reset);
        limiter.limiter().reset();
    }

    // --- package-private access for the routes ---------------------------------------------------

    BirdSendAccount account(long accountId) {
        BirdSendAccount account = accounts.get(accountId);
        if (account == null) {
            throw new NoSuchElementException("No BirdSend account " + accountId);
        }
        return account;
    }

    boolean hasAccount(long accountId) {
        return accounts.containsKey(accountId);
    }

    BirdSendAccount accountOfContact(long contactId) {
        for (BirdSendAccount account : accounts.values()) {
            if (account.contact(contactId).isPresent()) {
                return account;
            }
        }
        throw LaravelErrors.notFoundException("Contact", contactId);
    }

    BirdSendAuthServer auth() {
        return auth;
    }

    void revokeAllTokens() {
        accounts.keySet().forEach(auth::revokeAll);
    }

    /** People in the app are not held to the API's stricter switches: they may create tags freely. */
    private BirdSendSettings asPerson() {
        return settings.toBuilder().autoCreateTags(true).rejectUnknownFieldKeys(false).build();
    }

    // --- filters ---------------------------------------------------------------------------------

    private SimResponse authenticate(SimRequest request, SimFilter.Chain next) throws Exception {
        if (BirdSendOperations.isOAuth(request.operation())) {
            return next.proceed(request);
        }
        String header = request.header("Authorization");
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim() : null;
        Optional<BirdSendGrant> grant = auth.authenticate(token);
        if (grant.isEmpty() || !accounts.containsKey(grant.get().accountId())) {
            return LaravelErrors.unauthenticated();
        }
        request.setAttribute(BirdSendGrant.ATTRIBUTE, grant.get());
        return next.proceed(request);
    }

    private SimResponse rateLimit(SimRequest request, SimFilter.Chain next) throws Exception {
        BirdSendSettings s = settings;
        if (BirdSendOperations.isOAuth(request.operation()) || !s.rateLimitEnabled()) {
            return next.proceed(request);
        }
        BirdSendGrant grant = request.attribute(BirdSendGrant.ATTRIBUTE);
        RateLimitDecision decision = limiter.limiter().tryAcquire("account:" + grant.accountId());
        RateLimitDecision.Window window = decision.window(RATE_WINDOW);
        if (!decision.allowed()) {
            SimResponse tooMany = LaravelErrors.message(429, LaravelErrors.TOO_MANY_ATTEMPTS);
            if (!s.rateLimitHeaders()) {
                return tooMany;
            }
            Instant resetAt = window.resetAt();
            long resetEpoch = resetAt.getEpochSecond() + (resetAt.getNano() > 0 ? 1 : 0);
            return tooMany.withHeaders(Map.of(
                    "Retry-After", clock.retryAfterHeader(decision.retryAfter(), 1),
                    "X-RateLimit-Reset", Long.toString(resetEpoch),
                    "X-RateLimit-Limit", Integer.toString(window.limit()),
                    "X-RateLimit-Remaining", "0"));
        }
        SimResponse response = next.proceed(request);
        if (!s.rateLimitHeaders() || response.isAbort()) {
            return response;
        }
        // IfAbsent: an injected 429 already says "0 remaining", which is what a real 429 would say.
        return response.withHeaderIfAbsent("X-RateLimit-Limit", Integer.toString(window.limit()))
                .withHeaderIfAbsent("X-RateLimit-Remaining", Integer.toString(window.remaining()));
    }

    private SimResponse checkScope(SimRequest request) {
        if (BirdSendOperations.isOAuth(request.operation()) || !settings.enforceScopes()) {
            return null;
        }
        BirdSendScope needed = "GET".equals(request.method()) || "HEAD".equals(request.method())
                ? BirdSendScope.READ : BirdSendScope.WRITE;
        BirdSendGrant grant = request.attribute(BirdSendGrant.ATTRIBUTE);
        return grant.allows(needed) ? null : LaravelErrors.missingScope();
    }

    private Limiter newLimiter(BirdSendSettings s) {
        RateLimitWindow window = s.rateLimitSlidingWindow()
                ? RateLimitWindow.sliding(RATE_WINDOW, s.rateLimitPerSecond(), Duration.ofSeconds(1))
                : RateLimitWindow.fixed(RATE_WINDOW, s.rateLimitPerSecond(), Duration.ofSeconds(1));
        return new Limiter(new RateLimiter(clock, window), s.rateLimitPerSecond(), s.rateLimitSlidingWindow());
    }

    // --- Laravel-shaped answers for what the core produces ---------------------------------------

    /** Laravel's texts for an unknown route and for a known route with the wrong method. */
    private static SimResponse unmatched(SimRequest request, int status, Set<String> allowed) {
        String route = request.path().startsWith("/") ? request.path().substring(1) : request.path();
        return status == 405
                ? LaravelErrors.message(405, "The " + request.method() + " method is not supported for route "
                        + route + ". Supported methods: " + String.join(", ", allowed) + ".")
                : LaravelErrors.message(404, "The route " + route + " could not be found.");
    }

    private static SimResponse faultResponse(SimRequest request, FaultInjector.Decision fault) {
        return switch (fault.status()) {
            case 429 -> LaravelErrors.message(429, LaravelErrors.TOO_MANY_ATTEMPTS)
                    .withHeader("X-RateLimit-Remaining", "0");
            case 500 -> LaravelErrors.message(500, "Server Error");
            case 503 -> LaravelErrors.message(503, "Service Unavailable");
            default -> LaravelErrors.message(fault.status(), reason(fault.status()));
        };
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> LaravelErrors.UNAUTHENTICATED;
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 422 -> "The given data was invalid.";
            case 502 -> "Bad Gateway";
            case 504 -> "Gateway Timeout";
            default -> status >= 500 ? "Server Error" : "Client Error";
        };
    }

    private SimResponse mapException(SimRequest request, Exception error) {
        if (error instanceof MalformedBodyException) {
            String message = "The request body is not valid JSON.";
            if (settings.malformedJsonStatus() == 400) {
                return LaravelErrors.message(400, message);
            }
            ObjectNode body = SimJson.object().put("message", message);
            body.putObject("errors").putArray("body").add(message);
            return SimResponse.json(422, body);
        }
        return null;
    }

    private static Set<BirdSendScope> toSet(BirdSendScope... scopes) {
        Set<BirdSendScope> set = EnumSet.noneOf(BirdSendScope.class);
        set.addAll(List.of(scopes));
        return set;
    }

    // --- builder ---------------------------------------------------------------------------------

    /** Options for a new simulator; every one has a default. */
    public static final class Builder {
        private SimClock clock = SimClock.system();
        private BirdSendSettings settings = BirdSendSettings.DEFAULTS;
        private String accountEmail = "owner@example.com";
        private String accountFirstName = "Ada";
        private String accountLastName = "O'Connor";
        private String accountCompany = "Example Café Ltd";
        private String accountTimezone = "Europe/Dublin";

        private Builder() {
        }

        public Builder clock(SimClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder settings(BirdSendSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** The account that exists from the start ({@link #defaultAccountId()}). */
        public Builder defaultAccount(String email, String firstName, String lastName, String companyName,
                                      String timezone) {
            this.accountEmail = Objects.requireNonNull(email, "email");
            this.accountFirstName = firstName;
            this.accountLastName = lastName;
            this.accountCompany = companyName;
            this.accountTimezone = timezone;
            return this;
        }

        public BirdSendSimulator build() {
            return new BirdSendSimulator(this);
        }
    }
}
