package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The payload shapes against the field lists of HighLevel's webhook event pages (the copy in
 * src/test/resources/highlevel-reference/webhook-events/*.md, read by {@link HighLevelReference}).
 */
class HighLevelWebhookPayloadsTest {

    static final List<String> CONTACT_DOC_FIELDS = HighLevelReference.webhookFields("ContactCreate");
    static final List<String> NOTE_DOC_FIELDS = HighLevelReference.webhookFields("NoteCreate");
    static final List<String> TASK_DOC_FIELDS = HighLevelReference.webhookFields("TaskCreate");

    private static final Instant AT = Instant.parse("2025-01-28T14:35:00Z");

    /** A contact as GET /contacts/{id} returns it (unwrapped), with fields the webhook does not carry. */
    static ObjectNode apiContact() {
        ObjectNode contact = (ObjectNode) SimJson.parse("""
                {"id":"nmFmQEsNgz6AVpgLVUJ0","name":"John Deo","locationId":"ve9EPM428h8vShlRW1KT",
                 "firstName":"John","lastName":"Deo","email":"johndeo@gmail.com","emailLowerCase":"johndeo@gmail.com",
                 "timezone":"Europe/Berlin","companyName":"Loram ipsum","phone":"+919509597501","dnd":true,
                 "dndSettings":{"SMS":{"status":"inactive","message":"Some message","code":"101"},
                                "Email":{"status":"active","message":"Some message","code":"101"}},
                 "type":"lead","source":"xyz form","assignedTo":"nmFmQEsNgz6AVpgLVUJ0","address1":"3535 1st St N",
                 "city":"ruDolomitebika","state":"AL","country":"DE","postalCode":"452001",
                 "website":"https://www.google.com/","tags":["id magna sed Lorem","Duis dolor commodo aliqua"],
                 "dateOfBirth":"2000-01-05","dateAdded":"2021-11-26T12:41:02.193Z",
                 "dateUpdated":"2021-11-27T12:41:02.193Z","ssn":"123","keyword":"test",
                 "customFields":[{"id":"BcdmQEsNgz6AVpgLVUJ0","value":"XYZ Corp"}],
                 "attributionSource":{"medium":"form"}}
                """);
        return contact;
    }

    static ObjectNode apiNote() {
        return (ObjectNode) SimJson.parse("""
                {"id":"otg8dTQqGLh3Q6iQI55w","body":"Loram ipsum","userId":"TUcmRxWrjqzJS8EjkxNK",
                 "dateAdded":"2021-11-26T12:41:02.193Z","contactId":"CWBf1PR9LvvBkcYqiXlc","color":"#FFAA00",
                 "pinned":false}
                """);
    }

    static ObjectNode apiTask() {
        return (ObjectNode) SimJson.parse("""
                {"id":"5HrB1IbmnKMBXloldFuP","title":"test","body":"testing","assignedTo":"bNl8QNGXhIQJLv8eeASQ",
                 "dueDate":"2021-12-22T06:55:00.000Z","completed":true,"contactId":"WFwVrSSjZ2CNHbZThQX2",
                 "dateAdded":"2021-11-29T13:37:28.304Z"}
                """);
    }

    static ObjectNode apiAppointment() {
        return (ObjectNode) SimJson.parse("""
                {"id":"0007BWpSzSwfiuSl0tR2","calendarId":"BqTwX8QFwXzpegMve9EQ","status":"booked",
                 "title":"Appointment with GHL Dev team","assignedUserId":"YlWd2wuCAZQzh2cH1fVZ","notes":"Some dummy note",
                 "startTime":"2023-09-25T16:00:00+05:30","endTime":"2023-09-25T16:30:00+05:30",
                 "address":"https://example.com/meeting","locationId":"0007BWpSzSwfiuSl0tR2",
                 "contactId":"9NkT25Vor1v4aQatFsv2","groupId":"9NkT25Vor1v4aQatFsv2","appointmentStatus":"confirmed",
                 "users":["YlWd2wuCAZQzh2cH1fVZ","9NkT25Vor1v4aQatFsv2"],"dateAdded":"2023-09-25T16:00:00+05:30",
                 "dateUpdated":"2023-09-25T16:00:00+05:30","assignedResources":[]}
                """);
    }

