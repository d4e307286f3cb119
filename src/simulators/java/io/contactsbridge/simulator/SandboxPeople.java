package io.contactsbridge.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.birdsend.BirdSendForm;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.birdsend.BirdSendSequence;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelCustomField;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.sim.Seeding;

import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The people sandbox mode starts with. HighLevel is seeded first; then a share of the BirdSend
 * contacts are made from a sample of those HighLevel people, as one person looks after signing up
 * to both services separately, and the rest of BirdSend is generated as usual but never with a
 * HighLevel email. So the sync's backfill finds people on both sides, matched by email, with
 * differences to reconcile, and people on one side only.
 *
 * <p>The BirdSend version of a HighLevel person:
 * <ul>
 *   <li>email: HighLevel's (stored lower-cased) as a person types it, mostly in other letter case;</li>
 *   <li>first/last name: mostly the same; some without accents, in lower case or without last name;</li>
 *   <li>{@code phone}: the same number in another format (about {@value #NATIONAL_PHONE_PERCENT} % of the
 *       pairs in a national format, {@code (415) 555-0134} for {@code +14155550134}), or on one side only;</li>
 *   <li>{@code company}, {@code favourite_colour}: the same, different, or on one side only; colours
 *       are taken from HighLevel's {@value #COLOUR_FIELD_KEY} options, so values can be equal;</li>
 *   <li>tags: some of HighLevel's (which it stores lower-cased) in BirdSend's usual letter case,
 *       and some BirdSend tags of its own;</li>
 *   <li>some unsubscribed, most of all those HighLevel has on DND.</li>
 * </ul>
 * Deterministic for a random seed and start time. This lives here, not in a simulator, because each
 * simulator must stand alone.
 */
public final class SandboxPeople {

    /** HighLevel's custom field (see HighLevelCatalogue's default fields) that BirdSend's favourite_colour mirrors. */
    public static final String COLOUR_FIELD_KEY = "contact.favourite_colour";
    /** The share of shared people whose BirdSend phone is the HighLevel number in national format. */
    public static final int NATIONAL_PHONE_PERCENT = 5;

    // The custom fields BirdSend's own seeder fills, so both kinds of BirdSend people look alike.
    static final String BIRDSEND_COMPANY = "company";
    static final String BIRDSEND_PHONE = "phone";
    static final String BIRDSEND_COLOUR = "favourite_colour";
    /** BirdSend fields the sandbox's accounts have and a new account does not (see bridge.sandbox.extra-fields). */
    public static final List<String> BIRDSEND_EXTRA_FIELDS = List.of(BIRDSEND_PHONE, BIRDSEND_COMPANY, BIRDSEND_COLOUR);

    /** Keeps this generator's stream apart from the simulators' seeders, which use the seed as is. */
    private static final long STREAM_SALT = 0x0B1DC0DEL;

    private static final String[] BIRDSEND_COMPANIES = {"Acme Ltd", "Northwind Traders", "Blue Fjord AS",
            "L'Atelier", "Smith & Co.", "Ñandú Studio", "Café Olé"};
    private static final String[] BIRDSEND_TAGS = {"Newsletter", "Customers", "Leads", "Webinar 2024", "Trial",
            "Podcast Listeners", "Lead Magnet: Ebook", "Black Friday", "Affiliates", "Café Club"};
    private static final int[] FICTIONAL_US_AREA_CODES = {415, 646, 312};

    /**
     * How a country writes its numbers: calling code, trunk prefix of the national form and digit
     * groups of the national number (digits beyond the last group stay in it).
     */
    private record Numbering(String callingCode, String trunkPrefix, int... groups) {
    }

    /** The countries HighLevel's seeder draws phones from, longest calling code first. */
    private static final List<Numbering> NUMBERINGS = List.of(
            new Numbering("353", "0", 1, 3, 4),
            new Numbering("44", "0", 2, 4, 4),
            new Numbering("49", "0", 2, 7),
            new Numbering("33", "0", 1, 2, 2, 2, 2),
            new Numbering("61", "0", 1, 4, 4),
            new Numbering("48", "", 2, 3, 2, 2),
            new Numbering("1", "", 3, 3, 4));

    /**
     * What seeding produced.
     *
     * @param highLevel the ids of the seeded HighLevel contacts
     * @param birdSend  the ids of all seeded BirdSend contacts: generated ones first, then the shared people
     * @param shared    people on both sides (the same email, ignoring case)
     */
    public record Seeded(List<String> highLevel, List<Long> birdSend, int shared) {
    }

    private final Random random;
    private final Instant now;
    private final HighLevelCustomField colourField;
    private final List<Long> sequenceIds;
    private final List<Long> formIds;
    /** E.164 numbers in use, so a phone invented for one side never belongs to someone else. */
    private final Set<String> takenPhones = new HashSet<>();

    private SandboxPeople(long randomSeed, Instant now, HighLevelCustomField colourField, List<Long> sequenceIds,
                          List<Long> formIds) {
        this.random = new Random(randomSeed ^ STREAM_SALT);
        this.now = now;
        this.colourField = colourField;
        this.sequenceIds = sequenceIds;
        this.formIds = formIds;
    }

    /**
     * Seeds HighLevel's demo location with {@code highLevelContacts} people and BirdSend's default
     * account with {@code birdSendContacts}, {@link #sharedCount} of them HighLevel people too.
     */
    public static Seeded seed(HighLevelState highLevel, BirdSendSimulator birdSend, int highLevelContacts,
                              int birdSendContacts, double overlap, long randomSeed) {
        if (birdSendContacts < 0) {
            throw new IllegalArgumentException("birdSendContacts must be >= 0");
        }
        // Ids and indexes rather than rendered contacts: a large account is never held twice.
        List<String> highLevelPeople = highLevel.seedIds(HighLevelState.DEMO_LOCATION_ID, highLevelContacts, randomSeed);
        List<String> highLevelWithEmail = highLevel.havingEmail(highLevelPeople);
        Set<String> highLevelEmails = highLevel.emailsLowerCase(HighLevelState.DEMO_LOCATION_ID);
        int shared = sharedCount(overlap, birdSendContacts, highLevelWithEmail.size());

        long account = birdSend.defaultAccountId();
        List<Long> birdSendPeople = new ArrayList<>(birdSend.seedIds(account, birdSendContacts - shared, randomSeed,
                email -> highLevelEmails.contains(lower(email))));
        HighLevelCustomField colourField = highLevel.customFields(HighLevelState.DEMO_LOCATION_ID).stream()
                .filter(field -> field.fieldKey().equals(COLOUR_FIELD_KEY)).findFirst().orElse(null);
        SandboxPeople people = new SandboxPeople(randomSeed, birdSend.clock().now(), colourField,
                birdSend.sequences(account).stream().map(BirdSendSequence::sequenceId).toList(),
                birdSend.forms(account).stream().map(BirdSendForm::formId).toList());
        people.takenPhones.addAll(highLevel.phones(HighLevelState.DEMO_LOCATION_ID));
        people.addBirdSendVersions(highLevel, highLevelWithEmail, shared,
                version -> birdSendPeople.add(birdSend.seedContact(account, version).contactId()));
        int bothSides = (int) birdSend.contacts(account).stream()
                .filter(contact -> highLevelEmails.contains(lower(contact.email()))).count();
        return new Seeded(List.copyOf(highLevelPeople), List.copyOf(birdSendPeople), bothSides);
    }

    /**
     * How many BirdSend contacts are HighLevel people: {@code overlap} of them, rounded, but no more
     * than there are HighLevel people with an email (the only thing the sync matches by).
     */
    public static int sharedCount(double overlap, int birdSendContacts, int highLevelWithEmail) {
        if (!(overlap >= 0 && overlap <= 1)) {
            throw new IllegalArgumentException("overlap must be a fraction from 0 to 1, was " + overlap);
        }
        return (int) Math.max(0, Math.min(Math.round(overlap * birdSendContacts), highLevelWithEmail));
    }

    // --- the overlap builder -------------------------------------------------------------------------

    /**
     * Makes BirdSend versions of {@code count} HighLevel people with an email, sampled at random, and hands each to
     * {@code create} as it is made (one rendered person at a time, however many are shared).
     */
    private void addBirdSendVersions(HighLevelState highLevel, List<String> withEmail, int count,
                                     Consumer<BirdSendNewContact> create) {
        List<String> sample = new ArrayList<>(withEmail);
        Collections.shuffle(sample, random);
        sample = sample.subList(0, count);
        List<String> phones = new ArrayList<>(count);
        for (String id : sample) {
            phones.add(text(person(highLevel, id), "phone"));
        }
        Set<Integer> national = nationalPhonePeople(phones);
        for (int i = 0; i < sample.size(); i++) {
            Seeding.checkInterrupted();
            create.accept(birdSendVersion(person(highLevel, sample.get(i)), national.contains(i)));
        }
    }

    private static ObjectNode person(HighLevelState highLevel, String contactId) {
        return highLevel.contact(contactId).orElseThrow();
    }

    /**
     * Who gets the national-format phone (positions in the sample, whose phones are given): {@value #NATIONAL_PHONE_PERCENT} % of the sample, at least
     * one, among those with a phone. North American numbers first: a US location reads them back to
     * the same E.164 number, as HighLevel does with its default calling code.
     */
    private static Set<Integer> nationalPhonePeople(List<String> phones) {
        int wanted = phones.isEmpty() ? 0 : (int) Math.max(1, Math.round(phones.size() * NATIONAL_PHONE_PERCENT / 100.0));
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < phones.size(); i++) {
            if (numbering(phones.get(i)) != null) {
                candidates.add(i);
            }
        }
        // Stable sort: the sample's random order decides within each group.
        candidates.sort(Comparator.comparing(i -> !phones.get(i).startsWith("+1")));
        return new HashSet<>(candidates.subList(0, Math.min(wanted, candidates.size())));
    }

    private BirdSendNewContact birdSendVersion(ObjectNode person, boolean nationalPhone) {
        String first = text(person, "firstName");
        String last = text(person, "lastName");
        int nameRoll = random.nextInt(100);
        if (nameRoll >= 95) {
            first = first == null ? null : lower(first);
            last = last == null ? null : lower(last);
        } else if (nameRoll >= 88) {
            last = null;
        } else if (nameRoll >= 80 && first != null) {
            String plain = withoutAccents(first);
            first = plain.equals(first) ? lower(first) : plain;
        }
        BirdSendNewContact contact = BirdSendNewContact.of(retyped(text(person, "email")), first, last)
                .withField(BIRDSEND_COMPANY, company(text(person, "companyName")))
                .withField(BIRDSEND_PHONE, phone(text(person, "phone"), nationalPhone))
                .withField(BIRDSEND_COLOUR, colour(highLevelColour(person)))
                .withTags(tags(person).toArray(String[]::new))
                .withIpaddress(random.nextInt(10) < 7 ? ip() : null)
                .withCreatedAt(signedUp(person));
        if (!sequenceIds.isEmpty() && random.nextInt(4) == 0) {
            contact = contact.withSequence(sequenceIds.get(random.nextInt(sequenceIds.size())));
        }
        if (!formIds.isEmpty() && random.nextInt(10) < 3) {
            contact = contact.withForm(formIds.get(random.nextInt(formIds.size())));
        }
        // Someone who asked HighLevel not to be contacted has mostly left the newsletter too.
        boolean dnd = person.path("dnd").asBoolean(false);
        if (random.nextInt(100) < (dnd ? 70 : 12)) {
            contact = contact.unsubscribed();
        }
        return contact;
    }

    /** The email as the person typed it into BirdSend's form: the same address, often other letter case. */
    private String retyped(String email) {
        int at = email.lastIndexOf('@');
        String local = email.substring(0, at);
        String domain = email.substring(at + 1);
        int roll = random.nextInt(20);
        if (roll < 5) {
            return email;
        }
        if (roll < 12) {
            return capitaliseWords(local) + "@" + domain;
        }
        if (roll < 15) {
            return capitaliseWords(local) + "@" + Character.toUpperCase(domain.charAt(0)) + domain.substring(1);
        }
        if (roll < 18) {
            return local + "@" + domain.toUpperCase(Locale.ROOT);
        }
        return email.toUpperCase(Locale.ROOT);
    }

    private String company(String highLevelCompany) {
        int roll = random.nextInt(20);
        if (highLevelCompany == null) {
            return roll < 6 ? pick(BIRDSEND_COMPANIES) : null;
        }
        if (roll < 11) {
            return highLevelCompany;
        }
        if (roll < 13) {
            // Written differently: "Acme, Inc." as "Acme Inc"; without punctuation to drop, in lower case.
            String plain = highLevelCompany.replaceAll("[.,']", "");
            return plain.equals(highLevelCompany) ? lower(highLevelCompany) : plain;
        }
        if (roll < 15) {
            String other;
            do {
                other = pick(BIRDSEND_COMPANIES);
            } while (other.equalsIgnoreCase(highLevelCompany));
            return other;
        }
        return null;
    }

    private String phone(String highLevelPhone, boolean national) {
        Numbering numbering = numbering(highLevelPhone);
        if (national && numbering != null) {
            return nationalFormat(highLevelPhone, numbering);
        }
        int roll = random.nextInt(10);
        if (highLevelPhone == null) {
            return roll < 3 ? inventedPhone() : null;
        }
        if (roll < 5 && numbering != null) {
            return internationalFormat(highLevelPhone, numbering);
        }
        return roll < 7 ? highLevelPhone : null;
    }

    /** The HighLevel number in another international spelling, as people type it. */
    private String internationalFormat(String e164, Numbering numbering) {
        List<String> groups = groups(e164.substring(1 + numbering.callingCode().length()), numbering.groups());
        return switch (random.nextInt(3)) {
            case 0 -> "+" + numbering.callingCode() + " " + String.join(" ", groups);
            case 1 -> "+" + numbering.callingCode() + "-" + String.join("-", groups);
            default -> numbering.callingCode().equals("1")
                    ? "+1 (" + groups.get(0) + ") " + groups.get(1) + "-" + groups.get(2)
                    : "00" + numbering.callingCode() + " " + String.join(" ", groups);
        };
    }

    /**
     * An E.164 number as written at home: {@code +14155550134} as {@code (415) 555-0134},
     * {@code +442079460134} as {@code 020 7946 0134}; {@code null} for numbers of other countries.
     */
    static String nationalFormat(String e164) {
        Numbering numbering = numbering(e164);
        return numbering == null ? null : nationalFormat(e164, numbering);
    }

    private static String nationalFormat(String e164, Numbering numbering) {
        List<String> groups = groups(e164.substring(1 + numbering.callingCode().length()), numbering.groups());
        return switch (numbering.callingCode()) {
            case "1" -> "(" + groups.get(0) + ") " + groups.get(1) + "-" + groups.get(2);
            case "61" -> "(0" + groups.get(0) + ") " + String.join(" ", groups.subList(1, groups.size()));
            default -> numbering.trunkPrefix() + String.join(" ", groups);
        };
    }

    /** A number for someone HighLevel has no phone for, from ranges reserved for fiction. */
    private String inventedPhone() {
        for (int attempt = 0; attempt < 50; attempt++) {
            String e164;
            String written;
            if (random.nextBoolean()) {
                int area = FICTIONAL_US_AREA_CODES[random.nextInt(FICTIONAL_US_AREA_CODES.length)];
                int line = 100 + random.nextInt(100); // 555-0100 to 555-0199
                e164 = "+1" + area + "5550" + line;
                written = "(" + area + ") 555-0" + line;
            } else {
                String tail = String.format("%03d", random.nextInt(1000)); // 07700 900000 to 900999
                e164 = "+447700900" + tail;
                written = "+44 7700 900" + tail;
            }
            if (takenPhones.add(e164)) {
                return written;
            }
        }
        return null;
    }

    private String colour(String highLevelColour) {
        if (colourField == null || colourField.picklistOptions().isEmpty()) {
            return null;
        }
        List<String> options = colourField.picklistOptions();
        int roll = random.nextInt(20);
        if (highLevelColour == null) {
            return roll < 6 ? options.get(random.nextInt(options.size())) : null;
        }
        if (roll < 10) {
            return highLevelColour;
        }
        if (roll < 13) {
            // Typed rather than picked: "blue" for "Blue".
            String lower = lower(highLevelColour);
            return lower.equals(highLevelColour) ? capitaliseWords(highLevelColour) : lower;
        }
        if (roll < 15 && options.size() > 1) {
            String other;
            do {
                other = options.get(random.nextInt(options.size()));
            } while (other.equals(highLevelColour));
            return other;
        }
        return null;
    }

    private String highLevelColour(ObjectNode person) {
        if (colourField == null) {
            return null;
        }
        for (JsonNode field : person.path("customFields")) {
            if (colourField.id().equals(field.path("id").asText()) && field.path("value").isTextual()) {
                return field.path("value").asText();
            }
        }
        return null;
    }

    /** Some of HighLevel's tags as a BirdSend user writes them, plus some of BirdSend's own. */
    private List<String> tags(ObjectNode person) {
        Map<String, String> byLowerName = new LinkedHashMap<>();
        for (JsonNode tag : person.path("tags")) {
            if (random.nextInt(10) < 6) {
                String name = tag.asText();
                int roll = random.nextInt(4);
                String written = roll == 2 ? name
                        : roll == 3 && name.length() <= 3 ? name.toUpperCase(Locale.ROOT) : capitaliseWords(name);
                byLowerName.putIfAbsent(lower(written), written);
            }
        }
        int own = random.nextInt(3);
        for (int i = 0; i < own; i++) {
            String name = pick(BIRDSEND_TAGS);
            byLowerName.putIfAbsent(lower(name), name);
        }
        return List.copyOf(byLowerName.values());
    }

    /** Signed up to BirdSend within a year either side of being added to HighLevel, never in the future. */
    private Instant signedUp(ObjectNode person) {
        String added = text(person, "dateAdded");
        Instant base = added == null ? now : Instant.parse(added);
        long yearMillis = Duration.ofDays(365).toMillis();
        Instant signedUp = base.plusMillis((long) ((random.nextDouble() * 2 - 1) * yearMillis));
        return signedUp.isAfter(now) ? now : signedUp;
    }

    private String ip() {
        String[] documentationRanges = {"192.0.2.", "198.51.100.", "203.0.113."};
        return pick(documentationRanges) + (1 + random.nextInt(254));
    }

    private String pick(String[] values) {
        return values[random.nextInt(values.length)];
    }

    // --- helpers -----------------------------------------------------------------------------------

    /** The numbering of an E.164 number this class knows how to rewrite, or {@code null}. */
    private static Numbering numbering(String e164) {
        if (e164 == null || !e164.matches("\\+\\d{8,15}")) {
            return null;
        }
        return NUMBERINGS.stream().filter(numbering -> e164.startsWith("+" + numbering.callingCode()))
                .findFirst().orElse(null);
    }

    private static List<String> groups(String digits, int[] sizes) {
        List<String> groups = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < sizes.length && start < digits.length(); i++) {
            int end = i == sizes.length - 1 ? digits.length() : Math.min(digits.length(), start + sizes[i]);
            groups.add(digits.substring(start, end));
            start = end;
        }
        return groups;
    }

    /** Upper-cases each letter that starts a word: after a dot, underscore, hyphen, plus or space. */
    private static String capitaliseWords(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean wordStart = true;
        for (char c : text.toCharArray()) {
            out.append(wordStart ? Character.toUpperCase(c) : c);
            wordStart = c == '.' || c == '_' || c == '-' || c == '+' || c == ' ';
        }
        return out.toString();
    }

    private static String withoutAccents(String name) {
        String replaced = name.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O");
        return Normalizer.normalize(replaced, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || value.asText().isEmpty() ? null : value.asText();
    }

    private static String lower(String text) {
        return Objects.requireNonNull(text).toLowerCase(Locale.ROOT);
    }
}
