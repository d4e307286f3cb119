package io.contactsbridge.sync;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.contactsbridge.mapping.Side;

/**
 * What the people of {@link ConcurrentEditsScenario} did, and what each side must therefore hold at the end.
 *
 * <p>Every edit a person makes is recorded with the wall time it was made (milliseconds since the scenario began),
 * the side and what it changed. The model then says, per person and side:
 * <ul>
 *   <li><b>fields</b> (first name, last name, unsubscribed): the value of the last edit of the field, or the value of
 *       an edit made on the other side within the conflict window {@code W} before it, counted in the time the bridge
 *       was running (the sync decides a conflict by each contact's update time, and an edit that has not reached the
 *       other side yet can still be the one it keeps). No edit: the value the person started with. Both sides must hold the same value.</li>
 *   <li><b>tags</b>: the initial tags of both sides plus every tag added minus every tag removed, exactly (tag names
 *       are unique per add, and a remove names a tag the side held at that moment).</li>
 *   <li><b>contacts</b>: exactly one contact per side with the person's email, none on a side where the person
 *       deleted it after the bridge had seen it (deletes only unlink); and one live link between the two.</li>
 * </ul>
 * A contact deleted on side Y at time d: the survivor X owes nothing to Y's edits in the last {@code W} before d
 * (they may or may not have travelled), and Y's side is not checked. A contact deleted before the bridge ever ran is
 * a contact that never existed: its edits are gone with it and the bridge creates the person there again.
 *
 * <p>Violations are collected, never thrown one by one: {@link #check} returns all of them, and {@link #report}
 * names each person with the field, what each side holds, what was expected, and the person's history.
 */
final class ConcurrentEditsModel {

    /** The fields a person edits (besides tags), with the canonical names of the mapping. */
    static final List<String> FIELDS = List.of("firstName", "lastName", "unsubscribed");

    enum Kind {
        BOTH("on both sides"), HIGHLEVEL_ONLY("in HighLevel only"), BIRDSEND_ONLY("in BirdSend only");

        final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    enum Op { SET_FIELD, ADD_TAG, REMOVE_TAG, DELETE }

    /**
     * One thing a person did.
     *
     * @param seq   the edit's number in the run (values carry it, so a value names the edit that wrote it)
     * @param atMs  wall time, milliseconds since the scenario began
     * @param phase when it happened relative to the bridge ("before start", "backfill running", ...)
     */
    record Edit(int seq, long atMs, Side side, Op op, String field, Object value, String tag, String phase) {

        String describe() {
            String what = switch (op) {
                case SET_FIELD -> field + " = " + value;
                case ADD_TAG -> "add tag " + tag;
                case REMOVE_TAG -> "remove tag " + tag;
                case DELETE -> "DELETE the contact";
            };
            return String.format(Locale.ROOT, "%8.3fs  e%-4d %-9s %s  (%s)", atMs / 1000.0, seq, label(side), what, phase);
        }
    }

    /** One person: an email, where they start, what they start with, and what they did. */
    static final class Person {
        final String population;
        final String email;
        final Kind kind;
        /** Both-sides people are edited on this side only until the backfill has linked them (see the scenario). */
        final Side earlySide;
        final Map<String, Object> initial = new LinkedHashMap<>();
        final Map<Side, Set<String>> initialTags = new EnumMap<>(Side.class);
        final List<Edit> history = new ArrayList<>();
        /** Deleted before the bridge first started: the contact never existed as far as the bridge can know. */
        final Map<Side, Long> deletedBeforeStart = new EnumMap<>(Side.class);
        /** Deleted while the bridge ran (or was restarting): the link is to be marked, the contact not recreated. */
        final Map<Side, Long> deletedLive = new EnumMap<>(Side.class);
        /** The person's contact ids and links at the end, for the report (to find them in the bridge's log). */
        String idsAtEnd = "";

        Person(String population, String email, Kind kind, Side earlySide) {
            this.population = population;
            this.email = email;
            this.kind = kind;
            this.earlySide = earlySide;
            initialTags.put(Side.HIGHLEVEL, new TreeSet<>());
            initialTags.put(Side.BIRDSEND, new TreeSet<>());
        }

