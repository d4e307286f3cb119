package io.contactsbridge.ops;

/**
 * Makes a value that came from outside (a header, a query, a body, a client address) safe to put in a log line:
 * control characters (CR and LF above all, which would let a caller forge whole log lines) are escaped as
 * {@code \n}, {@code \r}, {@code \t} or a backslash-u escape with the character's four hex digits, and the result is
 * capped at a length with a note of how much was left out.
 */
public final class LogSafe {

    private LogSafe() {
    }

    public static String of(Object value, int maxChars) {
        if (value == null) {
            return "null";
        }
        String s = value.toString();
        int shown = Math.min(s.length(), Math.max(0, maxChars));
        StringBuilder out = new StringBuilder(shown + 16);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (s.length() > shown) {
            out.append("...(").append(s.length() - shown).append(" more chars)");
        }
        return out.toString();
    }
}
