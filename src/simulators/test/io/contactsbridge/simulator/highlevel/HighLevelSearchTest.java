package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.contactsbridge.simulator.highlevel.HighLevelContactsTest.texts;
import static org.assertj.core.api.Assertions.assertThat;

/** POST /contacts/search, the deprecated GET /contacts/ and GET /contacts/business/{id}. */
class HighLevelSearchTest {

    private static final String LOC = HighLevelFixture.LOCATION;

    private final HighLevelFixture fx = new HighLevelFixture();
    private final HighLevelTestClient api = fx.api;

    @BeforeEach
    void seedKnownContacts() {
        List<ObjectNode> seeds = new ArrayList<>();
        seeds.add(seed("AaaaaaaaaaaaaaaaaaA1", "Ann", "Lee", "ann.lee@example.com", "+14155550100",
                "2025-01-01T10:00:00.000Z", "2025-02-01T10:00:00.000Z", "vip", "newsletter").put("dnd", true));
        seeds.add(seed("BbbbbbbbbbbbbbbbbbB2", "José", "Álvarez", "jose@example.org", null,
                "2025-01-02T10:00:00.000Z", "2025-01-02T10:00:00.000Z", "newsletter"));
        seeds.add(seed("CcccccccccccccccccC3", "Zoë", "O'Brien", null, "+442079460958",
                "2025-01-03T10:00:00.000Z", "2025-02-20T10:00:00.000Z", "vip"));
        seeds.add(seed("DdddddddddddddddddD4", "François", "Dupont-Moreau", "f.dupont@example.fr", null,
                "2025-01-04T10:00:00.000Z", "2025-01-05T10:00:00.000Z"));
        seeds.get(3).putArray("customFields").add(SimJson.object().put("key", "loyalty_points").put("field_value", 900));
        seeds.get(0).putArray("customFields").add(SimJson.object().put("key", "loyalty_points").put("field_value", 40));
        fx.state().seedContacts(LOC, seeds);
    }

