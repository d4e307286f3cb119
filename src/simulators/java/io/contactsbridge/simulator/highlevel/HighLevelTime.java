package io.contactsbridge.simulator.highlevel;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Date formats as HighLevel writes and reads them. */
final class HighLevelTime {

    /** {@code 2021-07-02T05:18:26.704Z}: always UTC, always milliseconds. */
    private static final DateTimeFormatter API = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private static final Pattern YEAR_FIRST = Pattern.compile("(\\d{4})([/\\-._])(\\d{1,2})\\2(\\d{1,2})");
    private static final Pattern MONTH_FIRST = Pattern.compile("(\\d{1,2})([/\\-._])(\\d{1,2})\\2(\\d{4})");

    private HighLevelTime() {
    }

    static String format(Instant instant) {
        return API.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    /**
     * A point in time as clients send it: ISO-8601 with offset or {@code Z}
     * ({@code 2021-06-23T03:30:00+01:00}), a bare date (midnight UTC) or epoch milliseconds.
     */
    static Optional<Instant> parseInstant(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String value = text.trim();
        try {
            if (value.chars().allMatch(Character::isDigit) && value.length() >= 10) {
                return Optional.of(Instant.ofEpochMilli(Long.parseLong(value)));
            }
            if (value.length() == 10) {
                return Optional.of(LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant());
            }
            return Optional.of(OffsetDateTime.parse(value).toInstant());
        } catch (DateTimeParseException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * A birth date in one of the formats the contacts spec lists (YYYY/MM/DD, MM/DD/YYYY, YYYY-MM-DD,
     * MM-DD-YYYY, YYYY.MM.DD, MM.DD.YYYY, YYYY_MM_DD, MM_DD_YYYY), or the ISO date-time the API itself
     * returns, so a value read can be written back unchanged.
     */
    static Optional<LocalDate> parseBirthDate(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String value = text.trim();
        try {
            Matcher yearFirst = YEAR_FIRST.matcher(value);
            if (yearFirst.matches()) {
                return Optional.of(LocalDate.of(Integer.parseInt(yearFirst.group(1)),
                        Integer.parseInt(yearFirst.group(3)), Integer.parseInt(yearFirst.group(4))));
            }
            Matcher monthFirst = MONTH_FIRST.matcher(value);
            if (monthFirst.matches()) {
                return Optional.of(LocalDate.of(Integer.parseInt(monthFirst.group(4)),
                        Integer.parseInt(monthFirst.group(1)), Integer.parseInt(monthFirst.group(3))));
            }
            if (value.length() > 10 && value.charAt(10) == 'T') {
                return Optional.of(OffsetDateTime.parse(value).toLocalDate());
            }
        } catch (java.time.DateTimeException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** How the API returns a birth date: {@code 1990-09-25T00:00:00.000Z}. */
    static String formatBirthDate(LocalDate date) {
        return format(date.atStartOfDay(ZoneOffset.UTC).toInstant());
    }
}
