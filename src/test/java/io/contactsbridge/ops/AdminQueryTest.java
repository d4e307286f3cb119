package io.contactsbridge.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultMessage;
import org.junit.jupiter.api.Test;

class AdminQueryTest {

    @Test
    void readsTheRawQueryStringDecodedAndInOrder() {
        var q = AdminQuery.parse("route=contact%2Dsync&since=2026-01-31T09%3A00%3A00Z&empty&x=a+b");
        assertThat(q).containsExactly(Map.entry("route", "contact-sync"), Map.entry("since", "2026-01-31T09:00:00Z"),
                Map.entry("empty", ""), Map.entry("x", "a b"));
        assertThat(AdminQuery.parse(null)).isEmpty();
        assertThat(AdminQuery.parse("&&")).isEmpty();
    }

    @Test
    void aNameGivenTwiceOrABadEscapeIsABadRequest() {
        assertThatThrownBy(() -> AdminQuery.parse("limit=1&limit=2")).isInstanceOf(AdminQuery.BadRequest.class)
                .hasMessage("Query parameter 'limit' is given twice.");
        assertThatThrownBy(() -> AdminQuery.parse("route=%zz")).isInstanceOf(AdminQuery.BadRequest.class)
                .hasMessageStartingWith("The query string is not well encoded");
    }

    @Test
    void anUnknownNameIsRefusedNamingTheKnownOnes() {
        AdminQuery.requireKnown(Map.of("b", "1"), Set.of("a", "b"), "query parameter");
        assertThatThrownBy(() -> AdminQuery.requireKnown(Map.of("c", "1"), Set.of("b", "a"), "field"))
                .isInstanceOf(AdminQuery.BadRequest.class)
                .hasMessage("Unknown field 'c'; the fields are a, b.");
    }

    @Test
    void theQueryComesFromTheRawStringNotFromHeadersOfTheSameName() {
        var in = new DefaultMessage(new DefaultCamelContext());
        in.setHeader("connection", "keep-alive");
        in.setHeader(Exchange.HTTP_QUERY, "route=r1");
        assertThat(AdminQuery.of(in)).containsExactly(Map.entry("route", "r1"));
        assertThat(AdminQuery.badRequest(in, "why")).containsEntry("error", "bad_request").containsEntry("message", "why");
        assertThat(in.getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(400);
    }
}
