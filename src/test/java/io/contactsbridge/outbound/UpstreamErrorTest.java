package io.contactsbridge.outbound;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading the services' error answers and Retry-After values. */
class UpstreamErrorTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void highLevelMessageAndValidationList() {
        UpstreamError plain = UpstreamError.parse(json,
                "{\"statusCode\":404,\"message\":\"Contact not found\",\"error\":\"Not Found\"}");
        assertThat(plain.message()).isEqualTo("Contact not found");
        assertThat(plain.fieldErrors()).isEmpty();

        UpstreamError validation = UpstreamError.parse(json, "{\"statusCode\":422,\"message\":["
                + "\"email must be an email\",\"customFields.0.value must be a string\","
                + "\"each value in tags must be a string\",\"property foo should not exist\","
                + "\"email should not be empty\",\"Phone number is invalid\"],\"error\":\"Unprocessable Entity\"}");
        assertThat(validation.fieldErrors())
                .containsEntry("email", List.of("email must be an email", "email should not be empty"))
                .containsEntry("customFields.0.value", List.of("customFields.0.value must be a string"))
                .containsEntry("tags", List.of("each value in tags must be a string"))
                .containsEntry("foo", List.of("property foo should not exist"))
                .containsEntry(UpstreamApiException.GENERAL, List.of("Phone number is invalid"));
        assertThat(validation.summary()).startsWith("email must be an email; customFields.0.value must be a string;");
    }

    @Test
    void birdSendLaravelErrors() {
        UpstreamError e = UpstreamError.parse(json, "{\"message\":\"The given data was invalid.\",\"errors\":"
                + "{\"email\":[\"The email has already been taken.\"],\"tags\":\"Must be a list.\"}}");
        assertThat(e.message()).isEqualTo("The given data was invalid.");
        assertThat(e.fieldErrors()).containsEntry("email", List.of("The email has already been taken."))
                .containsEntry("tags", List.of("Must be a list."));
        assertThat(e.summary()).isEqualTo(
                "The given data was invalid. (email: The email has already been taken.; tags: Must be a list.)");
    }

    @Test
    void otherShapesStillGiveAMessage() {
        assertThat(UpstreamError.parse(json, "{\"error\":\"invalid_grant\",\"error_description\":\"Expired\"}").message())
                .isEqualTo("Expired");
        assertThat(UpstreamError.parse(json, "{\"msg\":\"Location not found\"}").message())
                .isEqualTo("Location not found");
        assertThat(UpstreamError.parse(json, "<html>\n<body>502   Bad Gateway</body></html>").message())
                .isEqualTo("<html> <body>502 Bad Gateway</body></html>");
        assertThat(UpstreamError.parse(json, "").message()).isNull();
        assertThat(UpstreamError.parse(json, "{}").message()).isNull();
        assertThat(UpstreamError.parse(json, "x".repeat(2000)).message()).hasSize(UpstreamError.MAX_TEXT);
    }

    @Test
    void retryAfterSecondsOrHttpDate() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
        assertThat(RetryAfter.parse("2", clock)).isEqualTo(Duration.ofSeconds(2));
        assertThat(RetryAfter.parse(" 0.25 ", clock)).isEqualTo(Duration.ofMillis(250));
        assertThat(RetryAfter.parse("Fri, 02 Jan 2026 03:04:35 GMT", clock)).isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse("Fri, 02 Jan 2026 03:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("-3", clock)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("soon", clock)).isNull();
        assertThat(RetryAfter.parse(null, clock)).isNull();
    }
}
