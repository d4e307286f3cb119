package io.contactsbridge.outbound;

import java.time.Instant;

/**
 * Which dead letters a list or a bulk replay takes; null fields match all.
 *
 * @param errorClass the exception's full class name, or its simple name
 * @param since      last failure at or after
 * @param until      last failure before
 * @param states     the states to include (never empty)
 * @param beforeId   only letters with a smaller id (the list's cursor)
 */
public record DeadLetterFilter(String connection, String route, String errorClass, Instant since, Instant until,
                               java.util.List<String> states, Long beforeId) {

    public boolean narrowed() {
        return connection != null || route != null || errorClass != null || since != null || until != null;
    }
}
