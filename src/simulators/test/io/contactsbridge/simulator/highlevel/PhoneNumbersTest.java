package io.contactsbridge.simulator.highlevel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class PhoneNumbersTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "+1 415-555-0100      | 1  | +14155550100",
            "(415) 555 0101       | 1  | +14155550101",
            "415.555.0102         | 1  | +14155550102",
            "1 (415) 555-0103     | 1  | +14155550103",
            "+44 20 7946 0958     | 1  | +442079460958",
            "+44 (0) 20 7946 0958 | 1  | +442079460958",
            "0049 30 1234567      | 1  | +49301234567",
            "011 44 20 7946 0958  | 1  | +442079460958",
            "030 1234567          | 49 | +49301234567",
            "555-0100             | 1  | 555-0100",
            "+1 415 CALL NOW      | 1  | +1 415 CALL NOW",
            "' +33 1 42 68 53 00 '| 1  | +33142685300",
            "+12                  | 1  | +12",
    })
    void normalisesToE164OrKeepsWhatItCannotRead(String raw, String callingCode, String expected) {
        assertThat(PhoneNumbers.normalise(raw, callingCode)).isEqualTo(expected);
    }
}
