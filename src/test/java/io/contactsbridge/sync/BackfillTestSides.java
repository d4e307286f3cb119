package io.contactsbridge.sync;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.SandboxPeople;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.sim.CallRecorder;

/**
 * What the backfill tests read from the two simulators directly (never through the bridge): contacts, emails,
 * mapped fields of a linked pair, and how many write calls each simulator has answered.
 */
final class BackfillTestSides {

    private final SandboxSimulators sims;

    BackfillTestSides(SandboxSimulators sims) {
        this.sims = sims;
    }

    List<ObjectNode> highLevelContacts() {
        return sims.highLevel().state().contacts(sims.highLevelLocationId());
    }

    List<BirdSendContactView> birdSendContacts() {
        return sims.birdSend().contacts();
    }

    long highLevelWithoutEmail() {
        return highLevelContacts().stream().filter(c -> email(c) == null).count();
    }

    /** Lower-cased email to how many HighLevel contacts have it (contacts without email left out). */
    Map<String, Integer> highLevelEmails() {
        Map<String, Integer> out = new HashMap<>();
        highLevelContacts().forEach(c -> {
            String email = email(c);
            if (email != null) {
                out.merge(email, 1, Integer::sum);
            }
        });
        return out;
    }

    Map<String, Integer> birdSendEmails() {
        Map<String, Integer> out = new HashMap<>();
        birdSendContacts().forEach(c -> out.merge(c.email().toLowerCase(Locale.ROOT), 1, Integer::sum));
        return out;
    }

    Optional<ObjectNode> highLevelByEmail(String email) {
        String wanted = email.toLowerCase(Locale.ROOT);
        return highLevelContacts().stream().filter(c -> wanted.equals(email(c))).findFirst();
    }

    Optional<BirdSendContactView> birdSendByEmail(String email) {
        return birdSendContacts().stream().filter(c -> c.email().equalsIgnoreCase(email)).findFirst();
    }

    /**
     * Where a linked pair's mapped fields differ (email ignoring case; first and last name; favourite colour; tags as
     * lower-case sets; unsubscribed against dnd), or empty when they agree or a side is missing entirely (reported).
     */
    List<String> differences(ContactLink link) {
        Optional<BirdSendContactView> bs = sims.birdSend().contact(Long.parseLong(link.birdsendId()));
        Optional<ObjectNode> hl = sims.highLevel().state().contact(link.highlevelId());
        if (bs.isEmpty() || hl.isEmpty()) {
            return List.of("link " + link.birdsendId() + " <-> " + link.highlevelId() + ": a side is missing");
        }
        BirdSendContactView b = bs.get();
        ObjectNode h = hl.get();
        List<String> out = new ArrayList<>();
        compare(out, link, "email", b.email().toLowerCase(Locale.ROOT), email(h));
        compare(out, link, "firstName", text(b.firstName()), text(h.path("firstName").asText(null)));
        compare(out, link, "lastName", text(b.lastName()), text(h.path("lastName").asText(null)));
        compare(out, link, "favouriteColour", text(b.field("favourite_colour")), text(highLevelColour(h)));
        compare(out, link, "tags", lowerSet(b.tagNames()), lowerSet(textList(h.path("tags"))));
        compare(out, link, "unsubscribed/dnd", b.isUnsubscribed(), h.path("dnd").asBoolean(false));
        return out;
    }

    private static void compare(List<String> out, ContactLink link, String field, Object birdSend, Object highLevel) {
        if (!Objects.equals(birdSend, highLevel)) {
            out.add("BirdSend " + link.birdsendId() + " / HighLevel " + link.highlevelId() + " " + field + ": "
                    + birdSend + " vs " + highLevel);
        }
    }

    private String highLevelColour(ObjectNode contact) {
        String fieldId = sims.highLevel().state().customFieldId(sims.highLevelLocationId(), SandboxPeople.COLOUR_FIELD_KEY);
        for (JsonNode field : contact.path("customFields")) {
            if (fieldId.equals(field.path("id").asText())) {
                return field.path("value").isNull() ? null : field.path("value").asText();
            }
        }
        return null;
    }

    /** Calls answered by the HighLevel simulator, all operations and statuses. */
    long highLevelCalls() {
        return sims.highLevel().server().calls().total();
    }

    long birdSendCalls() {
        return sims.birdSend().server().calls().total();
    }

    /** Calls to operations that change something (create, update, upsert, delete, tag, (un)subscribe), both sides. */
    long writeCalls() {
        return writeCalls(sims.highLevel().server().calls()) + writeCalls(sims.birdSend().server().calls());
    }

    private static long writeCalls(CallRecorder calls) {
        return calls.counts().entrySet().stream()
                .filter(e -> e.getKey().matches("(create|update|upsert|delete|add|remove|subscribe|unsubscribe)-.*"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    static String email(JsonNode highLevelContact) {
        String email = text(highLevelContact.path("email").asText(null));
        return email == null ? null : email.toLowerCase(Locale.ROOT);
    }

    /** Trimmed, inner runs of spaces collapsed, blank as null: how the mapping compares text. */
    static String text(String value) {
        if (value == null) {
            return null;
        }
        String collapsed = value.trim().replaceAll("\\s+", " ");
        return collapsed.isEmpty() ? null : collapsed;
    }

    private static List<String> textList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Set<String> lowerSet(List<String> names) {
        return names.stream().map(n -> n.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toCollection(TreeSet::new));
    }
}