        /** Whether the person started with a contact on {@code side}. */
        boolean startedOn(Side side) {
            return kind == Kind.BOTH || (side == Side.HIGHLEVEL ? kind == Kind.HIGHLEVEL_ONLY : kind == Kind.BIRDSEND_ONLY);
        }

        boolean deleted(Side side) {
            return deletedBeforeStart.containsKey(side) || deletedLive.containsKey(side);
        }

        boolean deletedAnywhere() {
            return !deletedBeforeStart.isEmpty() || !deletedLive.isEmpty();
        }

        /** Tags the person's edits and start say the contact holds now, on either side (for picking a tag to remove). */
        Set<String> knownTags() {
            Set<String> tags = new TreeSet<>();
            initialTags.values().forEach(tags::addAll);
            history.stream().filter(e -> e.op() == Op.ADD_TAG).forEach(e -> tags.add(e.tag()));
            history.stream().filter(e -> e.op() == Op.REMOVE_TAG).forEach(e -> tags.remove(e.tag()));
            return tags;
        }

        String describe() {
            return email + " [" + population + ", " + kind.words + (kind == Kind.BOTH ? ", edited in " + label(earlySide)
                    + " only until linked" : "") + "]";
        }
    }

    /** A contact as one side holds it at the end, in the mapping's canonical terms. */
    record SideContact(String id, String email, String firstName, String lastName, boolean unsubscribed, Set<String> tags) {

        Object value(String field) {
            return switch (field) {
                case "firstName" -> firstName;
                case "lastName" -> lastName;
                case "unsubscribed" -> unsubscribed;
                default -> throw new IllegalArgumentException(field);
            };
        }
    }

    /** One broken promise; {@code person} null for run-wide ones. */
    record Violation(String kind, Person person, String text) {
    }

    /** What tags a side must hold ({@code required}) and may hold ({@code optional}). */
    record TagExpectation(Set<String> required, Set<String> optional) {
    }

    private final List<Person> people = new ArrayList<>();
    private final long conflictWindowMs;

    /** @param conflictWindowMs W: how long an edit may take to reach the other side, from the bridge's settings */
    ConcurrentEditsModel(long conflictWindowMs) {
        this.conflictWindowMs = conflictWindowMs;
    }

    void add(Person person) {
        people.add(person);
    }

    List<Person> people() {
        return people;
    }

    long conflictWindowMs() {
        return conflictWindowMs;
    }

    // ---- expectations --------------------------------------------------------------------------------

    /** Whether an edit on {@code e.side()} is meant to reach side {@code x} (see the class comment). */
    private static boolean counts(Person p, Edit e, Side x) {
        Long gone = p.deletedBeforeStart.get(e.side());
        if (gone != null && e.atMs() <= gone) {
            return false; // edits of a contact deleted before the bridge ever ran are gone with it
        }
        return e.side() == x || !p.deletedLive.containsKey(e.side()) || e.atMs() <= p.deletedLive.get(e.side());
    }

    /**
     * Whether an edit on the other side may or may not have reached {@code x}: the bridge was up for less than W between
     * the edit and its contact's delete (a change the bridge had no time to see is gone with the contact).
     */
    private boolean optional(Person p, Edit e, Side x) {
        Long gone = p.deletedLive.get(e.side());
        return e.side() != x && gone != null && upTime(e.atMs(), gone) < conflictWindowMs;
    }

    private final List<long[]> downIntervals = new ArrayList<>();

    /** The bridge was stopped from {@code fromMs} until it answered again at {@code toMs}. */
    void bridgeDown(long fromMs, long toMs) {
        downIntervals.add(new long[] {fromMs, toMs});
    }

    private long upTime(long fromMs, long toMs) {
        long up = Math.max(0, toMs - fromMs);
        for (long[] down : downIntervals) {
            up -= Math.max(0, Math.min(toMs, down[1]) - Math.max(fromMs, down[0]));
        }
        return up;
    }

