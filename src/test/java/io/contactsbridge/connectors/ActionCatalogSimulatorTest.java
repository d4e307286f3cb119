package io.contactsbridge.connectors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.outbound.OutboundHeaders;
import io.contactsbridge.outbound.OutboundRequestException;
import io.contactsbridge.outbound.UpstreamApiException;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.birdsend.BirdSendOperations;
import io.contactsbridge.simulator.birdsend.BirdSendSequence;
import io.contactsbridge.simulator.sim.CallRecorder;
import io.contactsbridge.simulator.sim.SimJson;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.DisableJmx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every action Kamelet of the catalog, called once through Camel against the sandbox simulators:
 * the Kamelet, {@link ConnectorActions} and the outbound layer together must produce a request the
 * simulated service accepts and records under the expected operation. Fails when an action of
 * {@code catalog/actions.json} is not called here, so a new action needs a call.
 */
@CamelSpringBootTest
@DisableJmx(false)
@SpringBootTest(classes = ContactsBridgeApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(properties = "bridge.admin.password=")
@ExtendWith(OutputCaptureExtension.class)
class ActionCatalogSimulatorTest {

    @Autowired
    ProducerTemplate camel;
    @Autowired
    ConnectorActions connectorActions;
    @Autowired
    SandboxSimulators simulators;

    private final Set<String> called = new LinkedHashSet<>();

    @Test
    void everyActionSucceedsAgainstTheSimulators() {
        callEveryHighLevelAction();
        callEveryBirdSendAction();

        Set<String> catalog = new TreeSet<>(connectorActions.actions().keySet());
        Set<String> notCalled = new TreeSet<>(catalog);
        notCalled.removeAll(called);
        System.out.println("Actions called against the simulators: " + catalog.stream().filter(called::contains).count()
                + "/" + catalog.size());
        assertThat(notCalled).as("actions of catalog/actions.json not called against the simulators").isEmpty();
        assertThat(called).as("only catalog actions are called").isSubsetOf(catalog);
        assertThat(catalog).hasSize(58);
    }

    /** The two action names that were not lower-case still work for one release, each use logging what to use now. */
    @Test
    void oldKameletNamesStillWorkAndLogADeprecationWarningNamingTheNewName(CapturedOutput output) {
        String businessId = (String) nested(map(call("highlevel-create-business-action", "create-business", "",
                Map.of("name", "Renamed Ltd"), Map.of()), "buiseness"), "buiseness").get("id");
        // a Kamelet property passed on to the new Kamelet
        assertThat(list(map(call("highlevel-get-contacts-by-businessId-action", "get-contacts-by-businessId",
                "businessId=" + businessId, null, Map.of()), "contacts"), "contacts")).isEmpty();
        // a per-message header passed on as well
        map(call("highlevel-delete-Business-action", "delete-Business", "", null, Map.of("businessId", businessId)),
                "success");
        assertThat(output.getOut()).contains("Kamelet 'highlevel-get-contacts-by-businessId-action' is deprecated",
                "use 'highlevel-get-contacts-by-business-id-action'", "Kamelet 'highlevel-delete-Business-action' is "
                        + "deprecated", "use 'highlevel-delete-business-action'");
    }

    private void callEveryHighLevelAction() {
        String location = simulators.highLevelLocationId();
        // contacts: the body has no locationId, ConnectorActions fills it from the connection
        Map<String, Object> contact = map(call("highlevel-create-contact-action", "create-contact", "",
                Map.of("firstName", "Catalog", "lastName", "Walker", "email", "catalog.walker@example.com",
                        "tags", List.of("catalog")), Map.of()), "contact");
        String contactId = (String) nested(contact, "contact").get("id");
        assertThat(nested(contact, "contact")).containsEntry("locationId", location);
        Map<String, Object> upserted = map(call("highlevel-upsert-contact-action", "upsert-contact", "",
                "{\"email\":\"catalog.other@example.com\",\"firstName\":\"Other\"}", Map.of()), "contact");
        assertThat(upserted).containsEntry("new", true);
        String otherId = (String) nested(upserted, "contact").get("id");

        assertThat(nested(map(call("highlevel-get-contact-action", "get-contact", "contactId=" + contactId, null,
                Map.of()), "contact"), "contact")).containsEntry("email", "catalog.walker@example.com");
        assertThat(nested(map(call("highlevel-update-contact-action", "update-contact", "contactId=" + contactId,
                Map.of("city", "Kraków"), Map.of()), "contact"), "contact")).containsEntry("city", "Kraków");
        assertThat(list(map(call("highlevel-get-contacts-action", "get-contacts", "", null, Map.of("limit", 5)),
                "contacts"), "contacts")).hasSizeBetween(1, 5);
        assertThat(nested(map(call("highlevel-get-duplicate-contact-action", "get-duplicate-contact", "", null,
                Map.of("email", "catalog.walker@example.com")), "contact"), "contact")).containsEntry("id", contactId);
        // SearchBodyV2DTO declares no properties, so the search body must name its location itself
        Map<String, Object> search = new LinkedHashMap<>();
        search.put("locationId", location);
        search.put("pageLimit", 10);
        search.put("filters", List.of(Map.of("field", "tags", "operator", "eq", "value", "catalog")));
        assertThat(list(map(call("highlevel-search-contacts-advanced-action", "search-contacts-advanced", "", search,
                Map.of()), "contacts"), "contacts")).extracting(c -> (Object) ((Map<?, ?>) c).get("id")).contains(contactId);

        // tags, followers, campaigns, workflows (contactId per message from here on, as a header)
        Map<String, Object> byContact = Map.of("contactId", contactId);
        assertThat(list(map(call("highlevel-add-tags-action", "add-tags", "", Map.of("tags", List.of("warm")),
                byContact), "tags"), "tags")).contains("warm");
        assertThat(list(map(call("highlevel-remove-tags-action", "remove-tags", "", Map.of("tags", List.of("warm")),
                byContact), "tags"), "tags")).doesNotContain("warm");
        Map<String, Object> followers = Map.of("followers", List.of("user0000000000000001"));
        assertThat(list(map(call("highlevel-add-followers-contact-action", "add-followers-contact", "", followers,
                byContact), "followers"), "followers")).contains("user0000000000000001");
        map(call("highlevel-remove-followers-contact-action", "remove-followers-contact", "", followers, byContact),
                "followers");
        String campaign = "Y2I9XM7aO1hncuSOlc9L";
        map(call("highlevel-add-contact-to-campaign-action", "add-contact-to-campaign", "campaignId=" + campaign,
                Map.of(), byContact), "succeded");
        map(call("highlevel-remove-contact-from-campaign-action", "remove-contact-from-campaign",
                "campaignId=" + campaign, null, byContact), "succeded");
        map(call("highlevel-remove-contact-from-every-campaign-action", "remove-contact-from-every-campaign", "", null,
                byContact), "succeded");
        Map<String, Object> workflow = Map.of("eventStartTime", "2021-06-23T03:30:00+01:00");
        map(call("highlevel-add-contact-to-workflow-action", "add-contact-to-workflow",
                "contactId=" + contactId + "&workflowId=sx6wyHhbFdRXh302LLNR", workflow, Map.of()), "succeded");
        map(call("highlevel-delete-contact-from-workflow-action", "delete-contact-from-workflow", "", workflow,
                Map.of("contactId", contactId, "workflowId", "sx6wyHhbFdRXh302LLNR")), "succeded");

        // notes
        String noteId = (String) nested(map(call("highlevel-create-note-action", "create-note", "contactId=" + contactId,
                Map.of("body", "Called, left a message", "userId", "user0000000000000001"), Map.of()), "note"), "note")
                .get("id");
        assertThat(list(map(call("highlevel-get-all-notes-action", "get-all-notes", "", null, byContact), "notes"),
                "notes")).extracting(n -> (Object) ((Map<?, ?>) n).get("id")).contains(noteId);
        map(call("highlevel-get-note-action", "get-note", "contactId=" + contactId + "&id=" + noteId, null, Map.of()),
                "note");
        assertThat(nested(map(call("highlevel-update-note-action", "update-note", "", Map.of("body", "Called back"),
                Map.of("contactId", contactId, "id", noteId)), "note"), "note")).containsEntry("body", "Called back");
        map(call("highlevel-delete-note-action", "delete-note", "contactId=" + contactId + "&id=" + noteId, null,
                Map.of()), "succeded");

        // tasks
        String taskId = (String) nested(map(call("highlevel-create-task-action", "create-task", "", Map.of(
                "title", "Call back", "dueDate", "2025-03-05T11:00:00Z", "completed", false), byContact), "task"), "task")
                .get("id");
        Map<String, Object> byTask = Map.of("contactId", contactId, "taskId", taskId);
        assertThat(list(map(call("highlevel-get-all-tasks-action", "get-all-tasks", "", null, byContact), "tasks"),
                "tasks")).extracting(t -> (Object) ((Map<?, ?>) t).get("id")).contains(taskId);
        map(call("highlevel-get-task-action", "get-task", "", null, byTask), "task");
        assertThat(nested(map(call("highlevel-update-task-action", "update-task", "",
                Map.of("title", "Call back today"), byTask), "task"), "task")).containsEntry("title", "Call back today");
        assertThat(nested(map(call("highlevel-update-task-completed-action", "update-task-completed", "",
                Map.of("completed", true), byTask), "task"), "task")).containsEntry("completed", true);
        map(call("highlevel-delete-task-action", "delete-task", "", null, byTask), "succeded");

        // appointments are booked in the app, then read through the action
        simulators.highLevel().state().saveAppointmentAsUser(contactId, null, SimJson.object()
                .put("calendarId", "BqTwX8QFwXzpegMve9EQ").put("title", "Intro call")
                .put("startTime", "2025-03-10T16:00:00+01:00").put("endTime", "2025-03-10T16:30:00+01:00"));
        assertThat(list(map(call("highlevel-get-appointments-for-contact-action", "get-appointments-for-contact", "",
                null, byContact), "events"), "events")).hasSize(1);

        // businesses (HighLevel's answer really spells it "buiseness")
        String businessId = (String) nested(map(call("highlevel-create-business-action", "create-business", "",
                Map.of("name", "Walker Ltd", "city", "Kraków"), Map.of()), "buiseness"), "buiseness").get("id");
        assertThat(list(map(call("highlevel-get-businesses-by-location-action", "get-businesses-by-location", "limit=10",
                null, Map.of()), "businesses"), "businesses")).extracting(b -> (Object) ((Map<?, ?>) b).get("id"))
                .contains(businessId);
        map(call("highlevel-get-business-action", "get-business", "businessId=" + businessId, null, Map.of()),
                "business");
        map(call("highlevel-update-business-action", "update-business", "", Map.of("description", "Wholesale"),
                Map.of("businessId", businessId)), "buiseness");
        Map<String, Object> bulkBusiness = new LinkedHashMap<>();
        bulkBusiness.put("businessId", businessId);
        bulkBusiness.put("ids", List.of(contactId, otherId));
        assertThat(list(map(call("highlevel-add-remove-contact-from-business-action", "add-remove-contact-from-business",
                "", bulkBusiness, Map.of()), "ids"), "ids")).containsExactlyInAnyOrder(contactId, otherId);
        assertThat(list(map(call("highlevel-get-contacts-by-business-id-action", "get-contacts-by-businessId", "",
                null, Map.of("businessId", businessId)), "contacts"), "contacts")).hasSize(2);

        // bulk tags: {type} is a path segment the spec leaves undeclared
        Map<String, Object> bulkTags = new LinkedHashMap<>();
        bulkTags.put("contacts", List.of(contactId, otherId));
        bulkTags.put("tags", List.of("bulk-1"));
        Map<String, Object> bulk = map(call("highlevel-create-association-action", "create-association", "type=add",
                bulkTags, Map.of()), "succeded");
        assertThat(bulk).containsEntry("errorCount", 0);

        // location look-ups
        List<Object> fields = list(map(call("highlevel-get-custom-fields-action", "get-custom-fields", "", null,
                Map.of("model", "contact")), "customFields"), "customFields");
        assertThat(fields).isNotEmpty();
        String fieldId = (String) ((Map<?, ?>) fields.get(0)).get("id");
        map(call("highlevel-get-custom-field-action", "get-custom-field", "id=" + fieldId, null, Map.of()),
                "customField");
        List<Object> tags = list(map(call("highlevel-get-location-tags-action", "get-location-tags",
                "locationId=" + location, null, Map.of()), "tags"), "tags");
        assertThat(tags).isNotEmpty();
        String tagId = (String) ((Map<?, ?>) tags.get(0)).get("id");
        map(call("highlevel-get-tag-by-id-action", "get-tag-by-id", "", null, Map.of("tagId", tagId)), "tag");

        // the deletes last
        map(call("highlevel-delete-business-action", "delete-Business", "businessId=" + businessId, null, Map.of()),
                "success");
        map(call("highlevel-delete-contact-action", "delete-contact", "", null, Map.of("contactId", otherId)),
                "succeded");
        assertThat(simulators.highLevel().state().contact(otherId)).isEmpty();
    }

    private void callEveryBirdSendAction() {
        var birdSend = simulators.birdSend();
        map(call("birdsend-get-account-action", BirdSendOperations.GET_ACCOUNT, "", null, Map.of()), "account_id");
        Map<String, Object> created = map(call("birdsend-create-contact-action", BirdSendOperations.CREATE_CONTACT, "",
                Map.of("email", "catalog.bird@example.com", "fields", Map.of("first_name", "Bird")), Map.of()),
                "contact_id");
        String contactId = created.get("contact_id").toString();
        Map<String, Object> byContact = Map.of("contactId", contactId);
        map(call("birdsend-get-contact-action", BirdSendOperations.GET_CONTACT, "contactId=" + contactId, null,
                Map.of()), "email");
        assertThat(nested(map(call("birdsend-update-contact-action", BirdSendOperations.UPDATE_CONTACT, "",
                Map.of("email", "catalog.bird@example.com", "fields", Map.of("last_name", "Song")), byContact),
                "fields"), "fields")).containsEntry("last_name", "Song");
        assertThat(list(map(call("birdsend-list-contacts-action", BirdSendOperations.LIST_CONTACTS,
                "search_by=email", null, Map.of("keyword", "catalog.bird@example.com")), "data"), "data")).hasSize(1);

        List<Object> tags = list(map(call("birdsend-add-contact-tags-action", BirdSendOperations.ADD_CONTACT_TAGS, "",
                Map.of("tags", List.of("Catalog", "Walked")), byContact), "tags"), "tags");
        assertThat(tags).hasSize(2);
        String walkedId = ((Map<?, ?>) tags.get(1)).get("tag_id").toString();
        assertThat(list(map(call("birdsend-remove-contact-tag-action", BirdSendOperations.REMOVE_CONTACT_TAG, "",
                null, Map.of("contactId", contactId, "tagId", walkedId)), "tags"), "tags")).hasSize(1);
        assertThat(map(call("birdsend-unsubscribe-contact-action", BirdSendOperations.UNSUBSCRIBE_CONTACT, "", null,
                byContact), "status")).containsEntry("status", "unsubscribed");
        BirdSendSequence sequence = birdSend.addSequence(birdSend.defaultAccountId(), "Catalog welcome");
        assertThat(map(call("birdsend-subscribe-contact-action", BirdSendOperations.SUBSCRIBE_CONTACT,
                "contactId=" + contactId, Map.of("sequence_id", sequence.sequenceId()), Map.of()), "status"))
                .containsEntry("status", "active");

        assertThat(list(map(call("birdsend-list-tags-action", BirdSendOperations.LIST_TAGS, "per_page=100", null,
                Map.of()), "data"), "data")).extracting(t -> (Object) ((Map<?, ?>) t).get("name")).contains("Catalog", "Walked");
        map(call("birdsend-list-fields-action", BirdSendOperations.LIST_FIELDS, "", null, Map.of()), "data");
        assertThat(list(map(call("birdsend-list-sequences-action", BirdSendOperations.LIST_SEQUENCES, "", null,
                Map.of("per_page", 100)), "data"), "data")).extracting(s -> (Object) ((Map<?, ?>) s).get("name"))
                .contains("Catalog welcome");
        map(call("birdsend-list-forms-action", BirdSendOperations.LIST_FORMS, "", null, Map.of()), "data");

        Map<String, Object> broadcast = map(call("birdsend-create-broadcast-action", BirdSendOperations.CREATE_BROADCAST,
                "", Map.of("subject", "Catalog walk"), Map.of()), "broadcast_id");
        String broadcastId = broadcast.get("broadcast_id").toString();
        assertThat(list(map(call("birdsend-list-broadcasts-action", BirdSendOperations.LIST_BROADCASTS,
                "keyword=Catalog", null, Map.of()), "data"), "data")).hasSize(1);
        assertThat(map(call("birdsend-get-broadcast-action", BirdSendOperations.GET_BROADCAST, "", null,
                Map.of("broadcastId", broadcastId)), "subject")).containsEntry("subject", "Catalog walk");

        // BirdSend answers the delete with 204 and no body
        Message deleted = call("birdsend-delete-contact-action", BirdSendOperations.DELETE_CONTACT, "", null, byContact);
        assertThat(deleted.getBody()).isNull();
        assertThat(birdSend.contact(Long.parseLong(contactId))).isEmpty();
    }

    @Test
    void aMissingRequiredParameterIsNamedBeforeAnyHttpCall() {
        CallRecorder calls = simulators.highLevel().server().calls();
        long before = calls.count("get-task");
        Exchange result = camel.send("kamelet:highlevel-get-task-action", e -> e.getMessage().setHeader("contactId", "abc"));

        assertThat(result.getException()).isInstanceOf(OutboundRequestException.class)
                .hasMessageContaining("highlevel-get-task-action needs taskId")
                .hasMessageNotContaining("contactId");
        // prepare stopped before it addressed the outbound call, and the simulator saw nothing
        assertThat(result.getMessage().getHeader(OutboundHeaders.PATH)).isNull();
        assertThat(calls.count("get-task")).isEqualTo(before);
    }

    @Test
    void anUnknownContactIsHighLevelsOwn400() {
        Exchange result = camel.send("kamelet:highlevel-get-contact-action?contactId=noSuchContact1234567", e -> { });

        assertThat(result.getException()).isInstanceOf(UpstreamApiException.class);
        UpstreamApiException error = (UpstreamApiException) result.getException();
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.upstreamMessage()).isEqualTo("Contact with id noSuchContact1234567 not found");
        assertThat(error.operation()).isEqualTo("get-contact");
        assertThat(simulators.highLevel().server().calls().count("get-contact", 400)).isPositive();
    }

    @Test
    void aDuplicateBirdSendEmailIsA422WithTheEmailFieldError() {
        String body = "{\"email\":\"catalog.duplicate@example.com\"}";
        Exchange first = camel.send("kamelet:birdsend-create-contact-action", e -> e.getMessage().setBody(body));
        assertThat(first.getException()).isNull();

        Exchange second = camel.send("kamelet:birdsend-create-contact-action",
                e -> e.getMessage().setBody("{\"email\":\"CATALOG.Duplicate@example.com\"}"));
        assertThat(second.getException()).isInstanceOf(UpstreamApiException.class);
        UpstreamApiException error = (UpstreamApiException) second.getException();
        assertThat(error.status()).isEqualTo(422);
        assertThat(error.fieldErrors()).containsOnlyKeys("email");
        assertThat(error.fieldErrors().get("email")).containsExactly("The email has already been taken.");
        assertThat(simulators.birdSend().findContactsByEmail(simulators.birdSend().defaultAccountId(),
                "catalog.duplicate@example.com")).hasSize(1);
    }

    /**
     * Calls one action: {@code properties} become Kamelet properties in the URI, {@code headers}
     * per-message parameters. Asserts success, a 2xx status and that the simulator recorded
     * {@code operation} with that status.
     */
    private Message call(String action, String operation, String properties, Object body, Map<String, Object> headers) {
        CallRecorder calls = action.startsWith("highlevel-") ? simulators.highLevel().server().calls()
                : simulators.birdSend().server().calls();
        Map<Integer, Long> before = calls.countsByStatus().getOrDefault(operation, Map.of());
        String uri = "kamelet:" + action + (properties.isEmpty() ? "" : "?" + properties);
        Exchange result = camel.send(uri, e -> {
            headers.forEach(e.getMessage()::setHeader);
            e.getMessage().setBody(body);
        });
        if (result.getException() != null) {
            fail(action + " failed: " + result.getException(), result.getException());
        }
        called.add(action);
        Message answer = result.getMessage();
        Integer status = answer.getHeader(OutboundHeaders.STATUS, Integer.class);
        assertThat(status).as(action + " status").isBetween(200, 299);
        assertThat(calls.count(operation, status)).as(action + " recorded as " + operation + " " + status)
                .isGreaterThan(before.getOrDefault(status, 0L));
        return answer;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Message answer, String expectedKey) {
        assertThat(answer.getBody()).isInstanceOf(Map.class);
        Map<String, Object> body = answer.getBody(Map.class);
        assertThat(body).containsKey(expectedKey);
        return body;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> nested(Map<String, Object> body, String key) {
        assertThat(body.get(key)).as(key).isInstanceOf(Map.class);
        return (Map<String, Object>) body.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> body, String key) {
        assertThat(body.get(key)).as(key).isInstanceOf(List.class);
        return new ArrayList<>((List<Object>) body.get(key));
    }
}
