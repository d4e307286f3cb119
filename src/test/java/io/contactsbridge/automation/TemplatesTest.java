package io.contactsbridge.automation;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TemplatesTest {

    @Test
    void placeholdersAreFilledAndUnknownOnesLeftEmpty() {
        Map<String, String> values = Map.of("title", "Send the quote", "appointment.title", "Intro $1 call");
        assertThat(Templates.render("Task completed: $[title] ($[missing])", values::get))
                .isEqualTo("Task completed: Send the quote ()");
        assertThat(Templates.render("$[appointment.title]!", values::get)).as("replacement text taken literally")
                .isEqualTo("Intro $1 call!");
        assertThat(Templates.render("no placeholders, {{camel}} and ${spring} untouched", values::get))
                .isEqualTo("no placeholders, {{camel}} and ${spring} untouched");
        assertThat(Templates.render(null, values::get)).isEmpty();
    }
}
