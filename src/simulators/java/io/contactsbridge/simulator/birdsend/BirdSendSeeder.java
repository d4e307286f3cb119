package io.contactsbridge.simulator.birdsend;

import io.contactsbridge.simulator.sim.NumberBlock;
import io.contactsbridge.simulator.sim.Seeding;

import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Generates realistic, reproducible contacts: names with accents and apostrophes, plus-addressed
 * and mixed-case emails, custom fields ({@code company}, {@code phone}, {@code favourite_colour}),
 * many tags, some unsubscribed contacts, creation dates over the past two years and some contacts
 * edited after creation. The same seed on an empty account gives the same data.
 *
 * <p>{@code phone} is a custom field because BirdSend has no built-in phone: that is where
 * BirdSend users keep phone numbers, and so where the bridge must look for them.
 */
final class BirdSendSeeder {

    static final String COMPANY = "company";
    static final String PHONE = "phone";
    static final String FAVOURITE_COLOUR = "favourite_colour";

    private static final String[] FIRST_NAMES = {
        "Zoë", "José", "Renée", "Björn", "Siân", "François", "Ana-María", "Łukasz", "Chloé", "Søren",
        "Anaïs", "Jürgen", "Aoife", "Seán", "Marie-Claire", "Noémie", "Iñaki", "Małgorzata", "D'Arcy",
        "Tomás", "Élodie", "Sarah", "James", "Priya", "Wei", "Olivia", "Mohammed", "Kirsty", "Ray", "Ngozi",
    };
    private static final String[] LAST_NAMES = {
        "O'Brien", "D'Angelo", "Müller", "García", "Nguyễn", "Ó Súilleabháin", "van der Berg",
        "Dubois-Lefèvre", "Kowalski", "Smith", "O'Neill", "Fernández", "Åkesson", "Brontë", "Jones",
        "MacDonald", "de la Cruz", "Løkke", "Çelik", "Papadopoulos", "Schröder", "N'Diaye", "Yılmaz", "Ng", "Lee",
    };
    private static final String[] DOMAINS = {
        "gmail.com", "yahoo.co.uk", "outlook.com", "example.com", "proton.me", "icloud.com", "web.de",
        "orange.fr", "example.org",
    };
    private static final String[] PLUS_TAGS = {"news", "birdsend", "promo", "2024", "shop"};
    private static final String[] COMPANIES = {
        "Acme Ltd", "Café Olé", "O'Reilly & Sons", "Müller GmbH", "Smith & Co.", "Ñandú Studio",
        "Brontë Books", "Northwind Traders", "L'Atelier", "Blue Fjord AS",
    };
    /**
     * How many phone formats people type (see {@link #phoneOfFormat}). Each seeded person gets a different number:
     * people rarely share one, and HighLevel's duplicate rules would treat two people with one phone as one.
     */
    private static final int PHONE_FORMATS = 8;
    /** How many digits of each format's numbers vary: a million people per format. */
    private static final int PHONE_DIGITS = 6;
    private static final String[] COLOURS = {"blue", "Green", "turquoise", "rouge", "Dark Purple", "grey/gray"};
    private static final String[] TAGS = {
        "Leads", "Customers", "Newsletter", "VIP", "Webinar 2024", "Black Friday", "cold", "Lead Magnet: Ebook",
        "Démo", "Partners", "Podcast Listeners", "Course – Module 1", "Trial", "Churned", "Affiliates",
        "Event: Dublin", "beta-testers", "Café Club", "Référé", "2025 Launch",
    };

    private static final Map<String, String> ASCII_NAMES = new ConcurrentHashMap<>();

    private BirdSendSeeder() {
    }

    /** Custom fields, sequences and forms the generated contacts use; existing ones are kept. */
    static void ensureCatalogue(BirdSendAccount account, Instant now) {
        account.defineField(COMPANY, "Company", "text");
        account.defineField(PHONE, "Phone", "text");
        account.defineField(FAVOURITE_COLOUR, "Favourite Colour", "text");
        if (account.sequences().isEmpty()) {
            account.addSequence("Welcome Series", now);
            account.addSequence("Onboarding – Trial Users", now);
        }
        if (account.forms().isEmpty()) {
            account.addForm("Homepage Pop-up", "popup", now);
            account.addForm("Footer Sign-up", "inline", now);
        }
    }

    static List<BirdSendContactView> seed(BirdSendAccount account, int count, long randomSeed,
                                          BirdSendSettings settings, Instant now) {
        return seed(account, count, randomSeed, settings, now, email -> false);
    }

