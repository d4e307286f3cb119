package io.contactsbridge.mapping;

/** Whitespace handling shared by the transforms and the readers. */
final class Text {

    private Text() {
    }

    /**
     * Whitespace as either service may strip it: Java's {@code trim} set (controls and space), Unicode
     * whitespace, and the no-break space and byte-order mark that JavaScript's {@code trim} also removes.
     */
    static boolean isSpace(char c) {
        return c <= ' ' || Character.isWhitespace(c) || c == '\u00A0' || c == '\u2007' || c == '\u202F'
                || c == '\uFEFF';
    }

    static String trim(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && isSpace(value.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    /** Trimmed, with every run of whitespace inside replaced by one space. */
    static String collapseSpaces(String value) {
        StringBuilder out = new StringBuilder(value.length());
        boolean pendingSpace = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (isSpace(c)) {
                pendingSpace = out.length() > 0;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    /** First letter of each word in upper case (words start after whitespace or a hyphen); the rest unchanged. */
    static String capitalize(String value) {
        StringBuilder out = new StringBuilder(value.length());
        boolean wordStart = true;
        for (int i = 0; i < value.length(); ) {
            int codePoint = value.codePointAt(i);
            if (wordStart && Character.isLetter(codePoint)) {
                out.appendCodePoint(Character.toTitleCase(codePoint));
                wordStart = false;
            } else {
                out.appendCodePoint(codePoint);
                if (codePoint < Character.MIN_SUPPLEMENTARY_CODE_POINT && (isSpace((char) codePoint) || codePoint == '-')) {
                    wordStart = true;
                } else if (Character.isLetterOrDigit(codePoint)) {
                    wordStart = false;
                }
            }
            i += Character.charCount(codePoint);
        }
        return out.toString();
    }
}
