package io.contactsbridge.mapping;

import java.util.Locale;
import java.util.Optional;

/**
 * The countries whose national phone numbers the mapping can turn into E.164 (the mapping file's
 * {@code defaultCountry}, by ISO 3166 code). It should be the HighLevel location's country, because HighLevel
 * reads national numbers with that country's calling code and the bridge must come to the same result.
 */
public enum PhoneCountry {
    US("1", NationalFormat.NANP),
    CA("1", NationalFormat.NANP),
    GB("44", NationalFormat.TRUNK_ZERO),
    DE("49", NationalFormat.TRUNK_ZERO),
    FR("33", NationalFormat.TRUNK_ZERO),
    AU("61", NationalFormat.TRUNK_ZERO),
    NL("31", NationalFormat.TRUNK_ZERO),
    IE("353", NationalFormat.TRUNK_ZERO),
    ES("34", NationalFormat.NO_TRUNK),
    /** Italian numbers keep their leading zero after +39 (06 1234 5678 is +39 06 1234 5678). */
    IT("39", NationalFormat.NO_TRUNK),
    IN("91", NationalFormat.TRUNK_ZERO);

    /** How a number is written inside the country. */
    enum NationalFormat {
        /** North American Numbering Plan: ten digits, optionally preceded by the trunk prefix 1. */
        NANP,
        /** A leading trunk 0 that is dropped after the calling code. */
        TRUNK_ZERO,
        /** No trunk prefix: every national digit follows the calling code. */
        NO_TRUNK
    }

    private final String callingCode;
    private final NationalFormat nationalFormat;

    PhoneCountry(String callingCode, NationalFormat nationalFormat) {
        this.callingCode = callingCode;
        this.nationalFormat = nationalFormat;
    }

    /** The country calling code without {@code +}, e.g. {@code 44}. */
    public String callingCode() {
        return callingCode;
    }

    NationalFormat nationalFormat() {
        return nationalFormat;
    }

    /** The country with this ISO code (any case; {@code UK} is taken for {@code GB}). */
    public static Optional<PhoneCountry> fromCode(String code) {
        if (code == null) {
            return Optional.empty();
        }
        String upper = code.trim().toUpperCase(Locale.ROOT);
        if (upper.equals("UK")) {
            return Optional.of(GB);
        }
        for (PhoneCountry country : values()) {
            if (country.name().equals(upper)) {
                return Optional.of(country);
            }
        }
        return Optional.empty();
    }
}
