package io.contactsbridge.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import javax.sql.DataSource;

import io.contactsbridge.auth.AuthProperties;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.auth.CredentialKind;
import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.mapping.FieldRule;
import io.contactsbridge.outbound.contacts.BirdSendContactApi;
import io.contactsbridge.outbound.contacts.HighLevelContactApi;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * Pairs added through the API with a contact mapping of their own, on two replicas over one store (H2 and PostgreSQL,
 * every migration applied): the adding replica and the other sync by it, a pair added again with another mapping (or
 * none) syncs by that one and is checked against its accounts at once, a mapping that cannot be used stores nothing,
 * and a replica that cannot read the file leaves the pair out rather than sync it by another mapping.
 */
@ExtendWith(OutputCaptureExtension.class)
class ApiPairMappingTest {

    private static final SyncPair WEST = new SyncPair("hl-west", "bs-west");
    private final ContactMapping bridges = ContactMapping.loadDefault();
    private final PairMappingLoader loader = new PairMappingLoader(new DefaultResourceLoader());

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyReplicaSyncsAnAddedPairByTheMappingItWasAddedWith(Kind kind) throws IOException {
        DataSource ds = TestDatabases.migrated(kind);
        SyncPairs a = replica(ds);
        SyncPairs b = replica(ds);
        String west = mapping("west.yaml", "BirdSend West");

        assertThat(a.add("west", "hl-west", "bs-west", " " + west + " ")).isEqualTo(WEST);
        assertThat(a.mappingOf("west").map(PairMapping::location)).contains(west);
        assertThat(source(PairMappings.of(bridges, a).of(WEST))).isEqualTo("BirdSend West");
        assertThat(PairMappings.of(bridges, b).of(WEST)).as("before the other replica's refresh").isSameAs(bridges);
        b.refresh();
        assertThat(b.mappingOf("west").map(PairMapping::location)).contains(west);
        assertThat(source(PairMappings.of(bridges, b).of(WEST))).isEqualTo("BirdSend West");
        assertThat(new JdbcTemplate(ds).queryForObject("SELECT mapping FROM sync_pair WHERE pair_id = 'west'", String.class))
                .as("the location is stored, not the file").isEqualTo(west);

        // Removed and added again with another mapping before the other replica looked: it reads the new one.
        a.remove("west");
        String west2 = mapping("west-2.yaml", "BirdSend West 2");
        a.add("west", "hl-west", "bs-west", west2);
        b.refresh();
        assertThat(source(PairMappings.of(bridges, b).of(WEST))).isEqualTo("BirdSend West 2");
        assertThat(b.mappingOf(WEST).map(PairMapping::location)).contains(west2);

        // And without one: the bridge's.
        a.remove("west");
        a.add("west", "hl-west", "bs-west", null);
        b.refresh();
        assertThat(b.mappingOf("west")).isEmpty();
        assertThat(PairMappings.of(bridges, b).of(WEST)).isSameAs(bridges);
        assertThat(PairMappings.of(bridges, a).of(WEST)).isSameAs(bridges);
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = "H2")
    void aMappingThatCannotBeUsedStoresNothing(Kind kind) throws IOException {
        DataSource ds = TestDatabases.migrated(kind);
        SyncPairs a = replica(ds);
        Path invalid = dir.resolve("invalid.yaml");
        Files.writeString(invalid, "fields:\n  - name: email\n    birdsend: email\n    highlevel: email\n    direction: sideways\n");

        assertThatThrownBy(() -> a.add("west", "hl-west", "bs-west", "http://config.example.com/west.yaml"))
                .isInstanceOf(PairMappingLoader.UnusableMappingException.class).hasMessageContaining("file: or classpath:");
        assertThatThrownBy(() -> a.add("west", "hl-west", "bs-west", "file:/nowhere/west.yaml"))
                .isInstanceOf(PairMappingLoader.UnusableMappingException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> a.add("west", "hl-west", "bs-west", invalid.toUri().toString()))
                .isInstanceOf(PairMappingLoader.UnusableMappingException.class)
                .hasMessageContaining("line 5: unknown direction 'sideways'");
        assertThat(new JdbcTemplate(ds).queryForObject("SELECT COUNT(*) FROM sync_pair", Integer.class)).isZero();
        assertThat(a.find("west")).isEmpty();
        assertThat(a.ids()).containsExactly("north");
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = "H2")
    void aReplicaThatCannotReadTheFileLeavesThePairOut(Kind kind, CapturedOutput log) throws IOException {
        DataSource ds = TestDatabases.migrated(kind);
        SyncPairs a = replica(ds);
        SyncPairs b = replica(ds);
        Path file = Path.of(java.net.URI.create(mapping("west.yaml", "BirdSend West")));
        a.add("west", "hl-west", "bs-west", file.toUri().toString());
        Files.delete(file); // as if not mounted on the other replica

        b.refresh();
        assertThat(b.find("west")).as("synced by no other mapping").isEmpty();
        assertThat(a.find("west")).as("the replica that read it keeps it").isPresent();
        Files.writeString(file, defaultMappingWithSource("BirdSend West"));
        b.refresh();
        assertThat(b.find("west")).as("once the file is there").contains(WEST);
        assertThat(source(PairMappings.of(bridges, b).of(WEST))).isEqualTo("BirdSend West");

        // Added again with a file the other replica lacks: left out again, and said again.
        Path other = Path.of(java.net.URI.create(mapping("west-2.yaml", "BirdSend West 2")));
        a.remove("west");
        a.add("west", "hl-west", "bs-west", other.toUri().toString());
        Files.delete(other);
        b.refresh();
        assertThat(b.find("west")).isEmpty();
        assertThat(log.getOut().split("Pair west left out", -1)).as("one warning each time it is left out").hasSize(3);
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = "H2")
    void aPairAddedAgainWithAnotherMappingIsCheckedAgainstItsAccountsAtOnce(Kind kind) throws IOException {
        SyncPairs pairs = replica(TestDatabases.migrated(kind));
        BirdSendContactApi birdSend = mock(BirdSendContactApi.class);
        when(birdSend.fieldKeys("bs-west")).thenReturn(Set.of("first_name", "last_name"));
        MappingCheck check = new MappingCheck(SyncProperties.defaults(), bridges, mock(HighLevelContactApi.class), birdSend,
                Clock.systemUTC(), pairs);
        check.setPairMappings(PairMappings.of(bridges, pairs));
        pairs.add("west", "hl-west", "bs-west", mapping("west.yaml", "BirdSend West"));
        assertThat(check.current(WEST).ok()).as("west's first mapping fits its account").isTrue();

        // Its next check would be due in minutes: the new mapping, which names a field the account lacks, cannot wait.
        Path shoeSize = dir.resolve("west-shoe-size.yaml");
        Files.writeString(shoeSize, """
                fields:
                  - name: email
                    birdsend: email
                    highlevel: email
                    transforms: [trim, lowercase]
                  - name: shoeSize
                    birdsend: fields.shoe_size
                    highlevel: companyName
                """);
        pairs.remove("west");
        pairs.add("west", "hl-west", "bs-west", shoeSize.toUri().toString());
        assertThat(check.current(WEST).blocking()).singleElement().asString().contains("BirdSend has no field 'shoe_size'");
        assertThatThrownBy(() -> check.requireUsable(WEST)).isInstanceOf(MappingMisfitException.class)
                .hasMessageContaining("west-shoe-size.yaml does not fit the accounts");
    }