    @Test
    void contactEventsCarryExactlyTheDocumentedFields() {
        for (String type : List.of("ContactCreate", "ContactUpdate", "ContactDelete", "ContactTagUpdate")) {
            ObjectNode payload = HighLevelWebhookPayloads.build(
                    new HighLevelEvent(type, "ve9EPM428h8vShlRW1KT", apiContact()), AT, "wh-1");
            assertThat(fieldNames(payload)).as(type)
                    .containsExactlyInAnyOrderElementsOf(withEnvelope(HighLevelReference.webhookFields(type)));
            assertThat(payload.path("type").asText()).isEqualTo(type); // not the contact's own "lead"
            assertThat(fieldNames(payload).subList(0, 3)).containsExactly("type", "locationId", "id");
        }
        ObjectNode payload = HighLevelWebhookPayloads.build(
                new HighLevelEvent("ContactCreate", "ve9EPM428h8vShlRW1KT", apiContact()), AT, "wh-1");
        assertThat(payload.path("email").asText()).isEqualTo("johndeo@gmail.com");
        assertThat(payload.path("dateOfBirth").asText()).isEqualTo("2000-01-05T00:00:00.000Z");
        assertThat(payload.path("tags").toString()).isEqualTo("[\"id magna sed Lorem\",\"Duis dolor commodo aliqua\"]");
        assertThat(payload.path("customFields").toString()).isEqualTo("[{\"id\":\"BcdmQEsNgz6AVpgLVUJ0\",\"value\":\"XYZ Corp\"}]");
        assertThat(payload.path("attachments").isArray()).isTrue();
        assertThat(payload.path("dnd").asBoolean()).isTrue();
        assertThat(payload.path("timestamp").asText()).isEqualTo("2025-01-28T14:35:00.000Z");
        assertThat(payload.path("webhookId").asText()).isEqualTo("wh-1");
    }

    @Test
    void dndUpdateAddsDndSettings() {
        ObjectNode payload = HighLevelWebhookPayloads.build(
                new HighLevelEvent("ContactDndUpdate", "ve9EPM428h8vShlRW1KT", apiContact()), AT, "wh-2");
        List<String> documented = HighLevelReference.webhookFields("ContactDndUpdate");
        assertThat(documented).containsAll(CONTACT_DOC_FIELDS).contains("dndSettings");
        assertThat(fieldNames(payload)).containsExactlyInAnyOrderElementsOf(withEnvelope(documented));
        assertThat(payload.path("dndSettings").path("Email").path("status").asText()).isEqualTo("active");
    }

    @Test
    void noteAndTaskEventsAreFlat() {
        for (String type : List.of("NoteCreate", "NoteUpdate", "NoteDelete")) {
            ObjectNode payload = HighLevelWebhookPayloads.build(new HighLevelEvent(type, "loc1", apiNote()), AT, "w");
            assertThat(fieldNames(payload)).as(type)
                    .containsExactlyInAnyOrderElementsOf(withEnvelope(HighLevelReference.webhookFields(type)));
            assertThat(payload.path("body").asText()).isEqualTo("Loram ipsum");
            assertThat(payload.path("contactId").asText()).isEqualTo("CWBf1PR9LvvBkcYqiXlc");
        }
        for (String type : List.of("TaskCreate", "TaskComplete", "TaskDelete")) {
            ObjectNode payload = HighLevelWebhookPayloads.build(new HighLevelEvent(type, "loc1", apiTask()), AT, "w");
            assertThat(fieldNames(payload)).as(type)
                    .containsExactlyInAnyOrderElementsOf(withEnvelope(HighLevelReference.webhookFields(type)));
            assertThat(payload.path("title").asText()).isEqualTo("test");
            assertThat(payload.path("dueDate").asText()).isEqualTo("2021-12-22T06:55:00.000Z");
            assertThat(payload.has("completed")).isFalse();
        }
    }