    private static ObjectNode seed(String id, String first, String last, String email, String phone, String added,
                                   String updated, String... tags) {
        ObjectNode contact = SimJson.object().put("id", id).put("firstName", first).put("lastName", last)
                .put("dateAdded", added).put("dateUpdated", updated);
        if (email != null) {
            contact.put("email", email);
        }
        if (phone != null) {
            contact.put("phone", phone);
        }
        ArrayNode tagArray = contact.putArray("tags");
        for (String tag : tags) {
            tagArray.add(tag);
        }
        return contact;
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private ObjectNode search(int pageLimit) {
        return SimJson.object().put("locationId", LOC).put("pageLimit", pageLimit);
    }

    private static ObjectNode filter(String field, String operator, Object value) {
        ObjectNode filter = SimJson.object().put("field", field).put("operator", operator);
        if (value != null) {
            filter.set("value", SimJson.MAPPER.valueToTree(value));
        }
        return filter;
    }

    private List<String> ids(ObjectNode body) {
        HighLevelTestClient.Response response = api.post("/contacts/search", body);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        response.json().path("contacts").forEach(c -> ids.add(c.path("id").asText()));
        return ids;
    }

    @Test
    void defaultOrderIsNewestFirstWithTotalAndSearchAfterOnEachContact() {
        HighLevelTestClient.Response response = api.post("/contacts/search", search(2));
        JsonNode body = response.json();
        assertThat(body.path("total").asInt()).isEqualTo(4);
        assertThat(body.path("contacts")).hasSize(2);
        JsonNode first = body.path("contacts").get(0);
        assertThat(first.path("id").asText()).isEqualTo("DdddddddddddddddddD4");
        assertThat(first.path("searchAfter").get(0).asLong()).isEqualTo(1735984800000L);
        assertThat(first.path("searchAfter").get(1).asText()).isEqualTo("DdddddddddddddddddD4");
        assertThat(first.path("firstName").asText()).isEqualTo("François");
    }

    @Test
    void filtersCoverEqNotEqContainsExistsAndRanges() {
        assertThat(ids(search(10).set("filters", SimJson.array().add(filter("email", "eq", "ANN.LEE@example.com")))))
                .containsExactly("AaaaaaaaaaaaaaaaaaA1");
        assertThat(ids(search(10).set("filters", SimJson.array().add(filter("tags", "not_eq", "vip")))))
                .containsExactlyInAnyOrder("BbbbbbbbbbbbbbbbbbB2", "DdddddddddddddddddD4");
        assertThat(ids(search(10).set("filters", SimJson.array().add(filter("lastNameLowerCase", "contains", "brie")))))
                .containsExactly("CcccccccccccccccccC3");
        assertThat(ids(search(10).set("filters", SimJson.array().add(filter("phone", "exists", null)))))
                .containsExactlyInAnyOrder("AaaaaaaaaaaaaaaaaaA1", "CcccccccccccccccccC3");
        assertThat(ids(search(10).set("filters", SimJson.array().add(filter("email", "not_exists", null)))))
                .containsExactly("CcccccccccccccccccC3");
        assertThat(ids(search(10).set("filters", SimJson.array().add(filter("phone", "eq", "+44 20 7946 0958")))))
                .containsExactly("CcccccccccccccccccC3");
        assertThat(ids(search(10).set("filters", SimJson.array().add(filter("dnd", "eq", true)))))
                .containsExactly("AaaaaaaaaaaaaaaaaaA1");

        ObjectNode updatedSince = SimJson.object().put("gte", "2025-01-05T10:00:00.000Z");
        assertThat(ids(search(10).set("filters", SimJson.array().add(filter("dateUpdated", "range", updatedSince)))))
                .containsExactlyInAnyOrder("AaaaaaaaaaaaaaaaaaA1", "CcccccccccccccccccC3", "DdddddddddddddddddD4");
        ObjectNode addedWindow = SimJson.object().put("gt", "2025-01-01").put("lte", 1735898400000L);
        assertThat(ids(search(10).set("filters", SimJson.array().add(filter("dateAdded", "range", addedWindow)))))
                .containsExactlyInAnyOrder("AaaaaaaaaaaaaaaaaaA1", "BbbbbbbbbbbbbbbbbbB2", "CcccccccccccccccccC3");
        ObjectNode points = SimJson.object().put("gte", 100);
        assertThat(ids(search(10).set("filters", SimJson.array().add(
                filter("customFields.contact.loyalty_points", "range", points)))))
                .containsExactly("DdddddddddddddddddD4");
    }

    @Test
    void groupsNestWithAndAndOr() {
        ObjectNode or = SimJson.object().put("group", "OR");
        or.putArray("filters").add(filter("firstNameLowerCase", "eq", "josé")).add(filter("tags", "eq", "vip"));
        ArrayNode filters = SimJson.array().add(or).add(filter("email", "exists", null));
        assertThat(ids(search(10).set("filters", filters)))
                .containsExactlyInAnyOrder("AaaaaaaaaaaaaaaaaaA1", "BbbbbbbbbbbbbbbbbbB2");

        ObjectNode and = SimJson.object().put("group", "AND");
        and.putArray("filters").add(filter("tags", "eq", "vip")).add(filter("tags", "eq", "newsletter"));
        ObjectNode outer = SimJson.object().put("group", "OR");
        outer.putArray("filters").add(and).add(filter("lastName", "eq", "dupont-moreau"));
        assertThat(ids(search(10).set("filters", SimJson.array().add(outer))))
                .containsExactlyInAnyOrder("AaaaaaaaaaaaaaaaaaA1", "DdddddddddddddddddD4");
    }

    @Test
    void sortAndFreeTextQuery() {
        ObjectNode byName = search(10);
        byName.putArray("sort").add(SimJson.object().put("field", "firstNameLowerCase").put("direction", "asc"));
        assertThat(ids(byName)).containsExactly("AaaaaaaaaaaaaaaaaaA1", "DdddddddddddddddddD4", "BbbbbbbbbbbbbbbbbbB2",
                "CcccccccccccccccccC3");
        ObjectNode byUpdated = search(10);
        byUpdated.putArray("sort").add(SimJson.object().put("field", "dateUpdated").put("direction", "desc"));
        assertThat(ids(byUpdated).get(0)).isEqualTo("CcccccccccccccccccC3");
        ObjectNode byEmail = search(10);
        byEmail.putArray("sort").add(SimJson.object().put("field", "email").put("direction", "desc"));
        assertThat(ids(byEmail)).last().isEqualTo("CcccccccccccccccccC3"); // missing values last

        assertThat(ids(search(10).put("query", "dupont"))).containsExactly("DdddddddddddddddddD4");
        assertThat(ids(search(10).put("query", "7946 0958"))).containsExactly("CcccccccccccccccccC3");
    }

    @Test
    void malformedSearchesAre400() {
        assertThat(api.post("/contacts/search", search(501)).status()).isEqualTo(400);
        assertThat(api.post("/contacts/search", SimJson.object().put("locationId", LOC)).status()).isEqualTo(400);
        assertThat(api.post("/contacts/search", search(10).put("page", 1)
                .set("searchAfter", SimJson.array().add(1).add("x"))).status()).isEqualTo(400);
        assertThat(api.post("/contacts/search", search(10).set("filters", SimJson.array()
                .add(filter("shoeSize", "eq", "42")))).status()).isEqualTo(400);
        assertThat(api.post("/contacts/search", search(10).set("filters", SimJson.array()
                .add(filter("email", "like", "x")))).status()).isEqualTo(400);
        assertThat(api.post("/contacts/search", search(10).set("filters", SimJson.array()
                .add(filter("email", "eq", "x".repeat(76))))).status()).isEqualTo(400);
        HighLevelTestClient.Response noLocation = api.post("/contacts/search", SimJson.object().put("pageLimit", 1));
        assertThat(noLocation.status()).isEqualTo(400);
    }

    @Test
    void pagesReachTenThousandRecordsAndSearchAfterGoesBeyond() {
        fx.state().reset();
        // Plain contacts keep the seeding of 10,050 quick; the paging rules are what is under test.
        List<ObjectNode> many = new ArrayList<>();
        java.time.Instant start = java.time.Instant.parse("2024-01-01T00:00:00Z");
        for (int i = 0; i < 10_050; i++) {
            many.add(SimJson.object().put("firstName", "C" + i)
                    .put("dateAdded", start.plusSeconds(i * 60L).toString()));
        }
        fx.state().seedContacts(LOC, many);
        ObjectNode lastPagedPage = search(500).put("page", 20);
        HighLevelTestClient.Response page20 = api.post("/contacts/search", lastPagedPage);
        assertThat(page20.status()).isEqualTo(200);
        assertThat(page20.json().path("total").asInt()).isEqualTo(10_050);
        assertThat(page20.json().path("contacts")).hasSize(500);

        HighLevelTestClient.Response page21 = api.post("/contacts/search", search(500).put("page", 21));
        assertThat(page21.status()).isEqualTo(400);
        assertThat(page21.json().path("message").asText()).contains("searchAfter");

        JsonNode last = page20.json().path("contacts").get(499);
        HighLevelTestClient.Response beyond = api.post("/contacts/search",
                search(500).set("searchAfter", last.path("searchAfter")));
        assertThat(beyond.status()).isEqualTo(200);
        assertThat(beyond.json().path("contacts")).hasSize(50);
        // newest first: what lies beyond the first 10,000 are the 50 oldest
        assertThat(beyond.json().path("contacts").get(49).path("firstName").asText()).isEqualTo("C0");
    }

    @Test
    void searchAfterWalksEveryMatchExactlyOnceInAnySort() {
        fx.state().reset();
        fx.state().seed(230, 11);
        fx.state().setMaxPagedSearchWindow(50);
        for (String sortField : List.of("dateAdded", "dateUpdated", "lastNameLowerCase")) {
            ObjectNode body = search(40);
            body.putArray("sort").add(SimJson.object().put("field", sortField).put("direction", "asc"));
            Set<String> seen = new HashSet<>();
            List<String> order = new ArrayList<>();
            JsonNode cursor = null;
            while (true) {
                ObjectNode request = body.deepCopy();
                if (cursor != null) {
                    request.set("searchAfter", cursor);
                }
                JsonNode page = api.post("/contacts/search", request).json();
                JsonNode contacts = page.path("contacts");
                if (contacts.isEmpty()) {
                    break;
                }
                contacts.forEach(c -> {
                    assertThat(seen.add(c.path("id").asText())).isTrue();
                    order.add(c.path(sortField).asText());
                });
                cursor = contacts.get(contacts.size() - 1).path("searchAfter");
            }
            assertThat(seen).as(sortField).hasSize(230);
            if (!sortField.startsWith("date")) {
                List<String> sorted = new ArrayList<>(order);
                sorted.replaceAll(s -> s.toLowerCase(java.util.Locale.ROOT));
                assertThat(sorted).isSorted();
            }
        }
        // and the lowered window is enforced for page-based paging
        assertThat(api.post("/contacts/search", search(40).put("page", 2)).status()).isEqualTo(400);
    }

    @Test
    void deprecatedListPagesWithStartAfterAndMeta() {
        HighLevelTestClient.Response first = api.get("/contacts/?locationId=" + LOC + "&limit=3");
        assertThat(first.status()).isEqualTo(200);
        JsonNode meta = first.json().path("meta");
        assertThat(first.json().path("contacts")).hasSize(3);
        assertThat(first.json().path("contacts").get(0).path("id").asText()).isEqualTo("DdddddddddddddddddD4");
        assertThat(meta.path("total").asInt()).isEqualTo(4);
        assertThat(meta.path("currentPage").asInt()).isEqualTo(1);
        assertThat(meta.path("nextPage").asInt()).isEqualTo(2);
        assertThat(meta.path("prevPage").isNull()).isTrue();
        assertThat(meta.path("startAfterId").asText()).isEqualTo("BbbbbbbbbbbbbbbbbbB2");
        assertThat(meta.path("startAfter").asLong()).isEqualTo(1735812000000L);
        String next = meta.path("nextPageUrl").asText();
        assertThat(next).startsWith(fx.sim.baseUrl() + "/contacts/?locationId=" + LOC);

        JsonNode second = api.get(next.substring(fx.sim.baseUrl().length())).json();
        assertThat(second.path("contacts")).hasSize(1);
        assertThat(second.path("contacts").get(0).path("id").asText()).isEqualTo("AaaaaaaaaaaaaaaaaaA1");
        assertThat(second.path("meta").path("nextPageUrl").isNull()).isTrue();
        assertThat(second.path("meta").path("currentPage").asInt()).isEqualTo(2);
        assertThat(second.path("meta").path("prevPage").asInt()).isEqualTo(1);

        assertThat(api.get("/contacts/?locationId=" + LOC + "&query=álvarez").json().path("contacts")).hasSize(1);
        assertThat(api.get("/contacts/?locationId=" + LOC).json().path("contacts")).hasSize(4);
        HighLevelTestClient.Response tooMany = api.get("/contacts/?locationId=" + LOC + "&limit=101");
        assertThat(tooMany.status()).isEqualTo(422);
        assertThat(texts(tooMany.json().path("message"))).containsExactly("limit must not be greater than 100");
        assertThat(api.get("/contacts/").status()).isEqualTo(422);
    }

    @Test
    void contactsOfABusinessAreListedWithSkipAndLimit() {
        String businessId = api.post("/businesses/", SimJson.object().put("name", "Acme").put("locationId", LOC))
                .json().path("buiseness").path("id").asText();
        ObjectNode link = SimJson.object().put("locationId", LOC).put("businessId", businessId);
        link.putArray("ids").add("AaaaaaaaaaaaaaaaaaA1").add("CcccccccccccccccccC3").add("unknownContact000000");
        JsonNode linked = api.post("/contacts/bulk/business", link).json();
        assertThat(texts(linked.path("ids"))).containsExactly("AaaaaaaaaaaaaaaaaaA1", "CcccccccccccccccccC3");

        JsonNode all = api.get("/contacts/business/" + businessId + "?locationId=" + LOC).json();
        assertThat(all.path("count").asInt()).isEqualTo(2);
        JsonNode page = api.get("/contacts/business/" + businessId + "?locationId=" + LOC + "&limit=1&skip=1").json();
        assertThat(page.path("contacts")).hasSize(1);
        assertThat(page.path("contacts").get(0).path("id").asText()).isEqualTo("CcccccccccccccccccC3");
        assertThat(api.get("/contacts/business/" + businessId + "?locationId=" + LOC + "&query=zoë").json()
                .path("contacts")).hasSize(1);
    }
}
