package io.contactsbridge.sync;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.mapping.FieldDirection;
import io.contactsbridge.mapping.FieldKind;
import io.contactsbridge.mapping.FieldRule;
import io.contactsbridge.mapping.Side;

/**
 * The three-way merge at the heart of the sync: what both sides last agreed on (the link's shadow), what
 * BirdSend has now and what HighLevel has now give, field by field, what each side should have.
 * <ul>
 *   <li>A field only one side changed takes that side's value on both.</li>
 *   <li>A field both sides changed to different values is a conflict: the field's {@code owner} wins, else the
 *       policy decides (last writer by each side's update time, or the priority side).</li>
 *   <li>Tags merge as sets: a tag added on either side is added, one removed on either side is removed.</li>
 *   <li>One-way fields only flow from their source: the other side's edits of them stay there.</li>
 *   <li>Without a shadow (two contacts linked for the first time) nothing is known to have changed: where the
 *       sides differ, a value fills an empty field, tags are united, an unsubscribe on either side stands, and
 *       otherwise the conflict rule decides.</li>
 * </ul>
 * The result is a fixed point: merging the result with itself changes nothing, which is why a write coming
 * back as an event (an echo) never causes another write.
 */
public final class ContactMerge {

    /**
     * @param birdsend  what BirdSend should have
     * @param highlevel what HighLevel should have
     * @param shadow    what both now agree on: the link's new shadow
     * @param conflicts the fields both sides changed differently, with the side that won
     */
    public record Result(CanonicalContact birdsend, CanonicalContact highlevel, CanonicalContact shadow,
                         Map<String, Side> conflicts) {
    }

    private final ContactMapping mapping;
    private final SyncProperties.Conflict policy;

    /** The mapping this merge works by. */
    ContactMapping mapping() {
        return mapping;
    }

    public ContactMerge(ContactMapping mapping, SyncProperties.Conflict policy) {
        this.mapping = mapping;
        this.policy = policy;
    }

    /**
     * @param base       the link's shadow, or null when the two contacts are linked now
     * @param birdsend   BirdSend's contact now
     * @param highlevel  HighLevel's contact now
     * @param bsUpdated  when BirdSend's contact last changed (null if unknown)
     * @param hlUpdated  when HighLevel's contact last changed (null if unknown)
     */
    public Result merge(CanonicalContact base, CanonicalContact birdsend, CanonicalContact highlevel,
                        Instant bsUpdated, Instant hlUpdated) {
        Map<String, Object> toBs = new LinkedHashMap<>(birdsend.values());
        Map<String, Object> toHl = new LinkedHashMap<>(highlevel.values());
        Map<String, Object> shadow = new LinkedHashMap<>();
        Map<String, Side> conflicts = new LinkedHashMap<>();
        for (FieldRule rule : mapping.fields()) {
            String f = rule.name();
            boolean onBs = rule.birdsendPath() != null;
            boolean onHl = !rule.highlevelPaths().isEmpty();
            Object a = birdsend.get(f);
            Object h = highlevel.get(f);
            if (!onBs || !onHl) {
                // One-sided (a constant the mapping writes): nothing to agree on.
                continue;
            }
            FieldDirection dir = rule.direction();
            Object value;
            if (rule.kind() == FieldKind.TAGS) {
                value = mergeTags(base == null ? null : base.get(f), a, h, dir);
            } else if (dir == FieldDirection.TO_HIGHLEVEL) {
                value = a;
            } else if (dir == FieldDirection.TO_BIRDSEND) {
                value = h;
            } else if (base == null && rule.kind() == FieldKind.BOOLEAN && !Objects.equals(a, h)) {
                // First link of a subscriber and a contact that disagree on unsubscribe/DND: the opt-out stands.
                // Resubscribing someone because the other system was edited later is not a risk worth taking.
                value = Boolean.TRUE.equals(a) || Boolean.TRUE.equals(h) ? Boolean.TRUE : (a != null ? a : h);
            } else if (base == null) {
                if (Objects.equals(a, h) || h == null) {
                    value = a;
                } else if (a == null) {
                    value = h;
                } else {
                    Side winner = winner(rule, bsUpdated, hlUpdated);
                    conflicts.put(f, winner);
                    value = winner == Side.BIRDSEND ? a : h;
                }
            } else {
                Object b = base.get(f);
                boolean changedA = !Objects.equals(a, b);
                boolean changedH = !Objects.equals(h, b);
                if (changedA && changedH && !Objects.equals(a, h)) {
                    Side winner = winner(rule, bsUpdated, hlUpdated);
                    conflicts.put(f, winner);
                    value = winner == Side.BIRDSEND ? a : h;
                } else {
                    value = changedA ? a : h;
                }
            }
            // One-way fields: the source always keeps its value; the target gets it when it changed at the source
            // (or on first link), so edits on the target side are left alone.
            if (dir == FieldDirection.TO_HIGHLEVEL) {
                Object b = base == null ? null : base.get(f);
                put(toHl, f, base == null ? (a == null ? h : a) : (Objects.equals(a, b) ? h : a));
                put(shadow, f, a);
            } else if (dir == FieldDirection.TO_BIRDSEND) {
                Object b = base == null ? null : base.get(f);
                put(toBs, f, base == null ? (h == null ? a : h) : (Objects.equals(h, b) ? a : h));
                put(shadow, f, h);
            } else {
                put(toBs, f, value);
                put(toHl, f, value);
                put(shadow, f, value);
            }
        }
        return new Result(new CanonicalContact(toBs), new CanonicalContact(toHl), new CanonicalContact(shadow), conflicts);
    }

