package io.contactsbridge.mapping;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A normalisation step of a mapped text value, applied in the listed order whenever a value is read from
 * either side. Each one is idempotent, so a value read, written and read again comes back the same.
 */
public enum TextTransform {
    /** Removes surrounding whitespace (every text value is trimmed anyway; listing it documents it). */
    TRIM("trim"),
    LOWERCASE("lowercase"),
    UPPERCASE("uppercase"),
    /** First letter of each word upper case (words split at whitespace and hyphens), other letters as they are. */
    CAPITALIZE("capitalize"),
    /** Runs of whitespace become one space. */
    COLLAPSE_SPACES("collapse-spaces"),
    /** Phone numbers to E.164 with the mapping's default country; see {@link PhoneNumberNormaliser}. */
    E164("e164"),
    /**
     * Dates to {@code YYYY-MM-DD}: reads {@code YYYY-MM-DD} (also with {@code /}, {@code .} or {@code _}),
     * month-first {@code MM/DD/YYYY} (as HighLevel reads it) and ISO date-times such as HighLevel's
     * {@code 1990-09-25T00:00:00.000Z}. Anything else stays as it is.
     */
    DATE("date");

    private static final Pattern YEAR_FIRST = Pattern.compile("(\\d{4})([/\\-._])(\\d{1,2})\\2(\\d{1,2})");
    private static final Pattern MONTH_FIRST = Pattern.compile("(\\d{1,2})([/\\-._])(\\d{1,2})\\2(\\d{4})");

    private final String key;

    TextTransform(String key) {
        this.key = key;
    }

    /** The word used in mapping files. */
    public String key() {
        return key;
    }

    /** The keys of all transforms, in declaration order. */
    public static List<String> keys() {
        return Arrays.stream(values()).map(TextTransform::key).toList();
    }

    public static Optional<TextTransform> fromKey(String key) {
        return Arrays.stream(values()).filter(t -> t.key.equals(key)).findFirst();
    }

    /** Whether the transform makes sense on tag names (which are always lower case). */
    public boolean appliesToTags() {
        return this == TRIM || this == LOWERCASE || this == COLLAPSE_SPACES;
    }

    /** Applies the transform to a trimmed, non-null value. */
    public String apply(String value, PhoneCountry country) {
        return switch (this) {
            case TRIM -> Text.trim(value);
            case LOWERCASE -> value.toLowerCase(Locale.ROOT);
            case UPPERCASE -> value.toUpperCase(Locale.ROOT);
            case CAPITALIZE -> Text.capitalize(value);
            case COLLAPSE_SPACES -> Text.collapseSpaces(value);
            case E164 -> PhoneNumberNormaliser.normalise(value, country);
            case DATE -> isoDate(value);
        };
    }

    private static String isoDate(String value) {
        try {
            Matcher yearFirst = YEAR_FIRST.matcher(value);
            if (yearFirst.matches()) {
                return LocalDate.of(Integer.parseInt(yearFirst.group(1)), Integer.parseInt(yearFirst.group(3)),
                        Integer.parseInt(yearFirst.group(4))).toString();
            }
            Matcher monthFirst = MONTH_FIRST.matcher(value);
            if (monthFirst.matches()) {
                return LocalDate.of(Integer.parseInt(monthFirst.group(4)), Integer.parseInt(monthFirst.group(1)),
                        Integer.parseInt(monthFirst.group(3))).toString();
            }
            if (value.length() > 10 && value.charAt(10) == 'T') {
                return OffsetDateTime.parse(value).toLocalDate().toString();
            }
        } catch (DateTimeException | NumberFormatException e) {
            return value;
        }
        return value;
    }
}