    /** The values {@code field} may end with on side {@code x}, the first one the one to expect when in doubt. */
    Set<Object> acceptable(Person p, String field, Side x) {
        List<Edit> edits = p.history.stream()
                .filter(e -> e.op() == Op.SET_FIELD && e.field().equals(field) && counts(p, e, x))
                .sorted(Comparator.comparingLong(Edit::atMs).thenComparingInt(Edit::seq)).toList();
        Edit last = null;
        for (Edit e : edits) {
            if (!optional(p, e, x)) {
                last = e;
            }
        }
        Set<Object> ok = new LinkedHashSet<>();
        ok.add(last == null ? p.initial.get(field) : last.value());
        for (Edit e : edits) {
            // Within W of the last edit in the bridge's running time: an edit cannot travel while the bridge is down, so
            // one made just before a stop and one made just after the start are as concurrent as two made together.
            boolean near = last == null || e.atMs() > last.atMs() || upTime(e.atMs(), last.atMs()) <= conflictWindowMs;
            boolean conflicting = last != null && e.side() != last.side() && e.atMs() <= last.atMs() && near;
            boolean uncertain = optional(p, e, x) && near;
            if (conflicting || uncertain) {
                ok.add(e.value());
            }
        }
        return ok;
    }

    TagExpectation expectedTags(Person p, Side x) {
        Set<String> initial = new TreeSet<>();
        for (Side s : Side.values()) {
            if (p.startedOn(s) && !p.deletedBeforeStart.containsKey(s)) {
                initial.addAll(p.initialTags.get(s));
            }
        }
        Map<String, List<Edit>> byTag = new TreeMap<>();
        p.history.stream().filter(e -> (e.op() == Op.ADD_TAG || e.op() == Op.REMOVE_TAG) && counts(p, e, x))
                .sorted(Comparator.comparingLong(Edit::atMs).thenComparingInt(Edit::seq))
                .forEach(e -> byTag.computeIfAbsent(e.tag(), t -> new ArrayList<>()).add(e));
        initial.forEach(t -> byTag.computeIfAbsent(t, k -> new ArrayList<>()));
        Set<String> required = new TreeSet<>();
        Set<String> maybe = new TreeSet<>();
        byTag.forEach((tag, events) -> {
            boolean present = initial.contains(tag);
            boolean uncertain = false;
            for (Edit e : events) {
                if (optional(p, e, x)) {
                    uncertain = true;
                } else {
                    present = e.op() == Op.ADD_TAG;
                    uncertain = false;
                }
            }
            if (uncertain) {
                maybe.add(tag);
            } else if (present) {
                required.add(tag);
            }
        });
        return new TagExpectation(required, maybe);
    }

    // ---- the check -----------------------------------------------------------------------------------

