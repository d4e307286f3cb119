package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.NumberBlock;
import io.contactsbridge.simulator.sim.SimJson;

import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates realistic, awkward contacts for a location: names with accents, apostrophes,
 * hyphens and particles; plus-addressed and mixed-case emails; phones in several national and
 * international formats (stored normalised, as the API would); many tags; values for the
 * location's custom fields; dates spread over the last two years. Deterministic for a given
 * random seed and start time. Emails and phones are unique within the location, so seeding works
 * whether or not duplicates are allowed.
 */
final class HighLevelSeeder {

    private static final String[] FIRST_NAMES = {"José", "Zoë", "Siobhán", "François", "Łukasz", "Ann", "Søren",
            "Björn", "Chloé", "Renée", "Dónal", "Ayşe", "Mário", "Inês", "Ólafur", "Małgorzata", "Jürgen", "Anaïs",
            "Noémie", "Émile", "Priya", "Aoife", "Seán", "Kateřina", "Tomás", "Niamh", "Marie-Claire", "Jean-Luc",
            "D'Arcy", "Kwame", "Mei", "Hiroshi", "Fatima", "Oluwaseun", "Zoltán", "Åsa", "Ciarán", "Dagný",
            "Mary Ann", "John"};
    private static final String[] LAST_NAMES = {"Álvarez", "O'Brien", "Ní Bhriain", "Dupont-Moreau", "Żółć", "Lee",
            "García Márquez", "Müller", "Nørgaard", "O'Sullivan", "McAllister", "D'Angelo", "van der Berg",
            "de la Cruz", "Kowalski", "Schröder", "Ferreira", "Nguyễn", "Lefèvre", "Ó Súilleabháin", "Brontë",
            "Ibáñez", "Çelik", "Dvořák", "Petrović", "Åberg", "Smith-Jones", "MacDonald", "St. Clair", "Okafor"};
    private static final String[] DOMAINS = {"example.com", "Example.com", "example.org", "mail.example.co.uk",
            "example.net", "EXAMPLE.DE", "post.example.fr"};
    private static final String[] PLUS_TAGS = {"promo", "news", "shop", "hl", "2024"};
    private static final String[] TAGS = {"newsletter", "VIP", "Lead - Website", "customer", "trade show 2024",
            "Webinar Attendee", "birdsend", "cold", "warm", "hot", "Black Friday", "Référence", "partner",
            "churn-risk", "beta tester", "Événement", "Q3 promo", "import-2023-11", "facebook lead",
            "Referral: Zoë", "  Padded Tag  ", "wholesale", "retail", "do-not-call", "EU"};
    private static final String[] COMPANIES = {"Álvarez & Hijos S.L.", "O'Brien Plumbing Ltd", "Dupont-Moreau SARL",
            "Żółć Sp. z o.o.", "Nørgaard ApS", "Müller & Söhne GmbH", "Acme, Inc.", "Café Ümlaut", "Brontë Books",
            "D'Angelo Trattoria"};
    private static final String[] SOURCES = {"public api", "form: contact us", "import", "facebook", "manual",
            "booking widget"};

    /** Phone formats with the place (city, state, country, postal code, timezone) they come from. */
    private record Region(String city, String state, String country, String postalCode, String timezone) {
    }

    private static final Region[] REGIONS = {
            new Region("San Francisco", "CA", "US", "94103", "America/Los_Angeles"),
            new Region("New York", "NY", "US", "10001", "America/New_York"),
            new Region("London", null, "GB", "EC1A 1BB", "Europe/London"),
            new Region("Berlin", null, "DE", "10115", "Europe/Berlin"),
            new Region("Paris", null, "FR", "75002", "Europe/Paris"),
            new Region("Sydney", "NSW", "AU", "2000", "Australia/Sydney"),
            new Region("Dublin", null, "IE", "D02 X285", "Europe/Dublin"),
            new Region("Kraków", null, "PL", "30-001", "Europe/Warsaw")};

    /** How many digits of each region's numbers vary: a million people per region. */
    private static final int PHONE_DIGITS = 6;

    private final Random random;
    private final Instant now;
    private final List<HighLevelCustomField> customFields;
    private final NumberBlock[] phoneBlocks = new NumberBlock[REGIONS.length];
    /** Per region, the index of the next number of its block to try. */
    private final long[] nextPhoneIndex = new long[REGIONS.length];
    /** The last number added to an email to make it unique. */
    private long emailNumber;
    private final Map<String, String> folded = new HashMap<>();