    private SyncPairs replica(DataSource ds) {
        return SyncPairs.stored(Map.of("north", new SyncPair("hl-north", "bs-north")), Map.of(), connections(),
                new PairStore(new JdbcTemplate(ds), Clock.systemUTC()), loader);
    }

    private static ConnectionRegistry connections() {
        return new ConnectionRegistry(new AuthProperties(Map.of(
                "hl-north", highLevel("loc-north"), "hl-west", highLevel("loc-west"),
                "bs-north", birdSend(), "bs-west", birdSend()), null, null, null), null);
    }

    private static AuthProperties.ConnectionSettings highLevel(String location) {
        return new AuthProperties.ConnectionSettings(ServiceType.HIGHLEVEL, CredentialKind.PRIVATE_INTEGRATION,
                "http://highlevel.test", location, null, null, "pit-token", null, null);
    }

    private static AuthProperties.ConnectionSettings birdSend() {
        return new AuthProperties.ConnectionSettings(ServiceType.BIRDSEND, CredentialKind.PERSONAL_ACCESS_TOKEN,
                "http://birdsend.test", null, null, null, "pat-token", null, null);
    }

    /** The bridge's mapping, giving the HighLevel contacts it creates the source {@code source}: its location. */
    private String mapping(String name, String source) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, defaultMappingWithSource(source));
        return file.toUri().toString();
    }

    private static String defaultMappingWithSource(String source) throws IOException {
        String yaml = new String(Objects.requireNonNull(ApiPairMappingTest.class.getResourceAsStream("/mapping/contacts.yaml"))
                .readAllBytes(), StandardCharsets.UTF_8);
        assertThat(yaml).contains("default: BirdSend\n");
        return yaml.replace("default: BirdSend\n", "default: " + source + "\n");
    }

    private static String source(ContactMapping mapping) {
        return mapping.fields().stream().filter(f -> f.highlevelPaths().contains("source")).map(FieldRule::defaultValue)
                .findFirst().orElse(null);
    }
}
