package io.contactsbridge.automation;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Note and task text templates: {@code $[path]} placeholders. Not {@code ${...}} (Spring would resolve it as a
 * property placeholder) nor {@code {{...}}} (Camel's).
 */
final class Templates {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\[([A-Za-z0-9_.]+)]");

    private Templates() {
    }

    static String render(String template, Function<String, String> values) {
        if (template == null) {
            return "";
        }
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.apply(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
