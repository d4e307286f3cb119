package io.contactsbridge.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendContactStatus;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelCustomField;
import io.contactsbridge.simulator.highlevel.HighLevelLocationSettings;
import io.contactsbridge.simulator.highlevel.HighLevelSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.sim.SimClock;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The two services as the project's simulators store contacts, driven through their in-process APIs (no HTTP
 * needed: what matters here is how each side normalises what it stores). Writes are applied as the sync would
 * send them; reads give the JSON the APIs return.
 */
final class SimulatedStores implements AutoCloseable {

    static final String LOCATION = HighLevelState.DEMO_LOCATION_ID;

    private final HighLevelSimulator highLevel = HighLevelSimulator.builder().clock(SimClock.system()).idSeed(7).build();
    private final BirdSendSimulator birdSend = new BirdSendSimulator();

    SimulatedStores() {
        highLevel.state().ensureLocation(LOCATION);
        // Many test contacts share phone numbers; the duplicate rules are not what these tests are about.
        highLevel.state().updateSettings(LOCATION, highLevel.state().settings(LOCATION).withAllowDuplicateContact(true));
    }

    /** Sets the HighLevel location's calling code for national phone numbers. */
    void highLevelCallingCode(String callingCode) {
        HighLevelLocationSettings s = highLevel.state().settings(LOCATION);
        highLevel.state().updateSettings(LOCATION, new HighLevelLocationSettings(s.allowDuplicateContact(),
                s.duplicateMatchOrder(), callingCode, s.lowercaseEmails(), s.lowercaseTags()));
    }

    HighLevelFieldKeys keys() {
        List<HighLevelCustomField> fields = highLevel.state().customFields(LOCATION);
        return new HighLevelFieldKeys() {
            @Override
            public Optional<String> idOf(String fieldKey) {
                return fields.stream().filter(f -> f.fieldKey().equals(fieldKey) || f.fieldKey().equals("contact." + fieldKey))
                        .map(HighLevelCustomField::id).findFirst();
            }

            @Override
            public Optional<String> keyOf(String fieldId) {
                return fields.stream().filter(f -> f.id().equals(fieldId)).map(HighLevelCustomField::fieldKey).findFirst();
            }
        };
    }

    String customFieldId(String key) {
        return highLevel.state().customFieldId(LOCATION, key);
    }

    // --- HighLevel -------------------------------------------------------------------------------

    /** A contact as a person enters it in HighLevel (any create properties); returns it as the API shows it. */
    ObjectNode highLevelUserCreates(JsonNode fields) {
        return highLevel.state().createContactAsUser(LOCATION, fields);
    }

    ObjectNode highLevelApplies(HighLevelWrite write) {
        return highLevel.state().createContactAsUser(LOCATION, write.createBody());
    }

    /** The update's properties, then its tags by difference, as the bridge's calls make them. */
    ObjectNode highLevelApplies(String contactId, HighLevelWrite write) {
        ObjectNode edit = write.body().deepCopy();
        write.addTags().forEach(edit.withArray("addTags")::add);
        write.removeTags().forEach(edit.withArray("removeTags")::add);
        return highLevel.state().editContactAsUser(contactId, edit);
    }

    // --- BirdSend --------------------------------------------------------------------------------

    ObjectNode birdSendUserCreates(BirdSendNewContact contact) {
        return json(birdSend.seedContact(contact));
    }

    ObjectNode birdSendApplies(BirdSendWrite write) {
        BirdSendNewContact contact = BirdSendNewContact.of(write.email());
        for (Map.Entry<String, String> field : write.fields().entrySet()) {
            contact = contact.withField(field.getKey(), field.getValue());
        }
        contact = contact.withTags(write.addTags().toArray(String[]::new));
        if (Boolean.TRUE.equals(write.unsubscribed())) {
            contact = contact.unsubscribed();
        }
        return json(birdSend.seedContact(contact));
    }

    ObjectNode birdSendApplies(long contactId, BirdSendWrite write) {
        BirdSendContactEdit edit = BirdSendContactEdit.change().email(write.email());
        for (Map.Entry<String, String> field : write.fields().entrySet()) {
            edit = edit.field(field.getKey(), field.getValue());
        }
        edit = edit.addTags(write.addTags().toArray(String[]::new)).removeTags(write.removeTags().toArray(String[]::new));
        if (write.unsubscribed() != null) {
            edit = edit.status(write.unsubscribed() ? BirdSendContactStatus.UNSUBSCRIBED : BirdSendContactStatus.ACTIVE);
        }
        return json(birdSend.editContact(contactId, edit));
    }

    /** The contact as BirdSend's {@code GET /contacts/{id}} shows it. */
    private static ObjectNode json(BirdSendContactView view) {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("contact_id", view.contactId()).put("email", view.email());
        ObjectNode fields = json.putObject("fields");
        view.fields().forEach(fields::put);
        ArrayNode tags = json.putArray("tags");
        view.tags().forEach(tag -> tags.addObject().put("tag_id", tag.tagId()).put("name", tag.name()));
        json.put("status", view.status().value());
        return json;
    }

    @Override
    public void close() {
        highLevel.close();
        birdSend.close();
    }
}
