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
 *   <li>A BirdSend notification naming pair south is accepted; one naming no pair, or an unknown one, is refused (400):
 *       with several pairs a contact id alone does not say whose account it is in.</li>
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
    private static final String SHARED_EMAIL = "shared@example.com";
    private static final String NOTIFICATION_SECRET = UUID.randomUUID().toString().replace("-", "");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static HighLevelSandbox highLevel;
    private static BirdSendSimulator birdSendNorth;
    private static BirdSendSimulator birdSendSouth;
    private static CrashTestBridge bridge;
    /** The last /api/status read, for failure messages. */
    private static final AtomicReference<JsonNode> lastStatus = new AtomicReference<>();

    /** The people each pair's two sides hold after the backfill: lower-case email to first name. */
    private static final Map<String, String> NORTH_PEOPLE = Map.of(
            "alice.north@example.com", "Alice", "bob.north@example.com", "Bob", "dave.north@example.com", "Dave",
            "erin.north@example.com", "Erin", SHARED_EMAIL, "Nora");
    private static final Map<String, String> SOUTH_PEOPLE = Map.of(
            "frank.south@example.com", "Frank", "gina.south@example.com", "Gina", "harry.south@example.com", "Harry",
            "ivy.south@example.com", "Ivy", SHARED_EMAIL, "Sam");

    @BeforeAll
    static void startSimulatorsAndBridge() throws IOException {
        SimClock clock = SimClock.scaled(TIME_SCALE);
        highLevel = HighLevelSandbox.create(clock);
        birdSendNorth = BirdSendSimulator.builder().clock(clock).build();
        birdSendSouth = BirdSendSimulator.builder().clock(clock)
                .defaultAccount("owner@south.example.com", "Sid", "South", "South Ltd", "Europe/London").build();
        HighLevelState state = highLevel.simulator().state();
        state.ensureLocation(SOUTH_LOCATION_ID);
        // The demo token acts on the demo location only; the second location has its own Private Integration token.
        String southHighLevelToken = highLevel.oauth().issuePrivateIntegrationToken(SOUTH_LOCATION_ID,
                StaticTokenAuthority.ALL_SCOPES);
        String northBirdSendToken = birdSendNorth.issuePersonalAccessToken();
        String southBirdSendToken = birdSendSouth.issuePersonalAccessToken();

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

        highLevel.simulator().start(0);
        birdSendNorth.start(0);
        birdSendSouth.start(0);

        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("two-pairs"));
        String adminPassword = UUID.randomUUID().toString();
        int port = CrashTestBridge.freePort();
        // No spring.datasource.url: the live default store, an H2 file under the run folder.
        Map<String, String> settings = CrashTestBridge.liveSettings("two-pairs", port, adminPassword,
                highLevel.simulator().baseUrl(), birdSendNorth.apiBaseUrl(), northBirdSendToken,
                highLevel.webhooks().keys());
        // Not the single highlevel/birdsend connections liveSettings points at the simulators: those (the packaged
        // defaults, without tokens) stay, in no pair. Four connections of their own, two pairs.
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
        settings.put("bridge.sync.enabled", "true");
        settings.put("bridge.sync.backfill.on-startup", "true");
        settings.put("bridge.sync.poll-interval-ms", "200");
        settings.put("bridge.capture.highlevel.enabled", "true");
        settings.put("bridge.capture.highlevel.interval-ms", Long.toString(POLL_INTERVAL_MS));
        settings.put("bridge.capture.birdsend.enabled", "true");
        settings.put("bridge.capture.birdsend.quick-interval-ms", Long.toString(POLL_INTERVAL_MS));
        settings.put("bridge.capture.birdsend.min-pass-interval", "5s");
        CrashTestBridge.putRestartSettings(settings);
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
        for (BirdSendSimulator b : new BirdSendSimulator[] {birdSendNorth, birdSendSouth}) {
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

        System.out.printf("TwoPairsTest: changes in both pairs arrived within %d ms; HighLevel %s; BirdSend north %s;"
                        + " BirdSend south %s%n", arrival.toMillis(), highLevel.simulator().server().calls().countsByStatus(),
                birdSendNorth.server().calls().countsByStatus(), birdSendSouth.server().calls().countsByStatus());
    }

    // ---- waiting on the bridge ----------------------------------------------------------------------------------------

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

    /** Waits for a change of step 3, within {@link #ARRIVAL} of when the changes were made. */
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
        return highLevel.simulator().state().contacts(NORTH.equals(pair) ? HighLevelState.DEMO_LOCATION_ID : SOUTH_LOCATION_ID);
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
        s.put("bridge.connections." + id + ".service", "highlevel");
        s.put("bridge.connections." + id + ".kind", "private-integration");
        s.put("bridge.connections." + id + ".base-url", highLevel.simulator().baseUrl());
        s.put("bridge.connections." + id + ".location-id", locationId);
        s.put("bridge.connections." + id + ".token", token);
    }

    private static void putBirdSendConnection(Map<String, String> s, String id, String apiBaseUrl, String token) {
        s.put("bridge.connections." + id + ".service", "birdsend");
        s.put("bridge.connections." + id + ".kind", "personal-access-token");
        s.put("bridge.connections." + id + ".base-url", apiBaseUrl);
        s.put("bridge.connections." + id + ".token", token);
    }
}