    /**
     * As {@link #seed(BirdSendAccount, int, long, BirdSendSettings, Instant)}, and a generated email
     * is also redrawn when {@code takenElsewhere} accepts it, so the generated people can be kept
     * apart from people held elsewhere. A seed whose emails meet no such conflict gives the same data.
     */
    static List<BirdSendContactView> seed(BirdSendAccount account, int count, long randomSeed,
                                          BirdSendSettings settings, Instant now, Predicate<String> takenElsewhere) {
        return seedIds(account, count, randomSeed, settings, now, takenElsewhere).stream()
                .map(account::requireContact).toList();
    }

    /**
     * As {@link #seed(BirdSendAccount, int, long, BirdSendSettings, Instant, Predicate)}, returning only the ids, so a
     * large account is not held twice. An interrupted thread stops at the next contact
     * ({@link Seeding.SeedingInterruptedException}), keeping those created.
     */
    static List<Long> seedIds(BirdSendAccount account, int count, long randomSeed,
                              BirdSendSettings settings, Instant now, Predicate<String> takenElsewhere) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0");
        }
        Random random = new Random(randomSeed);
        // A person in the app creates tags freely and their edits always count as changes.
        BirdSendSettings asPerson = settings.toBuilder().autoCreateTags(true).bumpUpdatedAtOnTagChange(true).build();
        ensureCatalogue(account, now);
        List<BirdSendSequence> sequences = account.sequences();
        List<BirdSendForm> forms = account.forms();
        List<Long> created = new ArrayList<>(count);
        PhoneNumbers phones = new PhoneNumbers(account);
        for (int i = 0; i < count; i++) {
            Seeding.checkInterrupted();
            String first = pick(random, FIRST_NAMES);
            String last = random.nextInt(10) == 0 ? null : pick(random, LAST_NAMES);
            String email = uniqueEmail(account, random, first, last, takenElsewhere);
            Instant createdAt = now.minus(Duration.ofSeconds(random.nextInt(730 * 24 * 3600)));

            BirdSendNewContact contact = BirdSendNewContact.of(email, first, last)
                    .withField(COMPANY, random.nextInt(10) < 6 ? pick(random, COMPANIES) : null)
                    .withField(PHONE, random.nextInt(4) > 0 ? uniquePhone(random, phones) : null)
                    .withField(FAVOURITE_COLOUR, random.nextInt(3) == 0 ? pick(random, COLOURS) : null)
                    .withTags(tags(random).toArray(String[]::new))
                    .withIpaddress(random.nextInt(10) < 7 ? ip(random) : null)
                    .withCreatedAt(createdAt);
            if (random.nextInt(4) == 0) {
                contact = contact.withSequence(sequences.get(random.nextInt(sequences.size())).sequenceId());
            }
            if (random.nextInt(3) == 0) {
                contact = contact.withForm(forms.get(random.nextInt(forms.size())).formId());
            }
            if (random.nextInt(8) == 0) {
                contact = contact.unsubscribed();
            }
            BirdSendContactView view = account.create(contact, asPerson, now);
            if (random.nextInt(5) < 2) {
                // Edited some time after sign-up, as a person in the app would: a tag added later.
                Instant editedAt = createdAt.plus(Duration.between(createdAt, now).multipliedBy(random.nextInt(100) + 1)
                        .dividedBy(100));
                view = account.update(view.contactId(), BirdSendContactEdit.change().addTags(pick(random, TAGS)),
                        asPerson, editedAt);
            }
            created.add(view.contactId());
        }
        return created;
    }

    /**
     * The next number of a format picked at random that nobody in the account has (compared by digits, so formats do
     * not hide a repeat). Numbers are handed out by index ({@link NumberBlock}), never drawn until a free one turns
     * up, so seeding takes the same time per person at any size.
     */
    private static String uniquePhone(Random random, PhoneNumbers numbers) {
        int format = random.nextInt(PHONE_FORMATS);
        // The draws of the number before numbers were handed out by index, ignored: the rest of a seed stays as it was.
        if (format == 6) {
            random.nextInt(100);
            random.nextInt(100);
            random.nextInt(100);
        } else {
            random.nextInt(format == 0 ? 100_000 : 10_000);
        }
        while (true) {
            String phone = phoneOfFormat(format, numbers.blocks[format].number(numbers.next[format]++));
            if (numbers.taken.add(digits(phone))) {
                return phone;
            }
        }
    }

    /**
     * Number {@code n} (0 to 999,999) in one of the formats people type. The ranges differ from the HighLevel seeder's
     * and from the sandbox's invented numbers (555-01xx, 07700 900xxx), so a BirdSend-only person never matches a
     * HighLevel one by phone.
     */
    static String phoneOfFormat(int format, long n) {
        long high = n / 10_000;
        long low = n % 10_000;
        return switch (format) {
            case 0 -> String.format("+44 7911 %06d", n);
            case 1 -> String.format("(720) %03d-%04d", 200 + high, low);
            case 2 -> String.format("+1-202-%03d-%04d", 200 + high, low);
            case 3 -> String.format("0151 %03d %04d", 400 + high, low);
            case 4 -> String.format("+353 1 %03d %04d", 400 + high, low);
            case 5 -> String.format("+49 30 9%06d", n);
            case 6 -> String.format("+33 6 12 %02d %02d %02d", high, low / 100, low % 100);
            default -> String.format("720.%03d.%04d", 300 + high, low);
        };
    }

    private static String digits(String phone) {
        StringBuilder digits = new StringBuilder(phone.length());
        for (int i = 0; i < phone.length(); i++) {
            char c = phone.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
            }
        }
        return digits.toString();
    }

    /** The phone numbers of one seeding: those the account has (by digits), and where each format's block is. */
    private static final class PhoneNumbers {
        final Set<String> taken = new HashSet<>();
        final NumberBlock[] blocks = new NumberBlock[PHONE_FORMATS];
        final long[] next = new long[PHONE_FORMATS];

        PhoneNumbers(BirdSendAccount account) {
            for (int i = 0; i < PHONE_FORMATS; i++) {
                blocks[i] = new NumberBlock(PHONE_DIGITS, 104_729L * (i + 1));
            }
            for (BirdSendContactView contact : account.contacts()) {
                String phone = contact.field(PHONE);
                if (phone != null) {
                    taken.add(digits(phone));
                }
            }
        }
    }

    private static Set<String> tags(Random random) {
        int roll = random.nextInt(10);
        int count = roll == 0 ? 8 + random.nextInt(5) : roll < 3 ? 0 : 1 + random.nextInt(4);
        Set<String> names = new LinkedHashSet<>();
        while (names.size() < count) {
            names.add(pick(random, TAGS));
        }
        return names;
    }

    private static String uniqueEmail(BirdSendAccount account, Random random, String first, String last,
                                      Predicate<String> takenElsewhere) {
        // A few dozen names, folded once each rather than once per person.
        String f = ASCII_NAMES.computeIfAbsent(first, BirdSendSeeder::ascii);
        String l = last == null ? "" : ASCII_NAMES.computeIfAbsent(last, BirdSendSeeder::ascii);
        String domain = pick(random, DOMAINS);
        String candidate = switch (random.nextInt(6)) {
            case 0 -> join(f, ".", l) + "@" + domain;
            case 1 -> f + l + "@" + domain;
            case 2 -> f.charAt(0) + (l.isEmpty() ? f : l) + "@" + domain;
            case 3 -> join(f, ".", l) + "+" + pick(random, PLUS_TAGS) + "@gmail.com";
            case 4 -> capitalise(f) + (l.isEmpty() ? "" : "." + capitalise(l)) + "@" + domain.toUpperCase(Locale.ROOT);
            default -> (l.isEmpty() ? f : l + "." + f) + (10 + random.nextInt(90)) + "@" + domain;
        };
        while (!account.findByEmail(candidate, true).isEmpty() || takenElsewhere.test(candidate)) {
            int at = candidate.indexOf('@');
            candidate = candidate.substring(0, at) + random.nextInt(10) + candidate.substring(at);
        }
        return candidate;
    }

    /** Lower-case ASCII for an email local part: accents dropped, apostrophes and spaces removed. */
    static String ascii(String name) {
        String folded = Normalizer.normalize(name, Normalizer.Form.NFD).replaceAll("\\p{M}", "")
                .replace("Ł", "L").replace("ł", "l").replace("ø", "o").replace("Ø", "O")
                .replace("æ", "ae").replace("ı", "i").replace("ß", "ss");
        return folded.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "");
    }

    /** A label for a field key, as a person would type it: "favourite_colour" is "Favourite Colour". */
    static String label(String key) {
        StringBuilder label = new StringBuilder();
        for (String word : key.split("_")) {
            if (!word.isEmpty()) {
                label.append(label.length() == 0 ? "" : " ").append(capitalise(word));
            }
        }
        return label.toString();
    }

    private static String join(String a, String separator, String b) {
        return b.isEmpty() ? a : a + separator + b;
    }

    private static String capitalise(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static String ip(Random random) {
        String[] documentationRanges = {"192.0.2.", "198.51.100.", "203.0.113."};
        return pick(random, documentationRanges) + (1 + random.nextInt(254));
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }
}
