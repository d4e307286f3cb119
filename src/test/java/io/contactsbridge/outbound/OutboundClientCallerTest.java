package io.contactsbridge.outbound;

import java.util.ArrayList;
import java.util.List;

import io.contactsbridge.auth.ServiceType;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** {@link OutboundClient#asCaller}: the calls a thread makes inside it name the caller's share, and only those. */
class OutboundClientCallerTest {

    private final CamelContext camel = new DefaultCamelContext();
    private final List<Exchange> sent = new ArrayList<>();

    private OutboundClient client() throws Exception {
        ProducerTemplate producer = mock(ProducerTemplate.class);
        when(producer.send(anyString(), any(Processor.class))).thenAnswer(call -> {
            Exchange exchange = new DefaultExchange(camel);
            call.getArgument(1, Processor.class).process(exchange);
            exchange.getMessage().setHeader(OutboundHeaders.STATUS, 200);
            sent.add(exchange);
            return exchange;
        });
        return new OutboundClient(producer, id -> new OutboundTarget(id, ServiceType.BIRDSEND, "http://localhost:1"));
    }

    @Test
    void callsMadeInsideAsCallerNameItsShareAndOthersNone() throws Exception {
        OutboundClient client = client();
        client.call("birdsend", "get-contact", "GET", "/contacts/1", null, null);
        OutboundClient.asCaller(new CallerShare("backfill", 0.9), () -> {
            client.call("birdsend", "get-contact", "GET", "/contacts/2", null, null);
            // A call naming its own share keeps it.
            return client.call("birdsend", "list-contacts", "GET", "/contacts", null, null, new CallerShare("poller", 0.5));
        });
        client.call("birdsend", "get-contact", "GET", "/contacts/3", null, null);

        assertThat(sent).extracting(e -> e.getMessage().getHeader(OutboundHeaders.CALLER))
                .containsExactly(null, "backfill", "poller", null);
        assertThat(sent.get(1).getMessage().getHeader(OutboundHeaders.CALLER_SHARE)).isEqualTo(0.9);
    }

    @Test
    void anInnerCallerIsUndoneWhenItsWorkEnds() throws Exception {
        OutboundClient client = client();
        OutboundClient.asCaller(new CallerShare("outer", 0.8), () -> {
            OutboundClient.asCaller(new CallerShare("inner", 0.4), () -> client.call("birdsend", "a", "GET", "/a", null, null));
            return client.call("birdsend", "b", "GET", "/b", null, null);
        });
        assertThat(sent).extracting(e -> e.getMessage().getHeader(OutboundHeaders.CALLER)).containsExactly("inner", "outer");
    }
}
