package io.contactsbridge.sync;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.highlevel.StaticTokenAuthority;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.support.Waits;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.contactsbridge.simulator.birdsend.BirdSendOperations;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One bridge process in live mode syncing two connection pairs ({@code bridge.pairs}) over real HTTP: pair north is
 * HighLevel's demo location with one BirdSend account, pair south a second location of the same HighLevel (its own
 * token) with a second BirdSend account, whose contact ids overlap north's, as two real accounts' ids do.
 * <ol>
 *   <li>The start-up backfill links each pair's people by email within the pair only: each account ends up with its
 *       own location's people and each location with its own account's, nobody crosses pairs, and an email both
 *       pairs hold ({@value #SHARED_EMAIL}) exists once per pair with that pair's own name.</li>
 *   <li>While running, contacts created on each of the four sides and edits on a BirdSend contact (north) and a
 *       HighLevel contact (south) whose BirdSend ids both accounts have reach their own pair's other side within
 *       {@link #ARRIVAL}; the other pair's contact with the same BirdSend id is left untouched.</li>
 *   <li>Each pair syncs by its own mapping: south's ({@code bridge.pairs.south.mapping}) gives the HighLevel contacts
 *       it creates another source than north's, the bridge's.</li>
 *   <li>A BirdSend notification naming pair south is accepted; one naming no pair, or an unknown one, is refused (400):
 *       with several pairs a contact id alone does not say whose account it is in.</li>
 *   <li>Pair south paused ({@code POST /api/pairs/south/pause}): edits on both of its sides stay where they were made
 *       for a while, while north's edits made at the same time arrive as before; after the resume south's polls find
 *       its edits and they arrive within {@link #ARRIVAL}.</li>
 *   <li>South's BirdSend fails (503) and hangs past the response timeout while people edit both pairs: north's edits
 *       arrive as usual, south's wait (parked with the pair) and arrive once it answers again.</li>
 *   <li>South's HighLevel token revoked: north's edits arrive as usual; the status names south's connection as refused
 *       (in words, no token), south's edits wait (parked with the pair) and arrive once the token works again.</li>
 *   <li>A third pair added at run time: its two connections (a third location, a third account, whose people were not
 *       synced before) through {@code POST /api/connections} (a missing token is 400, a taken id 409, and no answer
 *       repeats a token), then the pair through {@code POST /api/pairs} with a contact mapping of its own; an id
 *       taken (409), a connection of another pair or an unknown one (400), a mapping elsewhere than a file or the jar,
 *       missing or invalid (400, nothing added) are refused, and a connection a pair uses cannot be removed (409). Its
 *       backfill ({@code POST /api/backfill?pair=west}) links its people within the pair only, by its own mapping (the
 *       HighLevel contacts it creates get west's source), and a live edit in its account reaches its location. Its
 *       mapping's location shows in {@code GET /api/pairs} and {@code pairs.west.mapping} of the status.</li>
 *   <li>The third pair removed ({@code DELETE /api/pairs/west}), then its connections: no longer listed, its edits no longer synced, north
 *       still synced. An unknown pair is 404 for {@code GET} and {@code pause}.</li>
 * </ol>
 */
class TwoPairsTest {

    private static final double TIME_SCALE = 10;
    private static final long POLL_INTERVAL_MS = 1000;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration BACKFILL_TIMEOUT = Duration.ofSeconds(60);
    /** How soon a change made while running must be on its pair's other side. */
    private static final Duration ARRIVAL = Duration.ofSeconds(20);

    private static final String NORTH = "north";
    private static final String SOUTH = "south";
    private static final String SOUTH_LOCATION_ID = "SouthLoc4mR8tZq2Wn6y";
    /** The pair added at run time, with its connections, through the API. */
    private static final String WEST = "west";
    private static final String WEST_LOCATION_ID = "WestLoc9kT3vQx7Rb2Jd";
    /**
     * How soon north's edits arrive while south's BirdSend fails and times out: the usual few seconds (poll interval,
     * journal, writes) and at most the journal's inline limit for a south event running when they came, far less than
     * a south event's retries (five attempts of the {@code 2 s} response timeout here) or an open breaker's wait.
     */
    private static final Duration ISOLATED_ARRIVAL = Duration.ofSeconds(10);
    /** How long "nothing arrives" is watched for (a pair paused or removed). */
    private static final Duration NOTHING_ARRIVES = Duration.ofSeconds(3);
    private static final String SHARED_EMAIL = "shared@example.com";
    /** The source south's own mapping gives the HighLevel contacts it creates. */
    private static final String SOUTH_SOURCE = "BirdSend South";
    /** The source west's own mapping (named when it is added through the API) gives the HighLevel contacts it creates. */
    private static final String WEST_SOURCE = "BirdSend West";
    private static final String NOTIFICATION_SECRET = UUID.randomUUID().toString().replace("-", "");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** South's HighLevel Private Integration token, revoked and reinstated in step 5d. */
    private static String southHighLevelToken;
    /** West's tokens: its connections are added through the API in step 6, not configured. */
    private static String westHighLevelToken;
    /** West's own mapping and its configured neighbour south's, as locations; an invalid mapping for a refusal. */
    private static String westMapping;
    private static String southMappingLocation;
    private static String invalidMapping;
    private static String westBirdSendToken;
    private static HighLevelSandbox highLevel;
    private static BirdSendSimulator birdSendNorth;
    private static BirdSendSimulator birdSendSouth;
    private static BirdSendSimulator birdSendWest;
    private static CrashTestBridge bridge;
    /** The admin's Basic credentials, for the /api/** calls whose answer is not 200. */
    private static String adminAuthorization;
    /** The last /api/status read, for failure messages. */
    private static final AtomicReference<JsonNode> lastStatus = new AtomicReference<>();

    /** The people each pair's two sides hold after the backfill: lower-case email to first name. */
    private static final Map<String, String> NORTH_PEOPLE = Map.of(
            "alice.north@example.com", "Alice", "bob.north@example.com", "Bob", "dave.north@example.com", "Dave",
            "erin.north@example.com", "Erin", SHARED_EMAIL, "Nora");
    private static final Map<String, String> SOUTH_PEOPLE = Map.of(
            "frank.south@example.com", "Frank", "gina.south@example.com", "Gina", "harry.south@example.com", "Harry",
            "ivy.south@example.com", "Ivy", SHARED_EMAIL, "Sam");
    /**
     * Pair west's people once its backfill ran: Olga on both sides, Pete and the shared person (a third name) in its
     * location only, Quinn in its account only.
     */
    private static final Map<String, String> WEST_PEOPLE = Map.of(
            "olga.west@example.com", "Olga", "pete.west@example.com", "Pete", "quinn.west@example.com", "Quinn",
            SHARED_EMAIL, "Wendy");
    private static final Set<String> WEST_HIGHLEVEL_SEEDED = Set.of("olga.west@example.com", "pete.west@example.com", SHARED_EMAIL);
    private static final Set<String> WEST_BIRDSEND_SEEDED = Set.of("olga.west@example.com", "quinn.west@example.com");

    @BeforeAll
    static void startSimulatorsAndBridge() throws IOException {
        SimClock clock = SimClock.scaled(TIME_SCALE);
        highLevel = HighLevelSandbox.create(clock);
        birdSendNorth = BirdSendSimulator.builder().clock(clock).build();
        birdSendSouth = BirdSendSimulator.builder().clock(clock)
                .defaultAccount("owner@south.example.com", "Sid", "South", "South Ltd", "Europe/London").build();
        birdSendWest = BirdSendSimulator.builder().clock(clock)
                .defaultAccount("owner@west.example.com", "Wes", "West", "West Ltd", "Europe/London").build();
        HighLevelState state = highLevel.simulator().state();
        state.ensureLocation(SOUTH_LOCATION_ID);
        state.ensureLocation(WEST_LOCATION_ID);
        // The demo token acts on the demo location only; the other locations have their own Private Integration tokens.
        southHighLevelToken = highLevel.oauth().issuePrivateIntegrationToken(SOUTH_LOCATION_ID,
                StaticTokenAuthority.ALL_SCOPES);
        westHighLevelToken = highLevel.oauth().issuePrivateIntegrationToken(WEST_LOCATION_ID,
                StaticTokenAuthority.ALL_SCOPES);
        String northBirdSendToken = birdSendNorth.issuePersonalAccessToken();
        String southBirdSendToken = birdSendSouth.issuePersonalAccessToken();
        westBirdSendToken = birdSendWest.issuePersonalAccessToken();

        // Before the start, as pre-existing data (no events). The default mapping (email, names, tags, DND) needs
        // only what every location and account has, so neither side needs extra fields.
        // North: Alice and the shared person on both sides, Bob in HighLevel only, Dave and Erin in BirdSend only.
        state.seedContacts(HighLevelState.DEMO_LOCATION_ID, List.of(
                highLevelPerson("Alice", "North", "alice.north@example.com"),
                highLevelPerson("Bob", "North", "bob.north@example.com"),
                highLevelPerson("Nora", "Shared", SHARED_EMAIL)));
        seedBirdSend(birdSendNorth, List.of(
                BirdSendNewContact.of("alice.north@example.com", "Alice", "North"),
                BirdSendNewContact.of("dave.north@example.com", "Dave", "North"),
                BirdSendNewContact.of("erin.north@example.com", "Erin", "North"),
                BirdSendNewContact.of(SHARED_EMAIL, "Nora", "Shared")));
        // South: Frank on both sides, Gina and Harry in HighLevel only, Ivy and the shared person (another name) in
        // BirdSend only. South's account numbers its contacts as north's does: ids overlap.
        state.seedContacts(SOUTH_LOCATION_ID, List.of(
                highLevelPerson("Frank", "South", "frank.south@example.com"),
                highLevelPerson("Gina", "South", "gina.south@example.com"),
                highLevelPerson("Harry", "South", "harry.south@example.com")));
        seedBirdSend(birdSendSouth, List.of(
                BirdSendNewContact.of("frank.south@example.com", "Frank", "South"),
                BirdSendNewContact.of("ivy.south@example.com", "Ivy", "South"),
                BirdSendNewContact.of(SHARED_EMAIL, "Sam", "Shared")));
        // West (no pair until step 6): Olga on both sides, Pete and the shared person (a third name) in HighLevel only,
        // Quinn in BirdSend only. Its account's ids overlap the others'.
        state.seedContacts(WEST_LOCATION_ID, List.of(
                highLevelPerson("Olga", "West", "olga.west@example.com"),
                highLevelPerson("Pete", "West", "pete.west@example.com"),
                highLevelPerson("Wendy", "Shared", SHARED_EMAIL)));
        seedBirdSend(birdSendWest, List.of(
                BirdSendNewContact.of("olga.west@example.com", "Olga", "West"),
                BirdSendNewContact.of("quinn.west@example.com", "Quinn", "West")));

        highLevel.simulator().start(0);
        birdSendNorth.start(0);
        birdSendSouth.start(0);
        birdSendWest.start(0);

        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("two-pairs"));
        String adminPassword = UUID.randomUUID().toString();
        adminAuthorization = "Basic " + Base64.getEncoder()
                .encodeToString(("admin:" + adminPassword).getBytes(StandardCharsets.UTF_8));
        int port = CrashTestBridge.freePort();
        // No spring.datasource.url: the live default store, an H2 file under the run folder.
        Map<String, String> settings = CrashTestBridge.liveSettings("two-pairs", port, adminPassword,
                highLevel.simulator().baseUrl(), birdSendNorth.apiBaseUrl(), northBirdSendToken,
                highLevel.webhooks().keys());
        // Not the single highlevel/birdsend connections liveSettings points at the simulators: those (the packaged
        // defaults, without tokens) stay, in no pair. Four connections of their own, two pairs: west's two connections
        // and its pair are added through the API in step 6.
        settings.keySet().removeIf(key -> key.startsWith("bridge.connections."));
        putHighLevelConnection(settings, "hl-north", HighLevelState.DEMO_LOCATION_ID, StaticTokenAuthority.DEMO_TOKEN);
        putHighLevelConnection(settings, "hl-south", SOUTH_LOCATION_ID, southHighLevelToken);
        putBirdSendConnection(settings, "bs-north", birdSendNorth.apiBaseUrl(), northBirdSendToken);
        putBirdSendConnection(settings, "bs-south", birdSendSouth.apiBaseUrl(), southBirdSendToken);
        settings.put("bridge.pairs." + NORTH + ".highlevel-connection", "hl-north");
        settings.put("bridge.pairs." + NORTH + ".birdsend-connection", "bs-north");
        settings.put("bridge.pairs." + SOUTH + ".highlevel-connection", "hl-south");
        settings.put("bridge.pairs." + SOUTH + ".birdsend-connection", "bs-south");
        settings.put("bridge.birdsend.notification.secret", NOTIFICATION_SECRET);
        // South's own mapping: the bridge's, but the HighLevel contacts it creates get another source.
        String defaultMapping = new String(Objects.requireNonNull(TwoPairsTest.class.getResourceAsStream("/mapping/contacts.yaml"))
                .readAllBytes(), StandardCharsets.UTF_8);
        assertThat(defaultMapping).contains("default: BirdSend\n");
        Path southMapping = runDir.resolve("south-mapping.yaml");
        java.nio.file.Files.writeString(southMapping, defaultMapping.replace("default: BirdSend\n", "default: " + SOUTH_SOURCE + "\n"));
        southMappingLocation = southMapping.toUri().toString();
        settings.put("bridge.pairs." + SOUTH + ".mapping", southMappingLocation);
        // West's, named when west is added through the API; and one with a mistake, which is refused.
        Path west = runDir.resolve("west-mapping.yaml");
        java.nio.file.Files.writeString(west, defaultMapping.replace("default: BirdSend\n", "default: " + WEST_SOURCE + "\n"));
        westMapping = west.toUri().toString();
        Path invalid = runDir.resolve("invalid-mapping.yaml");
        java.nio.file.Files.writeString(invalid, defaultMapping.replace("direction: to-highlevel", "direction: sideways"));
        invalidMapping = invalid.toUri().toString();
        CrashTestBridge.putLiveSyncSettings(settings, POLL_INTERVAL_MS);
        CrashTestBridge.putRestartSettings(settings);
        // Step 5c: a BirdSend call that hangs fails after 2 s (30 s live); an open breaker tries again after 3 s and a
        // parked pair's events after at most 4 s (30 s and 5 min live), so the test sees south recover in seconds.
        settings.put("bridge.outbound.birdsend.response-timeout", "2s");
        settings.put("camel.resilience4j.configurations.birdsend.wait-duration-in-open-state", "3");
        settings.put("bridge.journal.retry-max-delay", "4s");
        // One pair's backfill at a time: the other's start-up backfill waits, queued, then runs.
        settings.put("bridge.sync.backfill.concurrent-pairs", "1");
        bridge = new CrashTestBridge(runDir, port, adminPassword, settings);
        // One HighLevel, one webhook URL for both locations: the bridge tells them apart by the payload's locationId.
        highLevel.webhooks().setTargetUrl(bridge.baseUrl() + "/webhooks/highlevel");
    }

    @AfterAll
    static void stopEverything() {
        if (bridge != null) {
            bridge.close();
        }
        if (highLevel != null) {
            highLevel.close();
        }
        for (BirdSendSimulator b : new BirdSendSimulator[] {birdSendNorth, birdSendSouth, birdSendWest}) {
            if (b != null) {
                b.stop();
            }
        }
    }

    @Test
    void eachPairSyncsItsOwnLocationWithItsOwnAccountAndNothingCrosses() throws Exception {
        try {
            runScenario();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n--- last /api/status\n" + lastStatus.get() + "\n--- bridge\n"
                    + bridge.logTail(60), e);
        }
    }

    private void runScenario() throws Exception {
        // ---- 1. start; each pair's backfill links its own people ---------------------------------------------------
        bridge.start();
        bridge.awaitHealthy(START_TIMEOUT);
        awaitBackfills();
        assertThat(bridge.logContains("queued: 1 pairs' backfills work at once")).as("one start-up backfill waited for the "
                + "other's (bridge.sync.backfill.concurrent-pairs=1)").isTrue();
        Waits.until("each pair's people on both of its sides", Duration.ofSeconds(20), () -> hasPeople(NORTH_PEOPLE.keySet(),
                SOUTH_PEOPLE.keySet()));

        // ---- 2. each side holds exactly its own pair's people --------------------------------------------------------
        assertPeople("north HighLevel", emails(highLevelContacts(NORTH)), NORTH_PEOPLE.keySet());
        assertPeople("north BirdSend", birdSendEmails(birdSendNorth), NORTH_PEOPLE.keySet());
        assertPeople("south HighLevel", emails(highLevelContacts(SOUTH)), SOUTH_PEOPLE.keySet());
        assertPeople("south BirdSend", birdSendEmails(birdSendSouth), SOUTH_PEOPLE.keySet());
        for (Map.Entry<String, String> p : NORTH_PEOPLE.entrySet()) {
            assertThat(highLevelFirstName(NORTH, p.getKey())).as("north HighLevel first name of %s", p.getKey()).isEqualTo(p.getValue());
            assertThat(birdSendByEmail(birdSendNorth, p.getKey()).map(BirdSendContactView::firstName))
                    .as("north BirdSend first name of %s", p.getKey()).contains(p.getValue());
        }
        for (Map.Entry<String, String> p : SOUTH_PEOPLE.entrySet()) {
            assertThat(highLevelFirstName(SOUTH, p.getKey())).as("south HighLevel first name of %s", p.getKey()).isEqualTo(p.getValue());
            assertThat(birdSendByEmail(birdSendSouth, p.getKey()).map(BirdSendContactView::firstName))
                    .as("south BirdSend first name of %s", p.getKey()).contains(p.getValue());
        }

        // ---- 3. changes while running arrive in their own pair only --------------------------------------------------
        String run = Long.toString(System.currentTimeMillis() % 100_000, 36);
        // The north BirdSend contact edited has an id south's account has too (another person there).
        BirdSendContactView dave = birdSendByEmail(birdSendNorth, "dave.north@example.com").orElseThrow();
        BirdSendContactView southTwinOfDave = birdSendSouth.contact(dave.contactId()).orElseThrow(() -> new AssertionError(
                "south's account has no contact " + dave.contactId() + " (expected overlapping ids): " + birdSendSouth.contacts()));
        // The south HighLevel contact edited is linked to a BirdSend id north's account has too.
        BirdSendContactView frank = birdSendByEmail(birdSendSouth, "frank.south@example.com").orElseThrow();
        BirdSendContactView northTwinOfFrank = birdSendNorth.contact(frank.contactId()).orElseThrow(() -> new AssertionError(
                "north's account has no contact " + frank.contactId() + " (expected overlapping ids): " + birdSendNorth.contacts()));
        ObjectNode southTwinOfDaveInHighLevel = highLevelByEmail(SOUTH, southTwinOfDave.email()).orElseThrow();
        ObjectNode northTwinOfFrankInHighLevel = highLevelByEmail(NORTH, northTwinOfFrank.email()).orElseThrow();

        String kim = "kim.north." + run + "@example.com";
        String lee = "lee.south." + run + "@example.com";
        String mia = "mia.north." + run + "@example.com";
        String ned = "ned.south." + run + "@example.com";
        String daveName = "Dave" + run;
        String daveTag = "north-edit-" + run;
        String frankLastName = "South" + run;
        Instant edited = Instant.now();
        highLevel.simulator().state().createContactAsUser(HighLevelState.DEMO_LOCATION_ID,
                SimJson.object().put("firstName", "Kim").put("lastName", "North").put("email", kim));
        highLevel.simulator().state().createContactAsUser(SOUTH_LOCATION_ID,
                SimJson.object().put("firstName", "Lee").put("lastName", "South").put("email", lee));
        birdSendNorth.seedContact(BirdSendNewContact.of(mia, "Mia", "North"));
        birdSendSouth.seedContact(BirdSendNewContact.of(ned, "Ned", "South"));
        birdSendNorth.editContact(dave.contactId(), BirdSendContactEdit.change().field("first_name", daveName).addTags(daveTag));
        String frankHighLevelId = highLevelByEmail(SOUTH, "frank.south@example.com").orElseThrow().path("id").asText();
        highLevel.simulator().state().editContactAsUser(frankHighLevelId, SimJson.object().put("lastName", frankLastName));

        arrives("Kim (new in north HighLevel) in north BirdSend", edited,
                () -> birdSendByEmail(birdSendNorth, kim).map(BirdSendContactView::firstName).filter("Kim"::equals).isPresent());
        arrives("Lee (new in south HighLevel) in south BirdSend", edited,
                () -> birdSendByEmail(birdSendSouth, lee).map(BirdSendContactView::firstName).filter("Lee"::equals).isPresent());
        arrives("Mia (new in north BirdSend) in north HighLevel", edited, () -> "Mia".equals(highLevelFirstName(NORTH, mia)));
        arrives("Ned (new in south BirdSend) in south HighLevel", edited, () -> "Ned".equals(highLevelFirstName(SOUTH, ned)));
        arrives("north BirdSend contact " + dave.contactId() + "'s new first name and tag in north HighLevel", edited,
                () -> daveName.equals(highLevelFirstName(NORTH, "dave.north@example.com"))
                        && highLevelByEmail(NORTH, "dave.north@example.com").map(c -> hasTag(c, daveTag)).orElse(false));
        arrives("south HighLevel contact " + frankHighLevelId + "'s new last name in south BirdSend", edited,
                () -> frankLastName.equals(birdSendSouth.contact(frank.contactId()).map(BirdSendContactView::lastName).orElse(null)));
        Duration arrival = Duration.between(edited, Instant.now());
        // Each pair syncs by its own mapping: south's (bridge.pairs.south.mapping) gives the HighLevel contacts it
        // creates another source than the bridge's mapping, which north uses.
        assertThat(highLevelByEmail(SOUTH, ned).map(c -> c.path("source").asText(null))).as("source of Ned, created in "
                + "south HighLevel by south's own mapping").contains(SOUTH_SOURCE);
        assertThat(highLevelByEmail(NORTH, mia).map(c -> c.path("source").asText(null))).as("source of Mia, created in "
                + "north HighLevel by the bridge's mapping").contains("BirdSend");
        assertThat(pairStatus(status().path("pairs"), SOUTH).path("mapping").asText()).as("pairs.south.mapping")
                .contains("south-mapping.yaml");

        Map<String, String> northNow = new HashMap<>(NORTH_PEOPLE);
        northNow.put(kim, "Kim");
        northNow.put(mia, "Mia");
        Map<String, String> southNow = new HashMap<>(SOUTH_PEOPLE);
        southNow.put(lee, "Lee");
        southNow.put(ned, "Ned");
        // Nothing crossed, nor does it a little later (an echo or a late event of the wrong pair).
        Waits.holds("the other pair untouched by each change", Duration.ofSeconds(3), Duration.ofSeconds(5),
                () -> otherPairUntouched(southTwinOfDave, southTwinOfDaveInHighLevel, northTwinOfFrank,
                        northTwinOfFrankInHighLevel, daveTag, northNow.keySet(), southNow.keySet()));
        assertThat(birdSendSouth.contact(dave.contactId()).map(BirdSendContactView::firstName))
                .as("south BirdSend contact %d (the id edited in north)", dave.contactId()).contains(southTwinOfDave.firstName());
        assertThat(highLevelByEmail(SOUTH, southTwinOfDave.email()).map(c -> c.path("firstName").asText()))
                .as("south HighLevel partner of BirdSend contact %d", dave.contactId()).contains(southTwinOfDaveInHighLevel.path("firstName").asText());
        assertThat(highLevelByEmail(SOUTH, southTwinOfDave.email()).map(c -> hasTag(c, daveTag)))
                .as("south HighLevel partner of BirdSend contact %d has north's new tag", dave.contactId()).contains(false);
        assertThat(birdSendNorth.contact(frank.contactId()).map(BirdSendContactView::lastName))
                .as("north BirdSend contact %d (the id edited in south)", frank.contactId()).contains(northTwinOfFrank.lastName());
        assertPeople("north HighLevel", emails(highLevelContacts(NORTH)), northNow.keySet());
        assertPeople("north BirdSend", birdSendEmails(birdSendNorth), northNow.keySet());
        assertPeople("south HighLevel", emails(highLevelContacts(SOUTH)), southNow.keySet());
        assertPeople("south BirdSend", birdSendEmails(birdSendSouth), southNow.keySet());

        // ---- 4. a BirdSend notification names its pair ---------------------------------------------------------------
        HttpResponse<String> forSouth = notifyBirdSend("{\"contactId\": " + southTwinOfDave.contactId() + ", \"pair\": \"south\"}");
        assertThat(forSouth.statusCode()).as("notification for pair south: %s", forSouth.body()).isEqualTo(200);
        HttpResponse<String> noPair = notifyBirdSend("{\"contactId\": " + southTwinOfDave.contactId() + "}");
        assertThat(noPair.statusCode()).as("notification naming no pair: %s", noPair.body()).isEqualTo(400);
        assertThat(JSON.readTree(noPair.body()).path("error").asText()).isEqualTo("missing_pair");
        HttpResponse<String> unknownPair = notifyBirdSend("{\"contactId\": " + southTwinOfDave.contactId() + ", \"pair\": \"west\"}");
        assertThat(unknownPair.statusCode()).as("notification naming an unknown pair: %s", unknownPair.body()).isEqualTo(400);
        // The notified contact is synced in south: nothing changes, nothing is created in either pair.
        Waits.holds("every side keeps its people after the notification", Duration.ofSeconds(2), Duration.ofSeconds(5),
                () -> eachSideHolds(northNow.keySet(), southNow.keySet()));

        // ---- 5. pair south paused: its edits wait, north's arrive; after the resume south's arrive ----------------------
        JsonNode paused = api("POST", "/api/pairs/" + SOUTH + "/pause", null, 200);
        assertThat(paused.path("paused").asBoolean(false)).as("POST /api/pairs/south/pause answered %s", paused).isTrue();
        assertThat(pairStatus(status().path("pairs"), SOUTH).path("state").asText()).as("status of pair south after the pause")
                .isEqualTo("paused");
        assertThat(api("GET", "/api/pairs/" + SOUTH, null, 200).path("paused").asBoolean(false)).as("GET /api/pairs/south: paused")
                .isTrue();
        String ivyName = "Ivy" + run;
        String ginaName = "Gina" + run;
        String erinName = "Erin" + run;
        String bobName = "Bob" + run;
        long ivyId = birdSendByEmail(birdSendSouth, "ivy.south@example.com").orElseThrow().contactId();
        String ginaHighLevelId = highLevelByEmail(SOUTH, "gina.south@example.com").orElseThrow().path("id").asText();
        long erinId = birdSendByEmail(birdSendNorth, "erin.north@example.com").orElseThrow().contactId();
        String bobHighLevelId = highLevelByEmail(NORTH, "bob.north@example.com").orElseThrow().path("id").asText();
        Optional<String> northTwinOfIvy = birdSendNorth.contact(ivyId).map(BirdSendContactView::firstName);
        Optional<String> southTwinOfErin = birdSendSouth.contact(erinId).map(BirdSendContactView::firstName);
        Instant pausedEdits = Instant.now();
        birdSendSouth.editContact(ivyId, BirdSendContactEdit.change().field("first_name", ivyName));
        highLevel.simulator().state().editContactAsUser(ginaHighLevelId, SimJson.object().put("firstName", ginaName));
        birdSendNorth.editContact(erinId, BirdSendContactEdit.change().field("first_name", erinName));
        highLevel.simulator().state().editContactAsUser(bobHighLevelId, SimJson.object().put("firstName", bobName));
        BooleanSupplier southWaits = () -> "Ivy".equals(highLevelFirstName(SOUTH, "ivy.south@example.com"))
                && birdSendByEmail(birdSendSouth, "gina.south@example.com").map(BirdSendContactView::firstName).filter("Gina"::equals).isPresent()
                && birdSendSouth.contact(ivyId).map(BirdSendContactView::firstName).filter(ivyName::equals).isPresent()
                && ginaName.equals(highLevelFirstName(SOUTH, "gina.south@example.com"));
        arrives("north's edits made while south is paused (BirdSend contact " + erinId + "'s first name in north HighLevel,"
                + " HighLevel contact " + bobHighLevelId + "'s in north BirdSend), paused south's not", pausedEdits, () -> {
                    if (!southWaits.getAsBoolean()) {
                        throw new AssertionError("an edit of paused pair south reached its other side (south HighLevel Ivy: "
                                + highLevelFirstName(SOUTH, "ivy.south@example.com") + ", south BirdSend Gina: "
                                + birdSendByEmail(birdSendSouth, "gina.south@example.com").map(BirdSendContactView::firstName)
                                + ")");
                    }
                    return erinName.equals(highLevelFirstName(NORTH, "erin.north@example.com"))
                            && birdSendByEmail(birdSendNorth, "bob.north@example.com").map(BirdSendContactView::firstName)
                                    .filter(bobName::equals).isPresent();
                });
        Duration northWhileSouthPaused = Duration.between(pausedEdits, Instant.now());
        Waits.holds("paused pair south's edits (BirdSend contact " + ivyId + "'s first name, HighLevel contact " + ginaHighLevelId
                + "'s) not on its other side", NOTHING_ARRIVES, Duration.ofSeconds(5), southWaits);
        assertThat(pairStatus(status().path("pairs"), SOUTH).path("state").asText()).as("status of pair south while paused")
                .isEqualTo("paused");
        JsonNode resumed = api("POST", "/api/pairs/" + SOUTH + "/resume", null, 200);
        Instant resumedAt = Instant.now();
        assertThat(resumed.path("paused").asBoolean(true)).as("POST /api/pairs/south/resume answered %s", resumed).isFalse();
        arrives("south BirdSend contact " + ivyId + "'s first name (edited while paused) in south HighLevel after the resume",
                resumedAt, () -> ivyName.equals(highLevelFirstName(SOUTH, "ivy.south@example.com")));
        arrives("south HighLevel contact " + ginaHighLevelId + "'s first name (edited while paused) in south BirdSend after the"
                + " resume", resumedAt, () -> birdSendByEmail(birdSendSouth, "gina.south@example.com")
                .map(BirdSendContactView::firstName).filter(ginaName::equals).isPresent());
        Duration southAfterResume = Duration.between(resumedAt, Instant.now());
        Waits.until("pair south running again", Duration.ofSeconds(10),
                () -> "running".equals(pairStatus(status().path("pairs"), SOUTH).path("state").asText()), Duration.ofMillis(250));
        // Each edit in its own pair only: nobody was created, the other pairs' contacts with these ids keep their names.
        assertThat(eachSideHolds(northNow.keySet(), southNow.keySet())).as("each side holds its own pair's people after the pause")
                .isTrue();
        assertThat(birdSendNorth.contact(ivyId).map(BirdSendContactView::firstName))
                .as("north BirdSend contact %d (the id edited in south)", ivyId).isEqualTo(northTwinOfIvy);
        assertThat(birdSendSouth.contact(erinId).map(BirdSendContactView::firstName))
                .as("south BirdSend contact %d (the id edited in north)", erinId).isEqualTo(southTwinOfErin);

        // ---- 5b. a change the sync was still retrying when the pause began arrives after the resume ----------------------
        // South's BirdSend refuses updates (503): the sync keeps the HighLevel edit and retries it. Paused then, the sync
        // skips the event, and no poll will report the edit again (the webhook and the poll were its only records); the
        // resume hands the contact to the sync again.
        birdSendSouth.faults().configure(FaultConfig.builder().operations(BirdSendOperations.UPDATE_CONTACT)
                .errorRate(503, 1.0).build());
        String harryHighLevelId = highLevelByEmail(SOUTH, "harry.south@example.com").orElseThrow().path("id").asText();
        long harryId = birdSendByEmail(birdSendSouth, "harry.south@example.com").orElseThrow().contactId();
        String harryLastName = "Retried" + run;
        Instant refusedFrom = Instant.now();
        try {
            highLevel.simulator().state().editContactAsUser(harryHighLevelId, SimJson.object().put("lastName", harryLastName));
            Waits.until("south BirdSend refused the sync's update of contact " + harryId, Duration.ofSeconds(20),
                    () -> birdSendSouth.server().calls().recent(BirdSendOperations.UPDATE_CONTACT).stream()
                            .anyMatch(r -> !r.receivedAt().isBefore(refusedFrom) && r.status() == 503), Duration.ofMillis(100));
            // Two poll rounds after the edit: the poll has taken it in too, and its cursor is past it (so after the
            // resume no poll reports it again; only the hand-over brings it).
            Instant refused = Instant.now();
            Waits.until("two HighLevel poll rounds after the refused update", Duration.ofSeconds(20),
                    () -> highLevel.simulator().server().calls().recent().stream()
                            .filter(r -> "search-contacts-advanced".equals(r.operation()) && r.status() == 200)
                            .filter(r -> r.receivedAt().isAfter(refused)).count() >= 4, Duration.ofMillis(100));
            api("POST", "/api/pairs/" + SOUTH + "/pause", null, 200);
            // The refused attempt may still be retrying inside its call: the fault stays until the sync has skipped the
            // event for the pause (its next try), so the edit cannot slip through before the resume.
            String skipped = "highlevel:" + harryHighLevelId + ": SKIPPED - pair south is paused";
            Waits.until("the sync skipped the retried event of paused pair south", Duration.ofSeconds(30),
                    () -> bridge.logTail(2000).contains(skipped), Duration.ofMillis(200));
        } finally {
            birdSendSouth.faults().configure(FaultConfig.NONE);
        }
        Waits.holds("south BirdSend contact " + harryId + " without the edit while south is paused", Duration.ofSeconds(2),
                Duration.ofSeconds(5), () -> !harryLastName.equals(birdSendSouth.contact(harryId)
                        .map(BirdSendContactView::lastName).orElse(null)));
        JsonNode resumedAgain = api("POST", "/api/pairs/" + SOUTH + "/resume", null, 200);
        assertThat(resumedAgain.path("contactsHandedOver").asInt(0)).as("contacts handed to the sync again at the resume: %s",
                resumedAgain).isPositive();
        Instant secondResume = Instant.now();
        arrives("south HighLevel contact " + harryHighLevelId + "'s last name (the update refused when the pause began) in "
                + "south BirdSend after the resume", secondResume, () -> harryLastName.equals(birdSendSouth.contact(harryId)
                .map(BirdSendContactView::lastName).orElse(null)));

        // ---- 5c. south's BirdSend fails and times out: north's edits arrive on time, south's after it is back --------------
        failingSouthHoldsUpNothing(run);

        // ---- 5d. south's HighLevel token revoked: north's edits arrive on time, south's once the token works again ------
        revokedSouthTokenHoldsUpNothing(run);

        // ---- 6. a third pair, added at run time with its connections -----------------------------------------------------
        assertThat(pairIds()).as("GET /api/pairs before west is added").containsExactlyInAnyOrder(NORTH, SOUTH);
        assertThat(pairStatus(status().path("pairs"), WEST).isMissingNode()).as("/api/status names a pair west before it is added")
                .isTrue();
        // Its people were not synced while no pair had its connections (the bridge has run for a while by now).
        Waits.holds("west's location and account hold only their own seeded people while no pair has them",
                Duration.ofSeconds(2), Duration.ofSeconds(5), () -> westHolds(WEST_HIGHLEVEL_SEEDED, WEST_BIRDSEND_SEEDED));
        // Its credentials arrive through the API too: no restart from a new location and account to their sync.
        JsonNode noToken = api("POST", "/api/connections", connectionJson("hl-west", "private-integration",
                highLevel.simulator().baseUrl(), WEST_LOCATION_ID, null), 400);
        assertThat(noToken.path("error").asText()).as("POST /api/connections without a token: %s", noToken)
                .isEqualTo("invalid_connection");
        JsonNode takenId = api("POST", "/api/connections", connectionJson("hl-north", "private-integration",
                highLevel.simulator().baseUrl(), WEST_LOCATION_ID, westHighLevelToken), 409);
        assertThat(takenId.toString()).as("a refused connection's answer repeats no token").doesNotContain(westHighLevelToken);
        JsonNode hlWest = api("POST", "/api/connections", connectionJson("hl-west", "private-integration",
                highLevel.simulator().baseUrl(), WEST_LOCATION_ID, westHighLevelToken), 201);
        assertThat(hlWest.path("source").asText()).as("POST /api/connections answered %s", hlWest).isEqualTo("api");
        api("POST", "/api/connections", connectionJson("bs-west", "personal-access-token", birdSendWest.apiBaseUrl(), null,
                westBirdSendToken), 201);
        JsonNode connections = api("GET", "/api/connections", null, 200);
        assertThat(connections.toString()).as("GET /api/connections").contains("\"hl-west\"", "\"bs-west\"")
                .doesNotContain(westHighLevelToken, westBirdSendToken);
        // A mapping elsewhere than a file or the jar, missing or invalid: 400 saying what is wrong, nothing added.
        JsonNode remoteMapping = api("POST", "/api/pairs", pairJson(WEST, "hl-west", "bs-west",
                "http://config.example.com/west.yaml"), 400);
        assertThat(remoteMapping.path("error").asText()).as("POST /api/pairs with an http: mapping: %s", remoteMapping)
                .isEqualTo("invalid_mapping");
        assertThat(remoteMapping.path("message").asText()).as("POST /api/pairs with an http: mapping: %s", remoteMapping)
                .contains("file: or classpath:");
        JsonNode missingMapping = api("POST", "/api/pairs", pairJson(WEST, "hl-west", "bs-west",
                westMapping.replace("west-mapping", "nowhere")), 400);
        assertThat(missingMapping.path("message").asText()).as("POST /api/pairs with a missing mapping: %s", missingMapping)
                .contains("nowhere.yaml does not exist");
        JsonNode badMapping = api("POST", "/api/pairs", pairJson(WEST, "hl-west", "bs-west", invalidMapping), 400);
        assertThat(badMapping.path("error").asText()).as("POST /api/pairs with an invalid mapping: %s", badMapping)
                .isEqualTo("invalid_mapping");
        assertThat(badMapping.path("message").asText()).as("POST /api/pairs with an invalid mapping: %s", badMapping)
                .contains("invalid-mapping.yaml cannot be used: line ").contains("unknown direction 'sideways'");
        api("GET", "/api/pairs/" + WEST, null, 404);
        JsonNode added = api("POST", "/api/pairs", pairJson(WEST, "hl-west", "bs-west", westMapping), 201);
        JsonNode inUse = api("DELETE", "/api/connections/bs-west", null, 409);
        assertThat(inUse.path("error").asText()).as("DELETE /api/connections/bs-west while pair west uses it: %s", inUse)
                .isEqualTo("connection_in_use");
        assertThat(added.path("id").asText()).as("POST /api/pairs answered %s", added).isEqualTo(WEST);
        assertThat(added.path("highlevelConnection").asText()).as("POST /api/pairs answered %s", added).isEqualTo("hl-west");
        assertThat(added.path("birdsendConnection").asText()).as("POST /api/pairs answered %s", added).isEqualTo("bs-west");
        assertThat(added.path("paused").asBoolean(true)).as("POST /api/pairs answered %s", added).isFalse();
        assertThat(added.path("mapping").asText()).as("POST /api/pairs answered %s", added).isEqualTo(westMapping);
        assertThat(api("GET", "/api/pairs/" + WEST, null, 200).path("mapping").asText()).as("GET /api/pairs/west: mapping")
                .isEqualTo(westMapping);
        JsonNode listed = api("GET", "/api/pairs", null, 200).path("pairs");
        assertThat(pairStatus(listed, WEST).path("mapping").asText()).as("GET /api/pairs: west's mapping").isEqualTo(westMapping);
        assertThat(pairStatus(listed, SOUTH).path("mapping").asText()).as("GET /api/pairs: south's (configured) mapping")
                .isEqualTo(southMappingLocation);
        assertThat(pairStatus(listed, NORTH).path("mapping").isNull()).as("GET /api/pairs: north has none of its own: %s",
                listed).isTrue();
        JsonNode taken = api("POST", "/api/pairs", pairJson(WEST, "hl-west", "bs-west"), 409);
        assertThat(taken.path("error").asText()).as("POST /api/pairs of id west again: %s", taken).isEqualTo("pair_exists");
        JsonNode northsConnections = api("POST", "/api/pairs", pairJson("east", "hl-north", "bs-north"), 400);
        assertThat(northsConnections.path("error").asText()).as("POST /api/pairs of north's connections: %s", northsConnections)
                .isEqualTo("invalid_pair");
        assertThat(northsConnections.path("message").asText()).as("POST /api/pairs of north's connections: %s", northsConnections)
                .contains("north");
        JsonNode unknownConnections = api("POST", "/api/pairs", pairJson("east", "hl-nowhere", "bs-nowhere"), 400);
        assertThat(unknownConnections.path("error").asText()).as("POST /api/pairs of unknown connections: %s", unknownConnections)
                .isEqualTo("invalid_pair");
        assertThat(unknownConnections.path("message").asText()).as("POST /api/pairs of unknown connections: %s", unknownConnections)
                .contains("hl-nowhere");
        assertThat(pairIds()).as("GET /api/pairs after west is added (and east refused)").containsExactlyInAnyOrder(NORTH, SOUTH, WEST);
        api("GET", "/api/pairs/east", null, 404);
        // With bridge.sync.backfill.on-startup the added pair's backfill may have started by itself already (409 then,
        // with its progress); either way it runs now.
        JsonNode westBackfill = api("POST", "/api/backfill?pair=" + WEST, null, 202, 409);
        JsonNode westProgress = westBackfill.has("progress") ? westBackfill.path("progress") : westBackfill;
        assertThat(westProgress.path("state").asText()).as("POST /api/backfill?pair=west answered %s", westBackfill)
                .isIn("running", "done");
        Instant westBackfillStarted = Instant.now();
        awaitBackfill(WEST, WEST_PEOPLE.size());
        Duration westBackfillTook = Duration.between(westBackfillStarted, Instant.now());
        Waits.until("west's people on both of its sides", Duration.ofSeconds(10),
                () -> westHolds(WEST_PEOPLE.keySet(), WEST_PEOPLE.keySet()));
        assertPeople("west HighLevel", emails(highLevelContacts(WEST)), WEST_PEOPLE.keySet());
        assertPeople("west BirdSend", birdSendEmails(birdSendWest), WEST_PEOPLE.keySet());
        for (Map.Entry<String, String> p : WEST_PEOPLE.entrySet()) {
            assertThat(highLevelFirstName(WEST, p.getKey())).as("west HighLevel first name of %s", p.getKey()).isEqualTo(p.getValue());
            assertThat(birdSendByEmail(birdSendWest, p.getKey()).map(BirdSendContactView::firstName))
                    .as("west BirdSend first name of %s", p.getKey()).contains(p.getValue());
        }
        // By west's own mapping, named when it was added: Quinn (in its account only) is created in its location
        // with west's source.
        assertThat(highLevelByEmail(WEST, "quinn.west@example.com").map(c -> c.path("source").asText(null)))
                .as("source of Quinn, created in west HighLevel by west's own mapping").contains(WEST_SOURCE);
        assertThat(pairStatus(status().path("pairs"), WEST).path("mapping").asText()).as("pairs.west.mapping")
                .isEqualTo(westMapping);
        assertThat(pairStatus(status().path("pairs"), NORTH).path("mapping").asText()).as("pairs.north.mapping: the bridge's")
                .isEqualTo(status().path("sync").path("mapping").asText());
        // Within west only: north's and south's sides hold what they held, the shared person keeps each pair's name.
        assertThat(eachSideHolds(northNow.keySet(), southNow.keySet())).as("north's and south's people after west's backfill")
                .isTrue();
        assertThat(highLevelFirstName(NORTH, SHARED_EMAIL)).as("north HighLevel first name of %s", SHARED_EMAIL).isEqualTo("Nora");
        assertThat(highLevelFirstName(SOUTH, SHARED_EMAIL)).as("south HighLevel first name of %s", SHARED_EMAIL).isEqualTo("Sam");
        assertThat(birdSendByEmail(birdSendNorth, SHARED_EMAIL).map(BirdSendContactView::firstName)).as("north BirdSend %s", SHARED_EMAIL)
                .contains("Nora");
        assertThat(birdSendByEmail(birdSendSouth, SHARED_EMAIL).map(BirdSendContactView::firstName)).as("south BirdSend %s", SHARED_EMAIL)
                .contains("Sam");
        // A live edit in west's account reaches west's location. Its first scan of the account (the baseline, which
        // records what is there without reporting it) must have been made before, or it would take the edit in.
        Waits.until("the bridge's first scan of account bs-west (its baseline) recorded", Duration.ofSeconds(10),
                () -> bridge.logContains("BirdSend baseline of connection bs-west recorded"), Duration.ofMillis(250));
        BirdSendContactView quinn = birdSendByEmail(birdSendWest, "quinn.west@example.com").orElseThrow();
        Optional<String> northQuinnTwin = birdSendNorth.contact(quinn.contactId()).map(BirdSendContactView::firstName);
        String quinnName = "Quinn" + run;
        Instant westEdited = Instant.now();
        birdSendWest.editContact(quinn.contactId(), BirdSendContactEdit.change().field("first_name", quinnName));
        arrives("west BirdSend contact " + quinn.contactId() + "'s first name in west HighLevel", westEdited,
                () -> quinnName.equals(highLevelFirstName(WEST, "quinn.west@example.com")));
        Duration westArrival = Duration.between(westEdited, Instant.now());
        assertThat(birdSendNorth.contact(quinn.contactId()).map(BirdSendContactView::firstName))
                .as("north BirdSend contact %d (the id edited in west)", quinn.contactId()).isEqualTo(northQuinnTwin);
        assertThat(eachSideHolds(northNow.keySet(), southNow.keySet())).as("north's and south's people after west's edit").isTrue();

        // ---- 7. the third pair removed: its edits stay where they are made, north goes on ------------------------------
        JsonNode removed = api("DELETE", "/api/pairs/" + WEST, null, 200);
        assertThat(removed.path("removed").asBoolean(false)).as("DELETE /api/pairs/west answered %s", removed).isTrue();
        assertThat(pairIds()).as("GET /api/pairs after west is removed").containsExactlyInAnyOrder(NORTH, SOUTH);
        api("GET", "/api/pairs/" + WEST, null, 404);
        // Its connections can go now; a configured one, or one a pair uses, cannot.
        api("DELETE", "/api/connections/hl-west", null, 200);
        api("DELETE", "/api/connections/bs-west", null, 200);
        api("GET", "/api/connections/hl-west", null, 404);
        api("DELETE", "/api/connections/hl-north", null, 409);
        assertThat(pairStatus(status().path("pairs"), WEST).isMissingNode()).as("/api/status names pair west after its removal")
                .isTrue();
        long olgaId = birdSendByEmail(birdSendWest, "olga.west@example.com").orElseThrow().contactId();
        String peteHighLevelId = highLevelByEmail(WEST, "pete.west@example.com").orElseThrow().path("id").asText();
        long aliceId = birdSendByEmail(birdSendNorth, "alice.north@example.com").orElseThrow().contactId();
        String olgaName = "Olga" + run;
        String peteLastName = "West" + run;
        String aliceName = "Alice" + run;
        Instant afterRemoval = Instant.now();
        birdSendWest.editContact(olgaId, BirdSendContactEdit.change().field("first_name", olgaName));
        highLevel.simulator().state().editContactAsUser(peteHighLevelId, SimJson.object().put("lastName", peteLastName));
        birdSendNorth.editContact(aliceId, BirdSendContactEdit.change().field("first_name", aliceName));
        arrives("north BirdSend contact " + aliceId + "'s first name (edited after west's removal) in north HighLevel",
                afterRemoval, () -> aliceName.equals(highLevelFirstName(NORTH, "alice.north@example.com")));
        Waits.holds("removed pair west's edits (BirdSend contact " + olgaId + "'s first name, HighLevel contact " + peteHighLevelId
                        + "'s last name) not on its other side", NOTHING_ARRIVES, Duration.ofSeconds(5),
                () -> "Olga".equals(highLevelFirstName(WEST, "olga.west@example.com"))
                        && birdSendByEmail(birdSendWest, "pete.west@example.com").map(BirdSendContactView::lastName)
                                .filter("West"::equals).isPresent()
                        && westHolds(WEST_PEOPLE.keySet(), WEST_PEOPLE.keySet()));
        JsonNode nope = api("GET", "/api/pairs/nope", null, 404);
        assertThat(nope.path("error").asText()).as("GET /api/pairs/nope: %s", nope).isEqualTo("unknown_pair");
        JsonNode pauseNope = api("POST", "/api/pairs/nope/pause", null, 404);
        assertThat(pauseNope.path("error").asText()).as("POST /api/pairs/nope/pause: %s", pauseNope).isEqualTo("unknown_pair");
        assertThat(pairIds()).as("GET /api/pairs at the end").containsExactlyInAnyOrder(NORTH, SOUTH);

        System.out.printf("TwoPairsTest: changes in both pairs arrived within %d ms; north's while south was paused within %d ms,"
                        + " south's within %d ms of its resume; west's backfill took %d ms, its live edit %d ms; HighLevel %s;"
                        + " BirdSend north %s; BirdSend south %s; BirdSend west %s%n", arrival.toMillis(),
                northWhileSouthPaused.toMillis(), southAfterResume.toMillis(), westBackfillTook.toMillis(), westArrival.toMillis(),
                highLevel.simulator().server().calls().countsByStatus(), birdSendNorth.server().calls().countsByStatus(),
                birdSendSouth.server().calls().countsByStatus(), birdSendWest.server().calls().countsByStatus());
    }

    // ---- waiting on the bridge ----------------------------------------------------------------------------------------

    /**
     * Step 5c, the isolation of pairs: south's BirdSend answers half its calls 503 and lets the others hang past the
     * bridge's response timeout, while people edit both pairs. North's edits (both directions) arrive within
     * {@link #ISOLATED_ARRIVAL}, as if nothing were wrong; south's HighLevel edit waits, parked with its pair
     * ({@code pairs.south.parked} in the status), and arrives within {@link #ARRIVAL} once the account answers again.
     */
    private void failingSouthHoldsUpNothing(String run) throws Exception {
        String frankHighLevelId = highLevelByEmail(SOUTH, "frank.south@example.com").orElseThrow().path("id").asText();
        long frankId = birdSendByEmail(birdSendSouth, "frank.south@example.com").orElseThrow().contactId();
        long aliceId = birdSendByEmail(birdSendNorth, "alice.north@example.com").orElseThrow().contactId();
        String bobHighLevelId = highLevelByEmail(NORTH, "bob.north@example.com").orElseThrow().path("id").asText();
        birdSendSouth.faults().configure(FaultConfig.builder().seed(5).errorRate(503, 0.5).slowDrip(0.5, 8, 4000).build());
        Duration slowestNorth = Duration.ZERO;
        String frankLastName = null;
        try {
            for (int round = 1; round <= 3; round++) {
                String aliceName = "Alice" + run + "r" + round;
                String bobName = "Bob" + run + "r" + round;
                frankLastName = "Down" + run + "r" + round;
                Instant edited = Instant.now();
                highLevel.simulator().state().editContactAsUser(frankHighLevelId, SimJson.object().put("lastName", frankLastName));
                birdSendNorth.editContact(aliceId, BirdSendContactEdit.change().field("first_name", aliceName));
                highLevel.simulator().state().editContactAsUser(bobHighLevelId, SimJson.object().put("firstName", bobName));
                Waits.until("round " + round + ": north's edits while south's BirdSend fails (BirdSend contact " + aliceId
                                + "'s first name in north HighLevel, HighLevel contact " + bobHighLevelId + "'s in north BirdSend)"
                                + " within " + ISOLATED_ARRIVAL.toSeconds() + " s", ISOLATED_ARRIVAL,
                        () -> aliceName.equals(highLevelFirstName(NORTH, "alice.north@example.com"))
                                && birdSendByEmail(birdSendNorth, "bob.north@example.com").map(BirdSendContactView::firstName)
                                        .filter(bobName::equals).isPresent(), Duration.ofMillis(100));
                Duration took = Duration.between(edited, Instant.now());
                slowestNorth = took.compareTo(slowestNorth) > 0 ? took : slowestNorth;
            }
            Waits.until("pair south's events parked in the status while its BirdSend fails", Duration.ofSeconds(20),
                    () -> pairStatus(status().path("pairs"), SOUTH).path("parked").size() > 0, Duration.ofMillis(250));
            assertThat(pairStatus(lastStatus.get().path("pairs"), NORTH).path("parked").size()).as("north's parked events")
                    .isZero();
            String frankNow = birdSendSouth.contact(frankId).map(BirdSendContactView::lastName).orElse(null);
            assertThat(frankNow).as("south BirdSend contact %d while its account fails", frankId).isNotEqualTo(frankLastName);
        } finally {
            birdSendSouth.faults().configure(FaultConfig.NONE);
        }
        Instant back = Instant.now();
        String lastFrank = frankLastName;
        arrives("south HighLevel contact " + frankHighLevelId + "'s last name (edited while south's BirdSend failed) in south "
                + "BirdSend once it answers again", back, () -> lastFrank.equals(birdSendSouth.contact(frankId)
                .map(BirdSendContactView::lastName).orElse(null)));
        Duration southAfter = Duration.between(back, Instant.now());
        Waits.until("pair south's parked events all processed", Duration.ofSeconds(20),
                () -> pairStatus(status().path("pairs"), SOUTH).path("parked").isEmpty(), Duration.ofMillis(250));
        System.out.printf("[two-pairs] south's BirdSend failing: north's edits arrived within %d ms at most; south's "
                + "within %d ms of its recovery%n", slowestNorth.toMillis(), southAfter.toMillis());

        // The metrics tell the pairs apart: each series names its pair, the sync's events and the calls per pair.
        List<String> series = prometheusSeries();
        assertThat(series).as("series without a pair tag").filteredOn(line -> !line.contains("pair=\"")).isEmpty();
        for (String pair : List.of(NORTH, SOUTH)) {
            assertThat(series).as("bridge_sync_events_total of pair %s", pair)
                    .anyMatch(line -> line.startsWith("bridge_sync_events_total{") && line.contains("pair=\"" + pair + "\""));
            assertThat(series).as("bridge_outbound_calls_seconds_count of pair %s", pair)
                    .anyMatch(line -> line.startsWith("bridge_outbound_calls_seconds_count{")
                            && line.contains("connection=\"bs-" + pair + "\"") && line.contains("pair=\"" + pair + "\""));
        }
        assertThat(series).as("south's BirdSend circuit breaker, its own and in its pair")
                .anyMatch(line -> line.startsWith("resilience4j_circuitbreaker_state{") && line.contains("connection=\"bs-south\"")
                        && line.contains("pair=\"south\""));
        assertThat(series).as("south's failed BirdSend calls, in its pair")
                .anyMatch(line -> line.startsWith("bridge_outbound_requests_seconds_count{") && line.contains("pair=\"south\"")
                        && !line.contains("outcome=\"2xx\""));
    }

    /**
     * Step 5d: south's HighLevel Private Integration token is revoked (as when the location's admin rotates it), so
     * HighLevel answers every south call 401 while people edit both pairs. North's edits (both directions) arrive
     * within {@link #ISOLATED_ARRIVAL}; the status says in words that south's connection is refused
     * ({@code connections.hl-south}, {@code pairs.south.parked}), without the token; south's edits wait, parked with
     * its pair, and arrive within {@link #ARRIVAL} once the token works again, which the status then says too.
     */
    private void revokedSouthTokenHoldsUpNothing(String run) throws Exception {
        long ivyId = birdSendByEmail(birdSendSouth, "ivy.south@example.com").orElseThrow().contactId();
        String ginaHighLevelId = highLevelByEmail(SOUTH, "gina.south@example.com").orElseThrow().path("id").asText();
        long aliceId = birdSendByEmail(birdSendNorth, "alice.north@example.com").orElseThrow().contactId();
        String bobHighLevelId = highLevelByEmail(NORTH, "bob.north@example.com").orElseThrow().path("id").asText();
        String ivyName = "Ivy" + run + "t";
        String ginaLastName = "Revoked" + run;
        String aliceName = "Alice" + run + "t";
        String bobName = "Bob" + run + "t";
        Instant stepStarted = Instant.now();
        assertThat(highLevel.oauth().revoke(southHighLevelToken)).as("south's Private Integration token revoked").isTrue();
        Duration northDelay;
        try {
            Instant edited = Instant.now();
            birdSendSouth.editContact(ivyId, BirdSendContactEdit.change().field("first_name", ivyName));
            highLevel.simulator().state().editContactAsUser(ginaHighLevelId, SimJson.object().put("lastName", ginaLastName));
            birdSendNorth.editContact(aliceId, BirdSendContactEdit.change().field("first_name", aliceName));
            highLevel.simulator().state().editContactAsUser(bobHighLevelId, SimJson.object().put("firstName", bobName));
            Waits.until("north's edits while south's HighLevel token is revoked (BirdSend contact " + aliceId + "'s first name"
                            + " in north HighLevel, HighLevel contact " + bobHighLevelId + "'s in north BirdSend) within "
                            + ISOLATED_ARRIVAL.toSeconds() + " s", ISOLATED_ARRIVAL,
                    () -> aliceName.equals(highLevelFirstName(NORTH, "alice.north@example.com"))
                            && birdSendByEmail(birdSendNorth, "bob.north@example.com").map(BirdSendContactView::firstName)
                                    .filter(bobName::equals).isPresent(), Duration.ofMillis(100));
            northDelay = Duration.between(edited, Instant.now());
            // South's BirdSend edit needs its HighLevel: the sync's call is refused, the event parked with its pair.
            Waits.until("pair south's events parked and connection hl-south refused in the status", Duration.ofSeconds(10),
                    () -> {
                        JsonNode now = status();
                        return pairStatus(now.path("pairs"), SOUTH).path("parked").size() > 0
                                && "REJECTED".equals(now.path("connections").path("hl-south").path("status").asText());
                    }, Duration.ofMillis(250));
            JsonNode during = lastStatus.get();
            JsonNode refusedConnection = during.path("connections").path("hl-south");
            JsonNode southParked = pairStatus(during.path("pairs"), SOUTH).path("parked");
            assertThat(refusedConnection.path("message").asText()).as("connections.hl-south.message: %s", refusedConnection)
                    .contains("HighLevel refused its Private Integration token")
                    .contains("set bridge.connections.hl-south.token");
            assertThat(southParked.get(0).path("lastError").asText()).as("pairs.south.parked: %s", southParked)
                    .contains("connection hl-south cannot authenticate").contains("revoked");
            assertThat(during.path("connections").path("hl-north").path("status").asText()).as("connections.hl-north")
                    .isEqualTo("OK");
            assertThat(pairStatus(during.path("pairs"), NORTH).path("parked").size()).as("north's parked events").isZero();
            assertThat(during.toString()).as("/api/status while the token is refused").doesNotContain(southHighLevelToken);
            assertThat(bridge.logContains(southHighLevelToken)).as("the bridge's log names south's token").isFalse();
            assertThat(highLevelFirstName(SOUTH, "ivy.south@example.com")).as("south HighLevel Ivy while the token is revoked")
                    .isNotEqualTo(ivyName);
            // The sync reads the HighLevel contact before writing BirdSend: this edit waits too.
            assertThat(birdSendByEmail(birdSendSouth, "gina.south@example.com").map(BirdSendContactView::lastName))
                    .as("south BirdSend Gina while the token is revoked").isNotEqualTo(Optional.of(ginaLastName));
        } finally {
            // A configured connection's token cannot be replaced at run time (POST /api/connections adds new ones only;
            // a configured one is changed in bridge.connections.hl-south.token and a restart): the simulator takes the
            // old token back instead, which is what the bridge sees after that restart, a token that works.
            highLevel.oauth().reinstate(southHighLevelToken);
        }
        Instant back = Instant.now();
        arrives("south BirdSend contact " + ivyId + "'s first name (edited while south's token was revoked) in south HighLevel"
                + " once it works again", back, () -> ivyName.equals(highLevelFirstName(SOUTH, "ivy.south@example.com")));
        arrives("south HighLevel contact " + ginaHighLevelId + "'s last name (edited while south's token was revoked) in south"
                + " BirdSend", back, () -> birdSendByEmail(birdSendSouth, "gina.south@example.com")
                .map(BirdSendContactView::lastName).filter(ginaLastName::equals).isPresent());
        Duration southAfter = Duration.between(back, Instant.now());
        Waits.until("pair south's parked events all processed and connection hl-south OK after the token works again",
                Duration.ofSeconds(20), () -> {
                    JsonNode now = status();
                    return pairStatus(now.path("pairs"), SOUTH).path("parked").isEmpty()
                            && "OK".equals(now.path("connections").path("hl-south").path("status").asText());
                }, Duration.ofMillis(250));
        System.out.printf("[two-pairs] south's HighLevel token revoked: north's edits arrived within %d ms; south's within %d ms"
                + " of the token working again; step took %d ms%n", northDelay.toMillis(), southAfter.toMillis(),
                Duration.between(stepStarted, Instant.now()).toMillis());
    }

    /** The series of {@code /actuator/prometheus}, comments left out. */
    private static List<String> prometheusSeries() throws IOException, InterruptedException {
        HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(URI.create(bridge.baseUrl() + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", adminAuthorization).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).as("GET /actuator/prometheus").isEqualTo(200);
        return scrape.body().lines().filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
    }

    /**
     * Until both pairs' start-up backfills are done: per pair under {@code pairs.<id>.backfill} where the status has
     * that; otherwise (one {@code backfill} for the bridge) until {@code links} counts both pairs' people.
     */
    private static void awaitBackfills() {
        int expectedLinks = NORTH_PEOPLE.size() + SOUTH_PEOPLE.size();
        try {
            Waits.until("both pairs' backfills finished", BACKFILL_TIMEOUT, () -> {
                JsonNode status = status();
                JsonNode pairs = status.path("pairs");
                if (pairs.isMissingNode() || pairs.isNull()) {
                    return status.path("links").asInt() == expectedLinks;
                }
                for (String id : List.of(NORTH, SOUTH)) {
                    JsonNode pair = pairStatus(pairs, id);
                    int expected = (NORTH.equals(id) ? NORTH_PEOPLE : SOUTH_PEOPLE).size();
                    if (!"done".equals(pair.path("backfill").path("state").asText())
                            || (pair.has("links") && pair.path("links").asInt() != expected)) {
                        return false;
                    }
                }
                return true;
            }, Duration.ofMillis(250));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the backfills did not finish within " + BACKFILL_TIMEOUT + " (expected " + expectedLinks
                    + " links, " + NORTH_PEOPLE.size() + " per pair); status: " + lastStatus.get() + "\nthe simulators hold:"
                    + " north HighLevel " + emails(highLevelContacts(NORTH)) + ", north BirdSend " + birdSendEmails(birdSendNorth)
                    + ", south HighLevel " + emails(highLevelContacts(SOUTH)) + ", south BirdSend "
                    + birdSendEmails(birdSendSouth), e);
        }
    }

    /** Until one pair's backfill is done with {@code expectedLinks} links (fails at once if it failed). */
    private static void awaitBackfill(String pairId, int expectedLinks) {
        Waits.until("pair " + pairId + "'s backfill done with " + expectedLinks + " links", BACKFILL_TIMEOUT, () -> {
            JsonNode pair = pairStatus(status().path("pairs"), pairId);
            String state = pair.path("backfill").path("state").asText();
            if ("failed".equals(state) || "interrupted".equals(state)) {
                throw new AssertionError("pair " + pairId + "'s backfill ended " + state + ": " + pair);
            }
            return "done".equals(state) && pair.path("links").asInt() == expectedLinks;
        }, Duration.ofMillis(250));
    }

    /** A pair's entry under {@code pairs}: an object keyed by id, or an array of entries naming their id. */
    private static JsonNode pairStatus(JsonNode pairs, String id) {
        if (pairs.isObject()) {
            return pairs.path(id);
        }
        for (JsonNode p : pairs) {
            if (id.equals(p.path("id").asText(null)) || id.equals(p.path("pair").asText(null))) {
                return p;
            }
        }
        return MissingNode.getInstance();
    }

    private static JsonNode status() {
        try {
            JsonNode status = bridge.getJson("/api/status");
            lastStatus.set(status);
            return status;
        } catch (IOException e) {
            throw new IllegalStateException("GET /api/status failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An admin call ({@code /api/**}) that must answer {@code expected}; its body as JSON. */
    private static JsonNode api(String method, String path, String body, int... expected) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(bridge.baseUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", adminAuthorization);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(expected).as("%s %s%s answered %d: %s", method, path, body == null ? "" : " " + body,
                response.statusCode(), response.body()).contains(response.statusCode());
        return response.body() == null || response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
    }

    /** The ids {@code GET /api/pairs} lists. */
    private static List<String> pairIds() throws IOException, InterruptedException {
        JsonNode list = api("GET", "/api/pairs", null, 200);
        List<String> ids = new ArrayList<>();
        list.path("pairs").forEach(p -> ids.add(p.path("id").asText()));
        return ids;
    }

    private static String connectionJson(String id, String kind, String baseUrl, String locationId, String token) {
        ObjectNode c = JSON.createObjectNode().put("id", id).put("kind", kind).put("baseUrl", baseUrl);
        if (locationId != null) {
            c.put("locationId", locationId);
        }
        if (token != null) {
            c.put("token", token);
        }
        return c.toString();
    }

    private static String pairJson(String id, String highlevelConnection, String birdsendConnection) {
        return JSON.createObjectNode().put("id", id).put("highlevelConnection", highlevelConnection)
                .put("birdsendConnection", birdsendConnection).toString();
    }

    private static String pairJson(String id, String highlevelConnection, String birdsendConnection, String mapping) {
        return JSON.createObjectNode().put("id", id).put("highlevelConnection", highlevelConnection)
                .put("birdsendConnection", birdsendConnection).put("mapping", mapping).toString();
    }

    /** Waits for a change made while running, within {@link #ARRIVAL} of when the changes were made. */
    private static void arrives(String what, Instant since, BooleanSupplier condition) {
        Duration left = ARRIVAL.minus(Duration.between(since, Instant.now()));
        Waits.until(what + " within " + ARRIVAL.toSeconds() + " s", left.isNegative() ? Duration.ofMillis(1) : left, condition,
                Duration.ofMillis(100));
    }

    /** {@code POST /webhooks/birdsend}, signed as BirdSendNotificationIngress checks. */
    private static HttpResponse<String> notifyBirdSend(String body) throws IOException, InterruptedException {
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        String timestamp = Long.toString(Instant.now().getEpochSecond());
        HttpRequest request = HttpRequest.newBuilder(URI.create(bridge.baseUrl() + "/webhooks/birdsend"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("X-Bridge-Timestamp", timestamp)
                .header("X-Bridge-Signature", "sha256=" + HexFormat.of().formatHex(hmac(timestamp, raw)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(raw))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] hmac(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(NOTIFICATION_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '.');
            mac.update(body);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- the simulators' contents -------------------------------------------------------------------------------------

    private static boolean hasPeople(Set<String> north, Set<String> south) {
        return emails(highLevelContacts(NORTH)).containsAll(north) && birdSendEmails(birdSendNorth).containsAll(north)
                && emails(highLevelContacts(SOUTH)).containsAll(south) && birdSendEmails(birdSendSouth).containsAll(south);
    }

    private static boolean otherPairUntouched(BirdSendContactView southTwinOfDave, ObjectNode southTwinOfDaveInHighLevel,
                                              BirdSendContactView northTwinOfFrank, ObjectNode northTwinOfFrankInHighLevel,
                                              String daveTag, Set<String> north, Set<String> south) {
        Optional<BirdSendContactView> southBs = birdSendSouth.contact(southTwinOfDave.contactId());
        Optional<ObjectNode> southHl = highLevelByEmail(SOUTH, southTwinOfDave.email());
        Optional<BirdSendContactView> northBs = birdSendNorth.contact(northTwinOfFrank.contactId());
        Optional<ObjectNode> northHl = highLevelByEmail(NORTH, northTwinOfFrank.email());
        return southBs.isPresent() && southBs.get().firstName().equals(southTwinOfDave.firstName()) && !southBs.get().hasTag(daveTag)
                && southHl.isPresent() && southHl.get().path("firstName").asText().equals(southTwinOfDaveInHighLevel.path("firstName").asText())
                && !hasTag(southHl.get(), daveTag)
                && northBs.isPresent() && Objects.equals(northBs.get().lastName(), northTwinOfFrank.lastName())
                && northHl.isPresent() && northHl.get().path("lastName").asText().equals(northTwinOfFrankInHighLevel.path("lastName").asText())
                && eachSideHolds(north, south);
    }

    /** Whether west's location and account hold exactly these people, each once. */
    private static boolean westHolds(Set<String> highLevelPeople, Set<String> birdSendPeople) {
        return exactly(emails(highLevelContacts(WEST)), highLevelPeople) && exactly(birdSendEmails(birdSendWest), birdSendPeople);
    }

    /** Whether each side holds exactly its pair's people, each once. */
    private static boolean eachSideHolds(Set<String> north, Set<String> south) {
        return exactly(emails(highLevelContacts(NORTH)), north) && exactly(birdSendEmails(birdSendNorth), north)
                && exactly(emails(highLevelContacts(SOUTH)), south) && exactly(birdSendEmails(birdSendSouth), south);
    }

    private static boolean exactly(List<String> emails, Set<String> expected) {
        return emails.size() == expected.size() && expected.containsAll(emails);
    }

    private static void assertPeople(String side, List<String> emails, Set<String> expected) {
        assertThat(emails).as("emails in %s (each once, exactly its own pair's people)", side)
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    private static List<ObjectNode> highLevelContacts(String pair) {
        return highLevel.simulator().state().contacts(NORTH.equals(pair) ? HighLevelState.DEMO_LOCATION_ID
                : WEST.equals(pair) ? WEST_LOCATION_ID : SOUTH_LOCATION_ID);
    }

    private static Optional<ObjectNode> highLevelByEmail(String pair, String email) {
        return highLevelContacts(pair).stream().filter(c -> lower(c.path("email").asText("")).equals(lower(email))).findFirst();
    }

    private static String highLevelFirstName(String pair, String email) {
        return highLevelByEmail(pair, email).map(c -> c.path("firstName").asText(null)).orElse(null);
    }

    private static Optional<BirdSendContactView> birdSendByEmail(BirdSendSimulator account, String email) {
        return account.contacts().stream().filter(c -> lower(c.email()).equals(lower(email))).findFirst();
    }

    /** Every email of the list, lower-cased and sorted, duplicates kept. */
    private static List<String> emails(List<ObjectNode> contacts) {
        return contacts.stream().map(c -> lower(c.path("email").asText(""))).filter(e -> !e.isEmpty()).sorted().toList();
    }

    private static List<String> birdSendEmails(BirdSendSimulator account) {
        return account.contacts().stream().map(c -> lower(c.email())).sorted().collect(Collectors.toList());
    }

    private static boolean hasTag(ObjectNode contact, String tag) {
        for (JsonNode t : contact.path("tags")) {
            if (tag.equalsIgnoreCase(t.asText())) {
                return true;
            }
        }
        return false;
    }

    private static String lower(String s) {
        return s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    }

    // ---- set-up helpers -----------------------------------------------------------------------------------------------

    private static ObjectNode highLevelPerson(String first, String last, String email) {
        ObjectNode c = SimJson.object().put("firstName", first).put("lastName", last).put("email", email);
        ArrayNode tags = c.putArray("tags");
        tags.add("seeded");
        return c;
    }

    private static void seedBirdSend(BirdSendSimulator account, List<BirdSendNewContact> people) {
        people.forEach(p -> account.seedContact(p.withTags("Seeded")));
    }

    private static void putHighLevelConnection(Map<String, String> s, String id, String locationId, String token) {
        CrashTestBridge.putHighLevelConnection(s, id, highLevel.simulator().baseUrl(), locationId, token);
    }

    private static void putBirdSendConnection(Map<String, String> s, String id, String apiBaseUrl, String token) {
        CrashTestBridge.putBirdSendConnection(s, id, apiBaseUrl, token);
    }
}
