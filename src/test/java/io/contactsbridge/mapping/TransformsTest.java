package io.contactsbridge.mapping;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TransformsTest {

    private static String apply(TextTransform transform, String value) {
        return transform.apply(value, PhoneCountry.US);
    }

    @Test
    void eachTransform() {
        assertThat(apply(TextTransform.TRIM, "\u00A0 Ann \t")).isEqualTo("Ann");
        assertThat(apply(TextTransform.LOWERCASE, "ÄNN Lee")).isEqualTo("änn lee");
        assertThat(apply(TextTransform.UPPERCASE, "ann lee")).isEqualTo("ANN LEE");
        assertThat(apply(TextTransform.CAPITALIZE, "mary-ann mcDonald o'neil")).isEqualTo("Mary-Ann McDonald O'neil");
        assertThat(apply(TextTransform.COLLAPSE_SPACES, " a  \t b\n c ")).isEqualTo("a b c");
        assertThat(apply(TextTransform.E164, "(415) 555-0100")).isEqualTo("+14155550100");
        assertThat(apply(TextTransform.DATE, "1990/9/5")).isEqualTo("1990-09-05");
        assertThat(apply(TextTransform.DATE, "07-04-1985")).isEqualTo("1985-07-04");
        assertThat(apply(TextTransform.DATE, "1990-09-25T00:00:00.000Z")).isEqualTo("1990-09-25");
        assertThat(apply(TextTransform.DATE, "1990-02-30")).isEqualTo("1990-02-30");
        assertThat(apply(TextTransform.DATE, "next tuesday")).isEqualTo("next tuesday");
    }

    @Test
    void everyPairOfTransformsIsIdempotent() {
        List<String> samples = List.of("  mary-ann  VAN der berg ", "+44 (0)20 7946 0958", "07/04/1985", "Ünïcode  ß x",
                "0044 20 7946 0958", "");
        for (TextTransform first : TextTransform.values()) {
            for (TextTransform second : TextTransform.values()) {
                List<TextTransform> chain = List.of(first, second);
                for (String sample : samples) {
                    String once = ContactMapping.normaliseText(sample, chain, false, PhoneCountry.GB);
                    assertThat(ContactMapping.normaliseText(once, chain, false, PhoneCountry.GB))
                            .as("%s applied twice to '%s'", chain, sample).isEqualTo(once);
                }
            }
        }
    }

    @Test
    void keysAndTagApplicability() {
        assertThat(TextTransform.keys()).containsExactly("trim", "lowercase", "uppercase", "capitalize", "collapse-spaces",
                "e164", "date");
        assertThat(TextTransform.fromKey("collapse-spaces")).contains(TextTransform.COLLAPSE_SPACES);
        assertThat(TextTransform.fromKey("Trim")).isEmpty();
        assertThat(List.of(TextTransform.values())).filteredOn(TextTransform::appliesToTags)
                .containsExactly(TextTransform.TRIM, TextTransform.LOWERCASE, TextTransform.COLLAPSE_SPACES);
    }

    @ParameterizedTest(name = "{0} in {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            (415) 555-0100         | US | +14155550100
            415.555.0100           | US | +14155550100
            1 415 555 0100         | US | +14155550100
            +1 415 555 0100        | GB | +14155550100
            011 44 20 7946 0958    | US | +442079460958
            +44 20 7946 0958       | US | +442079460958
            0044 20 7946 0958      | US | +442079460958
            +44 (0)20 7946 0958    | US | +442079460958
            020 7946 0958          | GB | +442079460958
            07700 900123           | UK | +447700900123
            030 901820             | DE | +4930901820
            01 23 45 67 89         | FR | +33123456789
            (02) 9374 4000         | AU | +61293744000
            020 123 4567           | NL | +31201234567
            01 234 5678            | IE | +35312345678
            912 345 678            | ES | +34912345678
            06 1234 5678           | IT | +390612345678
            098765 43210           | IN | +919876543210
            613 555 0199           | CA | +16135550199
            555-0100               | US | 555-0100
            0207 946 0958          | US | 0207 946 0958
            7946 0958              | GB | 7946 0958
            call me                | US | call me
            +1 415 555 0100 ext 5  | US | +1 415 555 0100 ext 5
            +44 12                 | US | +44 12
            ' 020 7946 0958 '      | DE | +492079460958
            """)
    void phoneNumbers(String raw, String country, String expected) {
        PhoneCountry phoneCountry = PhoneCountry.fromCode(country).orElseThrow();
        assertThat(PhoneNumberNormaliser.normalise(raw, phoneCountry)).isEqualTo(expected);
    }

    @Test
    void phoneCountries() {
        assertThat(PhoneCountry.fromCode(" gb ")).contains(PhoneCountry.GB);
        assertThat(PhoneCountry.fromCode("UK")).contains(PhoneCountry.GB);
        assertThat(PhoneCountry.fromCode("XX")).isEmpty();
        assertThat(PhoneCountry.IE.callingCode()).isEqualTo("353");
        assertThat(PhoneNumberNormaliser.normalise(null, PhoneCountry.US)).isNull();
        assertThat(PhoneNumberNormaliser.normalise("   ", PhoneCountry.US)).isEmpty();
    }
}