    HighLevelSeeder(Random random, Instant now, List<HighLevelCustomField> customFields) {
        this.random = random;
        this.now = now;
        this.customFields = customFields;
        for (int i = 0; i < REGIONS.length; i++) {
            phoneBlocks[i] = new NumberBlock(PHONE_DIGITS, 7_919L * (i + 1));
        }
    }

    /** One seed entry; adds its email and phone to the taken sets (lower-cased email, E.164 phone). */
    ObjectNode next(Set<String> takenEmails, Set<String> takenPhones, String defaultCallingCode) {
        String first = pick(FIRST_NAMES);
        String last = pick(LAST_NAMES);
        int regionIndex = random.nextInt(REGIONS.length);
        Region region = REGIONS[regionIndex];
        ObjectNode contact = SimJson.object();
        contact.put("firstName", first);
        contact.put("lastName", last);
        if (random.nextInt(10) > 0) {
            contact.put("email", uniqueEmail(first, last, takenEmails));
        }
        if (random.nextInt(10) > 1 || !contact.has("email")) {
            contact.put("phone", uniquePhone(regionIndex, takenPhones, defaultCallingCode));
        }
        if (random.nextInt(10) < 4) {
            contact.put("companyName", pick(COMPANIES));
        }
        contact.put("city", region.city());
        if (region.state() != null) {
            contact.put("state", region.state());
        }
        contact.put("country", region.country());
        contact.put("postalCode", region.postalCode());
        contact.put("timezone", region.timezone());
        contact.put("source", pick(SOURCES));
        if (random.nextInt(10) < 3) {
            LocalDate birth = LocalDate.of(1950 + random.nextInt(55), 1 + random.nextInt(12), 1 + random.nextInt(28));
            contact.put("dateOfBirth", birth.toString());
        }
        if (random.nextInt(20) == 0) {
            contact.put("dnd", true);
            contact.putObject("dndSettings").putObject("Email").put("status", "active").put("message", "Unsubscribed");
        }
        ArrayNode tags = contact.putArray("tags");
        int tagCount = random.nextInt(6);
        Set<String> chosen = new LinkedHashSet<>();
        while (chosen.size() < tagCount) {
            chosen.add(pick(TAGS));
        }
        chosen.forEach(tags::add);
        ArrayNode fields = contact.putArray("customFields");
        for (HighLevelCustomField field : customFields) {
            Object value = customValue(field);
            if (value instanceof List<?> list) {
                ArrayNode items = fields.addObject().put("key", field.fieldKey()).putArray("field_value");
                list.forEach(item -> items.add(String.valueOf(item)));
            } else if (value instanceof Integer number) {
                fields.addObject().put("key", field.fieldKey()).put("field_value", number);
            } else if (value != null) {
                fields.addObject().put("key", field.fieldKey()).put("field_value", String.valueOf(value));
            }
        }
        long ageMillis = (long) (random.nextDouble() * Duration.ofDays(730).toMillis());
        Instant added = now.minusMillis(ageMillis);
        Instant updated = added.plusMillis((long) (random.nextDouble() * ageMillis));
        contact.put("dateAdded", HighLevelTime.format(added));
        contact.put("dateUpdated", HighLevelTime.format(updated));
        return contact;
    }

    private Object customValue(HighLevelCustomField field) {
        switch (field.dataType()) {
            case "SINGLE_OPTIONS", "RADIO" -> {
                return random.nextBoolean() ? field.picklistOptions().get(random.nextInt(field.picklistOptions().size()))
                        : null;
            }
            case "NUMERICAL", "MONETORY" -> {
                return random.nextInt(10) < 6 ? random.nextInt(5000) : null;
            }
            case "DATE" -> {
                return random.nextInt(10) < 3
                        ? now.atZone(ZoneOffset.UTC).toLocalDate().plusDays(random.nextInt(730) - 365).toString() : null;
            }
            case "MULTIPLE_OPTIONS", "CHECKBOX" -> {
                if (random.nextInt(10) >= 3) {
                    return null;
                }
                List<String> options = new ArrayList<>(field.picklistOptions());
                java.util.Collections.shuffle(options, random);
                return options.subList(0, 1 + random.nextInt(Math.min(3, options.size())));
            }
            default -> {
                return random.nextInt(10) < 2 ? pick(new String[]{"Jojo", "Doc", "Zé", "Sio", "Big Al", "Łukki"})
                        : null;
            }
        }
    }

