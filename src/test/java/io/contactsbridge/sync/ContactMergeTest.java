package io.contactsbridge.sync;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;

import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.mapping.HighLevelFieldKeys;
import io.contactsbridge.mapping.Side;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;

import static io.contactsbridge.sync.SyncProperties.ConflictPolicy.LAST_WRITER_WINS;
import static io.contactsbridge.sync.SyncProperties.ConflictPolicy.SOURCE_PRIORITY;
import static org.assertj.core.api.Assertions.assertThat;

/** The three-way merge, field kind by field kind and policy by policy, and its fixed-point property. */
class ContactMergeTest {

    /** The sandbox's mapping: the shipped default plus its phone, company and custom-field examples. */
    private static final ContactMapping SANDBOX = ContactMapping.load(new ClassPathResource("mapping/contacts-sandbox.yaml"));

    /** One field per rule the merge knows: plain, owned by each side, one-way in each direction, tags, yes/no. */
    private static final ContactMapping RULES = ContactMapping.parse("""
            defaultCountry: US
            fields:
              - name: email
                birdsend: email
                highlevel: email
                transforms: [trim, lowercase]
              - name: firstName
                birdsend: fields.first_name
                highlevel: firstName
              - name: company
                birdsend: fields.company
                highlevel: city
                owner: birdsend
              - name: stage
                birdsend: fields.stage
                highlevel: customFields.stage
                owner: highlevel
              - name: score
                birdsend: fields.score
                highlevel: customFields.score
                direction: to-highlevel
              - name: nickname
                birdsend: fields.nickname
                highlevel: customFields.nickname
                direction: to-birdsend
              - name: tags
                birdsend: tags
                highlevel: tags
              - name: unsubscribed
                birdsend: unsubscribed
                highlevel: dnd
            """, "test");

    private static final HighLevelFieldKeys KEYS = new HighLevelFieldKeys() {
        private final Map<String, String> ids = Map.of("contact.stage", "cf-stage", "contact.score", "cf-score",
                "contact.nickname", "cf-nickname", "contact.favourite_colour", "cf-colour");

        @Override
        public Optional<String> idOf(String fieldKey) {
            return Optional.ofNullable(ids.get(fieldKey.startsWith("contact.") ? fieldKey : "contact." + fieldKey));
        }

        @Override
        public Optional<String> keyOf(String fieldId) {
            return ids.entrySet().stream().filter(e -> e.getValue().equals(fieldId)).map(Map.Entry::getKey).findFirst();
        }
    };

    private static final SyncProperties.Conflict LWW = SyncProperties.Conflict.defaults();
    private static final SyncProperties.Conflict LWW_BIRDSEND_PRIORITY = new SyncProperties.Conflict(LAST_WRITER_WINS, Side.BIRDSEND);
    private static final SyncProperties.Conflict BIRDSEND_FIRST = new SyncProperties.Conflict(SOURCE_PRIORITY, Side.BIRDSEND);
    private static final SyncProperties.Conflict HIGHLEVEL_FIRST = new SyncProperties.Conflict(SOURCE_PRIORITY, Side.HIGHLEVEL);

    private static final Instant EARLIER = Instant.parse("2025-03-01T10:00:00Z");
    private static final Instant LATER = EARLIER.plusSeconds(5);
    private static final String EMAIL = "ann@example.com";

