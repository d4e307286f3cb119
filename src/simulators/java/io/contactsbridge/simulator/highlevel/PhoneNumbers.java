package io.contactsbridge.simulator.highlevel;

/**
 * Phone normalisation as HighLevel applies it: numbers are stored in E.164 ({@code +14155550100})
 * whatever the formatting they arrived in (the spec's request examples say {@code +1 888-888-8888},
 * its response examples {@code +18832327657}).
 *
 * <p>The reference does not say what happens to numbers that cannot be read as E.164; the
 * simulator keeps them exactly as given (trimmed), which is what a lenient CRM does and what makes
 * a client that sends garbage visible in the stored data rather than silently dropped.
 */
final class PhoneNumbers {

    private PhoneNumbers() {
    }

    /**
     * Normalises {@code raw} to E.164, or returns it trimmed if it is not a recognisable number.
     *
     * @param defaultCallingCode country calling code for national numbers without a prefix
     *                           (HighLevel uses the location's country; "1" for US locations)
     */
    static String normalise(String raw, String defaultCallingCode) {
        if (raw == null) {
            return null;
        }
        String trimmed = raw.trim();
        if (trimmed.isEmpty()) {
            return trimmed;
        }
        // "+44 (0) 20 7946 0958": the bracketed trunk zero is dropped in international form.
        String text = trimmed.replace("(0)", "");
        boolean plus = text.startsWith("+");
        StringBuilder digits = new StringBuilder();
        for (int i = plus ? 1 : 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
            } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' && c != '/') {
                return trimmed; // letters, extensions, a second '+': not a plain number
            }
        }
        String number = digits.toString();
        if (plus) {
            return e164(number, trimmed);
        }
        if (number.startsWith("00")) {
            return e164(number.substring(2), trimmed);
        }
        if (number.startsWith("011") && number.length() > 11) { // NANP international prefix
            return e164(number.substring(3), trimmed);
        }
        if ("1".equals(defaultCallingCode)) {
            if (number.length() == 10 && number.charAt(0) >= '2') {
                return "+1" + number;
            }
            if (number.length() == 11 && number.charAt(0) == '1') {
                return "+" + number;
            }
            return trimmed;
        }
        if (defaultCallingCode != null && !defaultCallingCode.isEmpty() && number.startsWith("0")) {
            return e164(defaultCallingCode + number.substring(1), trimmed);
        }
        return trimmed;
    }

    private static String e164(String digits, String original) {
        return digits.length() >= 8 && digits.length() <= 15 && digits.charAt(0) != '0' ? "+" + digits : original;
    }
}