    /**
     * Every violation of the model.
     *
     * @param highLevel HighLevel's contacts at the end, by lower-case email
     * @param birdSend  BirdSend's contacts at the end, by lower-case email
     * @param links     the bridge's link table, read after it stopped
     */
    List<Violation> check(Map<String, List<SideContact>> highLevel, Map<String, List<SideContact>> birdSend,
                          List<CrashTestStore.LinkRow> links) {
        List<Violation> out = new ArrayList<>();
        Set<String> hlIds = new java.util.HashSet<>();
        highLevel.values().forEach(l -> l.forEach(c -> hlIds.add(c.id())));
        Set<String> bsIds = new java.util.HashSet<>();
        birdSend.values().forEach(l -> l.forEach(c -> bsIds.add(c.id())));

        for (Person p : people) {
            List<SideContact> hlEnd = highLevel.getOrDefault(p.email, List.of());
            List<SideContact> bsEnd = birdSend.getOrDefault(p.email, List.of());
            p.idsAtEnd = "HighLevel " + ids(hlEnd) + ", BirdSend " + ids(bsEnd) + ", links " + links.stream()
                    .filter(r -> p.email.equalsIgnoreCase(r.email())
                            || hlEnd.stream().anyMatch(c -> c.id().equals(r.highlevelId()))
                            || bsEnd.stream().anyMatch(c -> c.id().equals(r.birdsendId())))
                    .toList();
            Map<Side, SideContact> found = new EnumMap<>(Side.class);
            for (Side x : Side.values()) {
                List<SideContact> contacts = (x == Side.HIGHLEVEL ? highLevel : birdSend).getOrDefault(p.email, List.of());
                if (p.deletedLive.containsKey(x)) {
                    if (!contacts.isEmpty()) {
                        out.add(new Violation("deleted contact recreated", p, label(x) + " holds " + ids(contacts)
                                + " although the person deleted the contact there while the bridge ran (deletes only unlink)"));
                    }
                } else if (contacts.isEmpty()) {
                    out.add(new Violation("contact missing", p, label(x) + " has no contact with this email"));
                } else {
                    if (contacts.size() > 1) {
                        out.add(new Violation("duplicate contact", p, label(x) + " holds " + contacts.size()
                                + " contacts with this email: " + ids(contacts)));
                    }
                    found.put(x, contacts.get(0));
                }
            }
            for (String field : FIELDS) {
                checkField(p, field, found, out);
            }
            for (Side x : found.keySet()) {
                checkTags(p, x, found.get(x), out);
            }
            if (found.size() == 2) {
                String hl = found.get(Side.HIGHLEVEL).id();
                String bs = found.get(Side.BIRDSEND).id();
                List<CrashTestStore.LinkRow> rows = links.stream()
                        .filter(r -> r.highlevelId().equals(hl) || r.birdsendId().equals(bs)).toList();
                List<CrashTestStore.LinkRow> exact = rows.stream()
                        .filter(r -> r.highlevelId().equals(hl) && r.birdsendId().equals(bs)).toList();
                if (exact.isEmpty()) {
                    out.add(new Violation("not linked", p, "no link between HighLevel " + hl + " and BirdSend " + bs
                            + (rows.isEmpty() ? "" : "; links of either: " + rows)));
                } else if (exact.size() > 1) {
                    out.add(new Violation("linked twice", p, "links " + exact));
                } else if (exact.get(0).unlinkedSide() != null) {
                    out.add(new Violation("link marked deleted", p, "the link of HighLevel " + hl + " and BirdSend " + bs
                            + " is marked: " + exact.get(0).unlinkedSide() + " contact deleted, though both exist"
                            + " (every later edit of this person is skipped)"));
                }
            }
        }
        // Marks on links outside the people's pairs (e.g. a link to a contact of a duplicate), wherever they are.
        Map<String, Person> byHl = new java.util.HashMap<>();
        Map<String, Person> byBs = new java.util.HashMap<>();
        for (Person p : people) {
            highLevel.getOrDefault(p.email, List.of()).forEach(c -> byHl.put(c.id(), p));
            birdSend.getOrDefault(p.email, List.of()).forEach(c -> byBs.put(c.id(), p));
        }
        for (CrashTestStore.LinkRow row : links) {
            if (row.unlinkedSide() == null) {
                continue;
            }
            boolean hlSide = Side.HIGHLEVEL.key().equals(row.unlinkedSide());
            boolean exists = hlSide ? hlIds.contains(row.highlevelId()) : bsIds.contains(row.birdsendId());
            Person p = byHl.getOrDefault(row.highlevelId(), byBs.get(row.birdsendId()));
            boolean reported = p != null && out.stream().anyMatch(v -> v.person() == p && v.kind().equals("link marked deleted"));
            if (exists && !reported) {
                out.add(new Violation("link marked deleted", p, "link " + row + " says the " + row.unlinkedSide()
                        + " contact was deleted, but " + (hlSide ? "HighLevel " + row.highlevelId() : "BirdSend " + row.birdsendId())
                        + " exists"));
            }
        }
        // Duplicates among all contacts, people or not.
        for (Side x : Side.values()) {
            Map<String, List<SideContact>> all = x == Side.HIGHLEVEL ? highLevel : birdSend;
            Set<String> modelled = people.stream().map(p -> p.email).collect(Collectors.toSet());
            all.forEach((email, contacts) -> {
                if (contacts.size() > 1 && !modelled.contains(email)) {
                    out.add(new Violation("duplicate contact", null, label(x) + " holds " + contacts.size()
                            + " contacts with the email " + email + ": " + ids(contacts)));
                }
            });
        }
        return out;
    }