    private static CanonicalContact contact(Object... namesAndValues) {
        CanonicalContact contact = CanonicalContact.EMPTY.with("email", EMAIL);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            contact = contact.with((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return contact;
    }

    private static ContactMerge.Result merge(ContactMapping mapping, SyncProperties.Conflict policy, CanonicalContact base,
                                             CanonicalContact birdsend, CanonicalContact highlevel, Instant bsUpdated,
                                             Instant hlUpdated) {
        ContactMerge.Result result = new ContactMerge(mapping, policy).merge(base, birdsend, highlevel, bsUpdated, hlUpdated);
        assertFixedPoint(mapping, policy, result);
        return result;
    }

    /**
     * Merging the result again, with its shadow as the base, changes nothing and writes nothing, whatever the times:
     * so the bridge's own write, coming back as an event, never causes another write.
     */
    private static void assertFixedPoint(ContactMapping mapping, SyncProperties.Conflict policy, ContactMerge.Result result) {
        for (Instant[] times : new Instant[][] {{EARLIER, LATER}, {LATER, EARLIER}, {null, null}}) {
            ContactMerge.Result again = new ContactMerge(mapping, policy)
                    .merge(result.shadow(), result.birdsend(), result.highlevel(), times[0], times[1]);
            assertThat(again.birdsend()).as("BirdSend after a second merge").isEqualTo(result.birdsend());
            assertThat(again.highlevel()).as("HighLevel after a second merge").isEqualTo(result.highlevel());
            assertThat(again.shadow()).as("shadow after a second merge").isEqualTo(result.shadow());
            assertThat(again.conflicts()).as("conflicts of a second merge").isEmpty();
            assertThat(mapping.writeBirdSend(again.birdsend(), result.birdsend()).isEmpty()).as("BirdSend write").isTrue();
            assertThat(mapping.writeHighLevel(again.highlevel(), result.highlevel(), KEYS).isEmpty()).as("HighLevel write").isTrue();
        }
    }

    // --- one side changed ------------------------------------------------------------------------

    @Test
    void aFieldOnlyBirdSendChangedTakesBirdSendsValueOnBoth() {
        CanonicalContact base = contact("firstName", "Ann", "company", "Acme");
        CanonicalContact bs = contact("firstName", "Anna", "company", "Acme");
        CanonicalContact hl = contact("firstName", "Ann", "company", "Acme");

        // HighLevel is the later writer and the priority side: neither matters, as HighLevel did not change the field.
        ContactMerge.Result r = merge(RULES, LWW, base, bs, hl, EARLIER, LATER);

        assertThat(r.birdsend().get("firstName")).isEqualTo("Anna");
        assertThat(r.highlevel().get("firstName")).isEqualTo("Anna");
        assertThat(r.shadow().get("firstName")).isEqualTo("Anna");
        assertThat(r.conflicts()).isEmpty();
        assertThat(RULES.writeBirdSend(r.birdsend(), bs).isEmpty()).isTrue();
        assertThat(RULES.writeHighLevel(r.highlevel(), hl, KEYS).body().get("firstName").asText()).isEqualTo("Anna");
    }

    @Test
    void aFieldOnlyHighLevelChangedOrClearedTakesHighLevelsStateOnBoth() {
        CanonicalContact base = contact("firstName", "Ann", "company", "Acme");
        CanonicalContact bs = contact("firstName", "Ann", "company", "Acme");
        CanonicalContact hl = contact("firstName", "Annie");

        ContactMerge.Result r = merge(RULES, BIRDSEND_FIRST, base, bs, hl, LATER, EARLIER);

        assertThat(r.birdsend()).isEqualTo(contact("firstName", "Annie"));
        assertThat(r.highlevel()).isEqualTo(r.birdsend());
        assertThat(r.shadow()).isEqualTo(r.birdsend());
        assertThat(r.conflicts()).isEmpty();
        // The cleared company is cleared on BirdSend too (an empty string clears a BirdSend field).
        assertThat(RULES.writeBirdSend(r.birdsend(), bs).fields()).isEqualTo(Map.of("first_name", "Annie", "company", ""));
    }

    @Test
    void bothChangedToTheSameValueIsNoConflict() {
        CanonicalContact base = contact("firstName", "Ann", "stage", "lead");
        CanonicalContact bs = contact("firstName", "Anne", "stage", "customer");
        CanonicalContact hl = contact("firstName", "Anne", "stage", "customer");

        ContactMerge.Result r = merge(RULES, LWW, base, bs, hl, EARLIER, LATER);

        assertThat(r.conflicts()).isEmpty();
        assertThat(r.shadow()).isEqualTo(bs);
        assertThat(RULES.writeBirdSend(r.birdsend(), bs).isEmpty()).isTrue();
        assertThat(RULES.writeHighLevel(r.highlevel(), hl, KEYS).isEmpty()).isTrue();
    }

    // --- conflicts -------------------------------------------------------------------------------

    @Test
    void bothChangedDifferentlyTheLaterWriterWins() {
        CanonicalContact base = contact("firstName", "Ann");
        CanonicalContact bs = contact("firstName", "Anna");
        CanonicalContact hl = contact("firstName", "Annie");

        ContactMerge.Result birdSendLater = merge(RULES, LWW, base, bs, hl, LATER, EARLIER);
        assertThat(birdSendLater.birdsend().get("firstName")).isEqualTo("Anna");
        assertThat(birdSendLater.highlevel().get("firstName")).isEqualTo("Anna");
        assertThat(birdSendLater.conflicts()).isEqualTo(Map.of("firstName", Side.BIRDSEND));

        ContactMerge.Result highLevelLater = merge(RULES, LWW_BIRDSEND_PRIORITY, base, bs, hl, EARLIER, LATER);
        assertThat(highLevelLater.birdsend().get("firstName")).isEqualTo("Annie");
        assertThat(highLevelLater.highlevel().get("firstName")).isEqualTo("Annie");
        assertThat(highLevelLater.shadow().get("firstName")).isEqualTo("Annie");
        assertThat(highLevelLater.conflicts()).isEqualTo(Map.of("firstName", Side.HIGHLEVEL));
    }

    @Test
    void equalOrUnknownTimesLeaveTheConflictToThePrioritySide() {
        CanonicalContact base = contact("firstName", "Ann");
        CanonicalContact bs = contact("firstName", "Anna");
        CanonicalContact hl = contact("firstName", "Annie");

        assertThat(merge(RULES, LWW, base, bs, hl, EARLIER, EARLIER).shadow().get("firstName")).isEqualTo("Annie");
        assertThat(merge(RULES, LWW, base, bs, hl, null, EARLIER).shadow().get("firstName")).isEqualTo("Annie");
        assertThat(merge(RULES, LWW, base, bs, hl, LATER, null).shadow().get("firstName")).isEqualTo("Annie");

        assertThat(merge(RULES, LWW_BIRDSEND_PRIORITY, base, bs, hl, EARLIER, EARLIER).shadow().get("firstName")).isEqualTo("Anna");
        ContactMerge.Result unknown = merge(RULES, LWW_BIRDSEND_PRIORITY, base, bs, hl, null, null);
        assertThat(unknown.shadow().get("firstName")).isEqualTo("Anna");
        assertThat(unknown.conflicts()).isEqualTo(Map.of("firstName", Side.BIRDSEND));
    }

    @Test
    void sourcePriorityIgnoresTheTimes() {
        CanonicalContact base = contact("firstName", "Ann");
        CanonicalContact bs = contact("firstName", "Anna");
        CanonicalContact hl = contact("firstName", "Annie");

        assertThat(merge(RULES, BIRDSEND_FIRST, base, bs, hl, EARLIER, LATER).shadow().get("firstName")).isEqualTo("Anna");
        assertThat(merge(RULES, HIGHLEVEL_FIRST, base, bs, hl, LATER, EARLIER).shadow().get("firstName")).isEqualTo("Annie");
    }

    @Test
    void aFieldsOwnerBeatsThePolicy() {
        CanonicalContact base = contact("company", "Acme", "stage", "lead");
        CanonicalContact bs = contact("company", "Acme Ltd", "stage", "trial");
        CanonicalContact hl = contact("company", "ACME Inc", "stage", "customer");

        // Last writer (HighLevel) and priority side (HighLevel) both lose company to its owner BirdSend.
        ContactMerge.Result lww = merge(RULES, LWW, base, bs, hl, EARLIER, LATER);
        assertThat(lww.shadow().get("company")).isEqualTo("Acme Ltd");
        assertThat(lww.highlevel().get("company")).isEqualTo("Acme Ltd");
        assertThat(lww.shadow().get("stage")).isEqualTo("customer");
        assertThat(lww.conflicts()).isEqualTo(Map.of("company", Side.BIRDSEND, "stage", Side.HIGHLEVEL));

        // Source priority BirdSend loses stage to its owner HighLevel, even with BirdSend the later writer.
        ContactMerge.Result priority = merge(RULES, BIRDSEND_FIRST, base, bs, hl, LATER, EARLIER);
        assertThat(priority.shadow().get("company")).isEqualTo("Acme Ltd");
        assertThat(priority.birdsend().get("stage")).isEqualTo("customer");
        assertThat(priority.conflicts()).isEqualTo(Map.of("company", Side.BIRDSEND, "stage", Side.HIGHLEVEL));
    }

    // --- tags ------------------------------------------------------------------------------------

    @Test
    void tagsMergeAsSetsAddedOnEitherSideKeptRemovedOnEitherSideGone() {
        CanonicalContact base = contact("tags", List.of("a", "b", "c"));
        // BirdSend added x and removed b; HighLevel added y and x, and removed c.
        CanonicalContact bs = contact("tags", List.of("a", "c", "x"));
        CanonicalContact hl = contact("tags", List.of("a", "b", "x", "y"));

        ContactMerge.Result r = merge(RULES, LWW, base, bs, hl, EARLIER, LATER);

        assertThat(r.shadow().get("tags")).isEqualTo(List.of("a", "x", "y"));
        assertThat(r.birdsend().get("tags")).isEqualTo(List.of("a", "x", "y"));
        assertThat(r.highlevel().get("tags")).isEqualTo(List.of("a", "x", "y"));
        assertThat(r.conflicts()).isEmpty();
        var toBirdSend = RULES.writeBirdSend(r.birdsend(), bs);
        assertThat(toBirdSend.addTags()).containsExactly("y");
        assertThat(toBirdSend.removeTags()).containsExactly("c");
        var toHighLevel = RULES.writeHighLevel(r.highlevel(), hl, KEYS);
        assertThat(toHighLevel.addTags()).isEmpty();
        assertThat(toHighLevel.removeTags()).containsExactly("b");
    }

    @Test
    void removingTheLastTagOnOneSideEmptiesBothSides() {
        ContactMerge.Result r = merge(RULES, LWW, contact("tags", List.of("vip")), contact("tags", List.of("vip")),
                contact(), EARLIER, LATER);

        assertThat(r.birdsend().get("tags")).isNull();
        assertThat(r.highlevel().get("tags")).isNull();
        assertThat(RULES.writeBirdSend(r.birdsend(), contact("tags", List.of("vip"))).removeTags()).containsExactly("vip");
    }

    // --- one-way fields --------------------------------------------------------------------------

    @Test
    void aHighLevelEditOfAFieldFlowingToHighLevelIsLeftAloneAndNeverWrittenBack() {
        CanonicalContact base = contact("score", "10");
        CanonicalContact bs = contact("score", "10");
        CanonicalContact hl = contact("score", "99");

        ContactMerge.Result r = merge(RULES, HIGHLEVEL_FIRST, base, bs, hl, EARLIER, LATER);

        assertThat(r.highlevel().get("score")).isEqualTo("99");
        assertThat(r.birdsend().get("score")).isEqualTo("10");
        assertThat(r.shadow().get("score")).isEqualTo("10");
        assertThat(r.conflicts()).isEmpty();
        assertThat(RULES.writeHighLevel(r.highlevel(), hl, KEYS).isEmpty()).isTrue();
        // Even a desired value that differs is never written to the side that is not the field's target.
        assertThat(RULES.writeBirdSend(contact("score", "99"), bs).isEmpty()).isTrue();
    }

    @Test
    void aBirdSendChangeOfAFieldFlowingToHighLevelOverwritesHighLevelsEdit() {
        CanonicalContact base = contact("score", "10");
        CanonicalContact bs = contact("score", "20");
        CanonicalContact hl = contact("score", "99");

        // HighLevel changed it too, later, and is the priority side: the field flows from BirdSend regardless.
        ContactMerge.Result r = merge(RULES, HIGHLEVEL_FIRST, base, bs, hl, EARLIER, LATER);

        assertThat(r.highlevel().get("score")).isEqualTo("20");
        assertThat(r.birdsend().get("score")).isEqualTo("20");
        assertThat(r.shadow().get("score")).isEqualTo("20");
        assertThat(r.conflicts()).isEmpty();
        assertThat(RULES.writeHighLevel(r.highlevel(), hl, KEYS).body().toString())
                .isEqualTo("{\"customFields\":[{\"id\":\"cf-score\",\"field_value\":\"20\"}]}");
    }

    @Test
    void aFieldFlowingToBirdSendMirrorsTheOtherWay() {
        CanonicalContact base = contact("nickname", "Nan");
        ContactMerge.Result birdSendEdit = merge(RULES, BIRDSEND_FIRST, base, contact("nickname", "Annie"),
                contact("nickname", "Nan"), LATER, EARLIER);
        assertThat(birdSendEdit.birdsend().get("nickname")).isEqualTo("Annie");
        assertThat(birdSendEdit.highlevel().get("nickname")).isEqualTo("Nan");
        assertThat(birdSendEdit.shadow().get("nickname")).isEqualTo("Nan");
        assertThat(RULES.writeHighLevel(contact("nickname", "Annie"), contact("nickname", "Nan"), KEYS).isEmpty()).isTrue();

        ContactMerge.Result highLevelChange = merge(RULES, BIRDSEND_FIRST, base, contact("nickname", "Annie"),
                contact("nickname", "Nancy"), LATER, EARLIER);
        assertThat(highLevelChange.birdsend().get("nickname")).isEqualTo("Nancy");
        assertThat(highLevelChange.shadow().get("nickname")).isEqualTo("Nancy");
    }

    // --- first link ------------------------------------------------------------------------------

    @Test
    void aFirstLinkFillsEmptyFieldsFromTheOtherSideAndUnitesTags() {
        CanonicalContact bs = contact("firstName", "Ann", "tags", List.of("customers", "newsletter"), "score", "5");
        CanonicalContact hl = contact("company", "Acme", "tags", List.of("customers", "vip"), "nickname", "Nan");

        ContactMerge.Result r = merge(RULES, LWW, null, bs, hl, EARLIER, LATER);

        CanonicalContact both = contact("firstName", "Ann", "company", "Acme", "score", "5", "nickname", "Nan",
                "tags", List.of("customers", "newsletter", "vip"));
        assertThat(r.birdsend()).isEqualTo(both);
        assertThat(r.highlevel()).isEqualTo(both);
        assertThat(r.shadow()).isEqualTo(both);
        assertThat(r.conflicts()).isEmpty();
    }

    @Test
    void aFirstLinkDecidesDifferingValuesByThePolicy() {
        CanonicalContact bs = contact("firstName", "Ann", "company", "Acme", "stage", "trial");
        CanonicalContact hl = contact("firstName", "Anne", "company", "Acme Inc", "stage", "lead");

        ContactMerge.Result lww = merge(RULES, LWW_BIRDSEND_PRIORITY, null, bs, hl, EARLIER, LATER);
        assertThat(lww.shadow().get("firstName")).isEqualTo("Anne");
        assertThat(lww.shadow().get("company")).as("owned by BirdSend").isEqualTo("Acme");
        assertThat(lww.shadow().get("stage")).as("owned by HighLevel").isEqualTo("lead");
        assertThat(lww.conflicts()).isEqualTo(Map.of("firstName", Side.HIGHLEVEL, "company", Side.BIRDSEND, "stage", Side.HIGHLEVEL));

        ContactMerge.Result priority = merge(RULES, BIRDSEND_FIRST, null, bs, hl, EARLIER, LATER);
        assertThat(priority.birdsend().get("firstName")).isEqualTo("Ann");
        assertThat(priority.highlevel().get("firstName")).isEqualTo("Ann");
    }

    @Test
    void aFirstLinkOfOneWayFieldsTakesTheSourceAndKeepsTheTargetsValueOnlyWhereTheSourceHasNone() {
        ContactMerge.Result r = merge(RULES, BIRDSEND_FIRST, null, contact("nickname", "Annie"),
                contact("score", "99", "nickname", "Nan"), EARLIER, LATER);

        assertThat(r.highlevel().get("score")).isEqualTo("99");
        assertThat(r.birdsend().get("score")).isNull();
        assertThat(r.birdsend().get("nickname")).isEqualTo("Nan");
        assertThat(r.highlevel().get("nickname")).isEqualTo("Nan");
    }

    // --- writes begun and not recorded ------------------------------------------------------------

    /** What the sync stores with the link before writing: the merge of {@code bs} and {@code hl} against {@code base}. */
    private static PendingWrite pending(SyncProperties.Conflict policy, CanonicalContact base, CanonicalContact bs,
                                        CanonicalContact hl) {
        ContactMerge.Result planned = new ContactMerge(RULES, policy).merge(base, bs, hl, EARLIER, LATER);
        return new PendingWrite(base, planned.shadow(), bs, hl);
    }

    private static ContactMerge.Result mergePending(SyncProperties.Conflict policy, PendingWrite pending, CanonicalContact bs,
                                                    CanonicalContact hl) {
        ContactMerge.Result result = new ContactMerge(RULES, policy).mergePending(pending, bs, hl, EARLIER, LATER);
        assertFixedPoint(RULES, policy, result);
        return result;
    }

    /** The reliability suite's find: the backfill's first link wrote BirdSend, HighLevel's write failed, then x was removed. */
    @Test
    void aHalfWrittenFirstLinkKeepsATagRemovedSinceInsteadOfUnitingItBack() {
        CanonicalContact bs = contact("tags", List.of("b"));
        CanonicalContact hl = contact("tags", List.of("a", "x"));
        PendingWrite pending = pending(LWW, null, bs, hl);
        assertThat(pending.merged().get("tags")).isEqualTo(List.of("a", "b", "x"));

        CanonicalContact bsWritten = contact("tags", List.of("a", "b", "x"));
        CanonicalContact hlEdited = contact("tags", List.of("a"));
        ContactMerge.Result r = mergePending(LWW, pending, bsWritten, hlEdited);

        assertThat(r.shadow().get("tags")).isEqualTo(List.of("a", "b"));
        assertThat(RULES.writeBirdSend(r.birdsend(), bsWritten).removeTags()).containsExactly("x");
        assertThat(RULES.writeHighLevel(r.highlevel(), hlEdited, KEYS).addTags()).containsExactly("b");
        // Without the pending writes the pair looks new: the union brings x back on both sides.
        assertThat(new ContactMerge(RULES, LWW).merge(null, bsWritten, hlEdited, EARLIER, LATER).shadow().get("tags"))
                .isEqualTo(List.of("a", "b", "x"));
    }

    @Test
    void withNothingWrittenAndNothingEditedTheRetryPlansTheSameWrites() {
        CanonicalContact bs = contact("firstName", "Ann", "company", "Acme", "tags", List.of("customers", "newsletter"),
                "score", "5", "unsubscribed", true);
        CanonicalContact hl = contact("firstName", "Anne", "stage", "lead", "tags", List.of("customers", "vip"),
                "nickname", "Nan", "unsubscribed", false);
        for (CanonicalContact base : new CanonicalContact[] {null, contact("firstName", "Ann", "tags", List.of("customers"))}) {
            ContactMerge.Result first = new ContactMerge(RULES, LWW).merge(base, bs, hl, EARLIER, LATER);
            ContactMerge.Result retry = mergePending(LWW, new PendingWrite(base, first.shadow(), bs, hl), bs, hl);

            assertThat(retry.birdsend()).as("BirdSend, base %s", base).isEqualTo(first.birdsend());
            assertThat(retry.highlevel()).as("HighLevel, base %s", base).isEqualTo(first.highlevel());
            assertThat(retry.shadow()).as("shadow, base %s", base).isEqualTo(first.shadow());
        }
    }

    @Test
    void withBothWritesMadeWithoutHearingSoTheRetryWritesNothing() {
        CanonicalContact bs = contact("firstName", "Ann", "tags", List.of("b"), "unsubscribed", true);
        CanonicalContact hl = contact("firstName", "Anne", "tags", List.of("a", "x"), "unsubscribed", false);
        PendingWrite pending = pending(LWW, null, bs, hl);
        ContactMerge.Result first = new ContactMerge(RULES, LWW).merge(null, bs, hl, EARLIER, LATER);

        ContactMerge.Result r = mergePending(LWW, pending, first.birdsend(), first.highlevel());

        assertThat(r.shadow()).isEqualTo(first.shadow());
        assertThat(RULES.writeBirdSend(r.birdsend(), first.birdsend()).isEmpty()).isTrue();
        assertThat(RULES.writeHighLevel(r.highlevel(), first.highlevel(), KEYS).isEmpty()).isTrue();
    }

    @Test
    void anEditMadeBeforeTheRetryIsMergedAsAChangeOfItsSide() {
        // First link: the names differ and HighLevel's (the later) won; BirdSend was written, then Ann renamed in HighLevel.
        CanonicalContact bs = contact("firstName", "Ann");
        CanonicalContact hl = contact("firstName", "Anne");
        PendingWrite pending = pending(LWW, null, bs, hl);
        assertThat(pending.merged().get("firstName")).isEqualTo("Anne");

        ContactMerge.Result renamed = mergePending(LWW, pending, contact("firstName", "Anne"), contact("firstName", "Annabel"));
        assertThat(renamed.shadow().get("firstName")).isEqualTo("Annabel");
        assertThat(renamed.conflicts()).isEmpty();

        // Or BirdSend's write did not land and BirdSend was edited meanwhile: that edit is a change too.
        ContactMerge.Result edited = mergePending(LWW, pending, contact("firstName", "Annie"), hl);
        assertThat(edited.shadow().get("firstName")).isEqualTo("Annie");
    }

    @Test
    void aTagReaddedOnALinkWhoseRemovalWasHalfWrittenStays() {
        // Linked with vip; HighLevel removed vip; BirdSend's removal was made, the link not recorded; then vip added again.
        CanonicalContact base = contact("tags", List.of("customers", "vip"));
        CanonicalContact bs = contact("tags", List.of("customers", "vip"));
        CanonicalContact hl = contact("tags", List.of("customers"));
        PendingWrite pending = pending(LWW, base, bs, hl);

        ContactMerge.Result r = mergePending(LWW, pending, contact("tags", List.of("customers")),
                contact("tags", List.of("customers", "vip")));

        assertThat(r.shadow().get("tags")).isEqualTo(List.of("customers", "vip"));
        // Merged against the old shadow instead, BirdSend's removal reads as a person's and takes vip away again.
        assertThat(new ContactMerge(RULES, LWW).merge(base, contact("tags", List.of("customers")),
                contact("tags", List.of("customers", "vip")), EARLIER, LATER).shadow().get("tags")).isEqualTo(List.of("customers"));
    }

    @Test
    void oneWayFieldsOfAHalfWrittenFirstLinkStillFlowFromTheirSource() {
        // score flows to HighLevel, nickname to BirdSend; neither target was written before the failure.
        CanonicalContact bs = contact("score", "5", "nickname", "Annie");
        CanonicalContact hl = contact("score", "99", "nickname", "Nan");
        PendingWrite pending = pending(LWW, null, bs, hl);

        ContactMerge.Result r = mergePending(LWW, pending, bs, hl);

        assertThat(r.highlevel().get("score")).isEqualTo("5");
        assertThat(r.birdsend().get("nickname")).isEqualTo("Nan");
    }

    @Test
    void aCreateWhoseAnswerWasLostKeepsATagRemovedSinceAtItsSource() {
        // BirdSend's contact was created from HighLevel's (a and x); the answer was lost; then x was removed in HighLevel.
        CanonicalContact hl = contact("firstName", "Kim", "tags", List.of("a", "x"));
        PendingWrite create = new PendingWrite(null, hl, CanonicalContact.EMPTY, hl);

        CanonicalContact bsCreated = contact("firstName", "Kim", "tags", List.of("a", "x"), "unsubscribed", false);
        ContactMerge.Result r = mergePending(LWW, create, bsCreated, contact("firstName", "Kim", "tags", List.of("a")));

        assertThat(r.shadow().get("tags")).isEqualTo(List.of("a"));
        assertThat(RULES.writeBirdSend(r.birdsend(), bsCreated).removeTags()).containsExactly("x");
    }

    @Test
    void aCreatedContactsNoDoesNotTakeBackTheUnsubscribeItsCreateWasToCarry() {
        CanonicalContact hl = contact("tags", List.of("a"), "unsubscribed", true);
        PendingWrite create = new PendingWrite(null, hl, CanonicalContact.EMPTY, hl);

        // Created subscribed (as every new BirdSend contact is); the unsubscribe that follows a create was never made.
        CanonicalContact bsCreated = contact("tags", List.of("a"), "unsubscribed", false);
        ContactMerge.Result r = mergePending(LWW, create, bsCreated, hl);

        assertThat(r.shadow().get("unsubscribed")).isEqualTo(true);
        assertThat(RULES.writeBirdSend(r.birdsend(), bsCreated).unsubscribed()).isTrue();
        assertThat(RULES.writeHighLevel(r.highlevel(), hl, KEYS).isEmpty()).isTrue();
    }

    @Test
    void aTagRemovedFromTheCreatedContactAfterItsAnswerWasLostStaysRemoved() {
        // BirdSend's contact was created from HighLevel's with a and x (one request: the create carries the tags); the
        // answer was lost; while the bridge was down a person took x off the new BirdSend contact.
        CanonicalContact hl = contact("firstName", "Kim", "tags", List.of("a", "x"));
        PendingWrite create = new PendingWrite(null, hl, CanonicalContact.EMPTY, hl);

        CanonicalContact bsEdited = contact("firstName", "Kim", "tags", List.of("a"), "unsubscribed", false);
        ContactMerge.Result r = mergePending(LWW, create, bsEdited, hl);

        assertThat(r.shadow().get("tags")).isEqualTo(List.of("a"));
        assertThat(RULES.writeHighLevel(r.highlevel(), hl, KEYS).removeTags()).containsExactly("x");
        assertThat(RULES.writeBirdSend(r.birdsend(), bsEdited).isEmpty()).isTrue();
    }

    @Test
    void aContactSomeoneElseCreatedMeanwhileKeepsWhatItAdds() {
        // Not the bridge's create after all: the BirdSend contact has a tag and an opt-out of its own. Both stand (and
        // the create's tag it lacks counts as removed, as on a contact the bridge made: the two cannot be told apart).
        CanonicalContact hl = contact("tags", List.of("a"), "unsubscribed", false);
        PendingWrite create = new PendingWrite(null, hl, CanonicalContact.EMPTY, hl);

        ContactMerge.Result r = mergePending(LWW, create, contact("tags", List.of("a", "form"), "unsubscribed", true), hl);

        assertThat(r.shadow().get("tags")).isEqualTo(List.of("a", "form"));
        assertThat(r.shadow().get("unsubscribed")).isEqualTo(true);
    }

    // --- the sandbox mapping ---------------------------------------------------------------------

    @Test
    void theSandboxMappingMergesEveryFieldKind() {
        CanonicalContact base = contact("firstName", "Ann", "lastName", "Lee", "phone", "+14155550100",
                "favouriteColour", "Red", "tags", List.of("customers"), "unsubscribed", false);
        CanonicalContact bs = base.with("favouriteColour", "Blue").with("tags", List.of("customers", "webinar"))
                .with("unsubscribed", true);
        CanonicalContact hl = base.with("lastName", "Lee-Smith").with("tags", List.of()).with("source", "Zapier");

        ContactMerge.Result r = merge(SANDBOX, LWW, base, bs, hl, EARLIER, LATER);

        CanonicalContact expected = base.with("lastName", "Lee-Smith").with("favouriteColour", "Blue")
                .with("tags", List.of("webinar")).with("unsubscribed", true);
        assertThat(r.birdsend()).isEqualTo(expected);
        // The one-sided source is HighLevel's own and stays out of the shadow.
        assertThat(r.highlevel()).isEqualTo(expected.with("source", "Zapier"));
        assertThat(r.shadow()).isEqualTo(expected);
        assertThat(r.conflicts()).isEmpty();
    }

    /**
     * Many random three-way situations over both mappings and every policy: whatever the merge decides is a fixed
     * point, and both sides (apart from one-way fields) end equal to the shadow.
     */
    @Test
    void everyMergeResultIsAFixedPoint() {
        Random random = new Random(20250301);
        List<SyncProperties.Conflict> policies = List.of(LWW, LWW_BIRDSEND_PRIORITY, BIRDSEND_FIRST, HIGHLEVEL_FIRST);
        for (int i = 0; i < 400; i++) {
            ContactMapping mapping = i % 2 == 0 ? RULES : SANDBOX;
            List<String> textFields = mapping == RULES ? List.of("firstName", "company", "stage", "score", "nickname")
                    : List.of("firstName", "lastName", "phone", "company", "favouriteColour");
            CanonicalContact base = random.nextInt(4) == 0 ? null : randomContact(random, textFields);
            CanonicalContact bs = randomContact(random, textFields);
            CanonicalContact hl = randomContact(random, textFields);
            if (mapping == SANDBOX) {
                // HighLevel's one-sided source, as the bridge's first write leaves it.
                hl = hl.with("source", "BirdSend");
            }
            Instant[] times = {EARLIER, LATER, null};
            ContactMerge.Result r = merge(mapping, policies.get(random.nextInt(policies.size())), base, bs, hl,
                    times[random.nextInt(3)], times[random.nextInt(3)]);
            for (String field : List.of("firstName", "tags", "unsubscribed")) {
                assertThat(r.birdsend().get(field)).isEqualTo(r.shadow().get(field));
                assertThat(r.highlevel().get(field)).isEqualTo(r.shadow().get(field));
            }
        }
    }

    private static CanonicalContact randomContact(Random random, List<String> textFields) {
        CanonicalContact c = contact();
        for (String field : textFields) {
            int pick = random.nextInt(3);
            c = c.with(field, pick == 0 ? null : (field.equals("phone") ? "+1415555010" : field + "-") + pick);
        }
        List<String> tags = new ArrayList<>();
        for (String tag : List.of("a", "b", "c", "d")) {
            if (random.nextBoolean()) {
                tags.add(tag);
            }
        }
        return c.with("tags", new ArrayList<>(new TreeSet<>(tags))).with("unsubscribed", random.nextBoolean());
    }
}