    /**
     * The first address a person of this name would have that is free; when taken, the same with a number added, the
     * seeder's next one (never reused, so finding a free address takes one or two tries however many are seeded).
     */
    private String uniqueEmail(String first, String last, Set<String> taken) {
        // A few dozen names, folded once each rather than once per person.
        String f = folded.computeIfAbsent(first, HighLevelSeeder::fold);
        String l = folded.computeIfAbsent(last, HighLevelSeeder::fold);
        String local = switch (random.nextInt(5)) {
            case 0 -> f + "." + l;
            case 1 -> f.charAt(0) + l;
            case 2 -> f + "_" + l;
            case 3 -> capitalise(f) + "." + capitalise(l) + "+" + pick(PLUS_TAGS);
            default -> f + l + "+" + pick(PLUS_TAGS);
        };
        String domain = pick(DOMAINS);
        String email = local + "@" + domain;
        while (!taken.add(email.toLowerCase(Locale.ROOT))) {
            email = local + (++emailNumber) + "@" + domain;
        }
        return email;
    }

    /**
     * The next number of the region's block that the location does not have yet. Numbers are handed out by index
     * ({@link NumberBlock}), never drawn at random, so seeding takes the same time per person at any size and every
     * region holds a million people.
     */
    private String uniquePhone(int regionIndex, Set<String> taken, String defaultCallingCode) {
        drawAsBefore(regionIndex);
        NumberBlock block = phoneBlocks[regionIndex];
        while (true) {
            String phone = phoneOfRegion(regionIndex, block.number(nextPhoneIndex[regionIndex]++));
            if (taken.add(PhoneNumbers.normalise(phone, defaultCallingCode))) {
                return phone;
            }
        }
    }

    /**
     * Draws (and ignores) the random numbers the seeder drew for a phone before numbers were handed out by index, so
     * everything else a seed generates (names, emails, tags, dates, who is shared with BirdSend) stays as it was.
     */
    private void drawAsBefore(int regionIndex) {
        switch (regionIndex) {
            case 3 -> random.nextInt(10_000_000);
            case 4 -> {
                random.nextInt(100);
                random.nextInt(100);
                random.nextInt(100);
            }
            case 7 -> {
                random.nextInt(100);
                random.nextInt(100);
            }
            default -> random.nextInt(10_000);
        }
    }

    /**
     * Number {@code n} (0 to 999,999) of a region, written as people there write it. The ranges differ from the
     * BirdSend seeder's and from the sandbox's invented numbers (555-01xx, 07700 900xxx), so a person seeded on one
     * side only never shares a phone with someone on the other.
     */
    static String phoneOfRegion(int regionIndex, long n) {
        long high = n / 10_000;
        long low = n % 10_000;
        return switch (regionIndex) {
            case 0 -> String.format("+1 415-%03d-%04d", 200 + high, low);
            case 1 -> String.format("(212) %03d %04d", 200 + high, low);
            case 2 -> String.format("+44 20 7%03d %04d", high, low);
            case 3 -> String.format("0049 30 %07d", 1_000_000 + n);
            case 4 -> String.format("+33 1 42 %02d %02d %02d", high, low / 100, low % 100);
            case 5 -> String.format("+61 2 9%03d %04d", high, low);
            case 6 -> String.format("+353 (0)1 %03d %04d", 500 + high, low);
            default -> String.format("+48 12-%03d-%02d-%02d", 300 + high, low / 100, low % 100);
        };
    }

    private String pick(String[] values) {
        return values[random.nextInt(values.length)];
    }

    /** ASCII-folds a name for an email local part: "Łukasz Żółć" becomes "lukasz", "zolc". */
    static String fold(String name) {
        String replaced = name.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O")
                .replace("æ", "ae").replace("Æ", "Ae").replace("ß", "ss").replace("đ", "d").replace("ð", "d")
                .replace("Ð", "D");
        String stripped = Normalizer.normalize(replaced, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        return stripped.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    private static String capitalise(String word) {
        return word.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }
}
