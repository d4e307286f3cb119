package io.contactsbridge.mapping;

/**
 * Turns a phone number as people type it into E.164 ({@code +14155550100}), the form HighLevel stores.
 *
 * <p>Reading: a leading {@code +} starts an international number, so does {@code 00} (and {@code 011} in North
 * America); spaces, dashes, dots, slashes and parentheses are ignored, and a bracketed trunk zero
 * ({@code +44 (0)20 ...}) is dropped. Anything else is a national number of the default country. The result
 * must have 8 to 15 digits after the {@code +}, not starting with 0.
 *
 * <p>A value that cannot be read as a number (letters, an extension, too few digits, a national number in a
 * form the country does not use) is returned trimmed and otherwise unchanged: it still compares equal to
 * itself on both sides, so it syncs as text instead of being lost or rewritten on every pass. This agrees
 * with what HighLevel (and the bridge's HighLevel simulator) stores for the same input, with one deliberate
 * difference: Spanish and Italian national numbers, which have no trunk prefix, are given their calling code
 * with every digit kept, as the numbering plans say.
 */
public final class PhoneNumberNormaliser {

    private PhoneNumberNormaliser() {
    }

    /** {@code raw} in E.164, or trimmed when it is not a recognisable number; null stays null. */
    public static String normalise(String raw, PhoneCountry country) {
        if (raw == null) {
            return null;
        }
        String trimmed = Text.trim(raw);
        if (trimmed.isEmpty()) {
            return trimmed;
        }
        String text = trimmed.replace("(0)", "");
        boolean plus = text.startsWith("+");
        StringBuilder digits = new StringBuilder();
        for (int i = plus ? 1 : 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
            } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' && c != '/') {
                return trimmed;
            }
        }
        String number = digits.toString();
        if (plus) {
            return international(number, trimmed);
        }
        if (number.startsWith("00")) {
            return international(number.substring(2), trimmed);
        }
        return switch (country.nationalFormat()) {
            case NANP -> {
                if (number.startsWith("011") && number.length() > 11) {
                    yield international(number.substring(3), trimmed);
                }
                if (number.length() == 10 && number.charAt(0) >= '2') {
                    yield "+1" + number;
                }
                yield number.length() == 11 && number.charAt(0) == '1' ? "+" + number : trimmed;
            }
            case TRUNK_ZERO -> number.startsWith("0")
                    ? international(country.callingCode() + number.substring(1), trimmed) : trimmed;
            case NO_TRUNK -> number.isEmpty() ? trimmed : international(country.callingCode() + number, trimmed);
        };
    }

    private static String international(String digits, String original) {
        return digits.length() >= 8 && digits.length() <= 15 && digits.charAt(0) != '0' ? "+" + digits : original;
    }
}