    /**
     * The merge after writes that were begun and not recorded ({@link PendingWrite}). For each field both sides share, a
     * side that holds what it had, or what it was to get, counts as holding what it was to get (the writes' own effect,
     * made or not); anything else is a person's edit since, merged three ways against what both were to hold. Tags
     * count one by one. One-way fields merge against the shadow before the writes, as the writes were planned.
     */
    public Result mergePending(PendingWrite pending, CanonicalContact birdsend, CanonicalContact highlevel, Instant bsUpdated,
                        Instant hlUpdated) {
        Map<String, Object> base = new LinkedHashMap<>(pending.base() == null ? Map.of() : pending.base().values());
        Map<String, Object> a = new LinkedHashMap<>(birdsend.values());
        Map<String, Object> h = new LinkedHashMap<>(highlevel.values());
        for (FieldRule rule : mapping.fields()) {
            if (rule.birdsendPath() == null || rule.highlevelPaths().isEmpty() || rule.direction() != FieldDirection.BOTH) {
                continue;
            }
            String f = rule.name();
            Object target = pending.merged().get(f);
            put(base, f, target);
            put(a, f, settled(rule, birdsend.get(f), pending.birdsend().get(f), target, pending.birdsend().values().isEmpty()));
            put(h, f, settled(rule, highlevel.get(f), pending.highlevel().get(f), target, pending.highlevel().values().isEmpty()));
        }
        // A one-way field of a first link keeps the first link's rule: an absent base value counts as changed at its source.
        return merge(new CanonicalContact(base), new CanonicalContact(a), new CanonicalContact(h), bsUpdated, hlUpdated);
    }

    /**
     * A side's value with the pending writes' effect taken as made: {@code target} unless the side was edited since.
     * {@code created}: the side's contact was being created, so it had no "before".
     */
    private static Object settled(FieldRule rule, Object now, Object before, Object target, boolean created) {
        if (rule.kind() == FieldKind.BOOLEAN && before == null && Boolean.FALSE.equals(now)) {
            // A contact the writes were creating has "no" as every new contact does: not a person's edit, so it cannot
            // take back an unsubscribe the create was to carry.
            return target;
        }
        if (rule.kind() != FieldKind.TAGS) {
            return Objects.equals(now, before) || Objects.equals(now, target) ? target : now;
        }
        List<String> nowTags = tags(now);
        // Both services take a new contact's tags in the create request itself: a contact the bridge created had every
        // tag it was to get from its first moment, so a tag it lacks now was removed since, by a person. (A contact the
        // service names as already there on a first create is someone's own and is not merged here: ContactSync forgets
        // the record. Only after an earlier create whose outcome is unknown can someone's own contact come here, and
        // then the target's tags it lacks count as removed too: far rarer than an edit made after the bridge's create.)
        List<String> beforeTags = created ? tags(target) : tags(before);
        List<String> targetTags = tags(target);
        TreeSet<String> out = new TreeSet<>();
        TreeSet<String> every = new TreeSet<>(nowTags);
        every.addAll(beforeTags);
        every.addAll(targetTags);
        for (String tag : every) {
            // A tag the writes were to add or remove holds the writes' outcome either way; any other tag is as the side has it.
            boolean flipped = beforeTags.contains(tag) != targetTags.contains(tag);
            if (flipped ? targetTags.contains(tag) : nowTags.contains(tag)) {
                out.add(tag);
            }
        }
        return out.isEmpty() && now == null ? null : new ArrayList<>(out);
    }

    /** The side whose value a conflict on this field keeps. */
    Side winner(FieldRule rule, Instant bsUpdated, Instant hlUpdated) {
        if (rule.owner() != null) {
            return rule.owner();
        }
        if (policy.policy() == SyncProperties.ConflictPolicy.LAST_WRITER_WINS && bsUpdated != null && hlUpdated != null
                && !bsUpdated.equals(hlUpdated)) {
            return bsUpdated.isAfter(hlUpdated) ? Side.BIRDSEND : Side.HIGHLEVEL;
        }
        return policy.priority();
    }

    private static Object mergeTags(Object base, Object a, Object h, FieldDirection dir) {
        List<String> bs = tags(a);
        List<String> hl = tags(h);
        if (dir == FieldDirection.TO_HIGHLEVEL) {
            return bs;
        }
        if (dir == FieldDirection.TO_BIRDSEND) {
            return hl;
        }
        TreeSet<String> out = new TreeSet<>();
        if (base == null) {
            out.addAll(bs);
            out.addAll(hl);
            return new ArrayList<>(out);
        }
        List<String> b = tags(base);
        out.addAll(b);
        // Added on either side: kept. Removed on either side: gone.
        bs.stream().filter(t -> !b.contains(t)).forEach(out::add);
        hl.stream().filter(t -> !b.contains(t)).forEach(out::add);
        b.stream().filter(t -> !bs.contains(t) || !hl.contains(t)).forEach(out::remove);
        return new ArrayList<>(out);
    }

    @SuppressWarnings("unchecked")
    private static List<String> tags(Object value) {
        return value instanceof List<?> list ? (List<String>) list : List.of();
    }

    private static void put(Map<String, Object> values, String field, Object value) {
        if (value == null) {
            values.remove(field);
        } else {
            values.put(field, value);
        }
    }
}