    @Test
    void appointmentEventsNestTheAppointment() {
        for (String type : List.of("AppointmentCreate", "AppointmentUpdate", "AppointmentDelete")) {
            ObjectNode payload = HighLevelWebhookPayloads.build(
                    new HighLevelEvent(type, "0007BWpSzSwfiuSl0tR2", apiAppointment()), AT, "w");
            assertThat(fieldNames(payload)).containsExactlyElementsOf(withEnvelope(HighLevelReference.webhookFields(type)));
            assertThat(payload.path("type").asText()).isEqualTo(type);
            JsonNode appointment = payload.path("appointment");
            // "source" is not in the API's event representation, so it is absent here
            List<String> expected = new ArrayList<>(HighLevelReference.webhookFields(type, "appointment"));
            expected.remove("source");
            assertThat(fieldNames(appointment)).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(appointment.path("appointmentStatus").asText()).isEqualTo("confirmed");
            assertThat(appointment.path("users").size()).isEqualTo(2);
        }
        // the GET wrapper is accepted, and status stands in for a missing appointmentStatus
        ObjectNode bare = apiAppointment();
        bare.remove("appointmentStatus");
        ObjectNode wrapped = SimJson.object();
        wrapped.set("appointment", bare);
        ObjectNode payload = HighLevelWebhookPayloads.build(new HighLevelEvent("AppointmentCreate", "l", wrapped), AT, "w");
        assertThat(payload.path("appointment").path("appointmentStatus").asText()).isEqualTo("booked");
        assertThat(HighLevelWebhookPayloads.orderingKey(new HighLevelEvent("AppointmentCreate", "l", wrapped)))
                .isEqualTo("contact:9NkT25Vor1v4aQatFsv2");
    }

    @Test
    void sparseEntitiesOmitMissingScalarsAndSendEmptyArrays() {
        ObjectNode contact = (ObjectNode) SimJson.parse(
                "{\"id\":\"c1\",\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"email\":null,\"attachments\":\"\"}");
        ObjectNode payload = HighLevelWebhookPayloads.build(new HighLevelEvent("ContactCreate", "loc1", contact), AT, "w");
        assertThat(fieldNames(payload)).containsExactly("type", "locationId", "id", "name", "firstName", "lastName",
                "tags", "attachments", "customFields", "timestamp", "webhookId");
        assertThat(payload.path("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(payload.path("tags").size()).isZero();
        assertThat(payload.path("attachments").size()).isZero();
    }

    @Test
    void orderingKeysFollowTheContact() {
        assertThat(HighLevelWebhookPayloads.orderingKey(new HighLevelEvent("ContactUpdate", "l", apiContact())))
                .isEqualTo("contact:nmFmQEsNgz6AVpgLVUJ0");
        assertThat(HighLevelWebhookPayloads.orderingKey(new HighLevelEvent("NoteCreate", "l", apiNote())))
                .isEqualTo("contact:CWBf1PR9LvvBkcYqiXlc");
        assertThat(HighLevelWebhookPayloads.orderingKey(new HighLevelEvent("TaskComplete", "l", apiTask())))
                .isEqualTo("contact:WFwVrSSjZ2CNHbZThQX2");
    }

    @Test
    void unknownEventTypesAreRejected() {
        assertThat(HighLevelWebhookPayloads.supports("OpportunityCreate")).isFalse();
        assertThatThrownBy(() -> HighLevelWebhookPayloads.build(
                new HighLevelEvent("OpportunityCreate", "l", SimJson.object()), AT, "w"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("OpportunityCreate");
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static List<String> withEnvelope(List<String> docFields) {
        List<String> all = new ArrayList<>(docFields);
        all.add("timestamp");
        all.add("webhookId");
        return all;
    }
}