    private void checkField(Person p, String field, Map<Side, SideContact> found, List<Violation> out) {
        if (found.isEmpty()) {
            return;
        }
        Map<Side, Set<Object>> ok = new EnumMap<>(Side.class);
        List<String> wrong = new ArrayList<>();
        for (Side x : found.keySet()) {
            ok.put(x, acceptable(p, field, x));
            Object actual = found.get(x).value(field);
            if (!ok.get(x).contains(actual)) {
                wrong.add(label(x));
            }
        }
        boolean differ = found.size() == 2
                && !Objects.equals(found.get(Side.HIGHLEVEL).value(field), found.get(Side.BIRDSEND).value(field));
        if (wrong.isEmpty() && !differ) {
            return;
        }
        StringBuilder text = new StringBuilder(field).append(": ");
        for (Side x : found.keySet()) {
            text.append(label(x)).append(" holds ").append(found.get(x).value(field))
                    .append(" (expected ").append(oneOf(ok.get(x))).append("); ");
        }
        text.setLength(text.length() - 2);
        out.add(new Violation(wrong.isEmpty() ? "sides differ" : "edit lost", p, text.toString()));
    }

    private void checkTags(Person p, Side x, SideContact contact, List<Violation> out) {
        TagExpectation expected = expectedTags(p, x);
        Set<String> missing = new TreeSet<>(expected.required());
        missing.removeAll(contact.tags());
        Set<String> unexpected = new TreeSet<>(contact.tags());
        unexpected.removeAll(expected.required());
        unexpected.removeAll(expected.optional());
        if (!missing.isEmpty()) {
            out.add(new Violation("tag lost", p, "tags in " + label(x) + ": missing " + missing + " (holds " + contact.tags()
                    + ", expected " + expected.required() + (expected.optional().isEmpty() ? "" : " and maybe " + expected.optional())
                    + ")"));
        }
        if (!unexpected.isEmpty()) {
            out.add(new Violation("tag not removed", p, "tags in " + label(x) + ": unexpected " + unexpected + " (holds "
                    + contact.tags() + ", expected " + expected.required() + (expected.optional().isEmpty() ? ""
                    : " and maybe " + expected.optional()) + ")"));
        }
    }

    // ---- the report ----------------------------------------------------------------------------------

    /** All violations, counted by kind, then person by person with their history. */
    String report(List<Violation> violations, String header) {
        StringBuilder out = new StringBuilder(header).append('\n');
        Map<String, Long> byKind = new TreeMap<>(violations.stream()
                .collect(Collectors.groupingBy(Violation::kind, Collectors.counting())));
        long persons = violations.stream().map(Violation::person).filter(Objects::nonNull).distinct().count();
        out.append(violations.size()).append(" violations of ").append(persons).append(" of ").append(people.size())
                .append(" people: ").append(byKind).append('\n');
        violations.stream().filter(v -> v.person() == null)
                .forEach(v -> out.append("* ").append(v.kind()).append(": ").append(v.text()).append('\n'));
        Map<Person, List<Violation>> byPerson = new LinkedHashMap<>();
        violations.stream().filter(v -> v.person() != null)
                .forEach(v -> byPerson.computeIfAbsent(v.person(), k -> new ArrayList<>()).add(v));
        byPerson.forEach((p, list) -> {
            out.append("\n* ").append(p.describe()).append('\n');
            list.forEach(v -> out.append("    ").append(v.kind()).append(": ").append(v.text()).append('\n'));
            out.append("    started with ").append(p.initial).append(", tags ");
            for (Side s : Side.values()) {
                if (p.startedOn(s)) {
                    out.append(label(s)).append(' ').append(p.initialTags.get(s)).append(' ');
                }
            }
            out.append('\n');
            out.append("    at the end: ").append(p.idsAtEnd).append('\n');
            p.history.forEach(e -> out.append("    ").append(e.describe()).append('\n'));
        });
        return out.toString();
    }

    static String label(Side side) {
        return side == Side.HIGHLEVEL ? "HighLevel" : "BirdSend";
    }

    private static String oneOf(Collection<Object> values) {
        return values.size() == 1 ? String.valueOf(values.iterator().next()) : "one of " + values;
    }

    private static String ids(List<SideContact> contacts) {
        return contacts.stream().map(SideContact::id).toList().toString();
    }
}
