package io.contactsbridge.connectors;

import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.auth.Connection;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.auth.CredentialKind;
import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.outbound.OutboundHeaders;
import io.contactsbridge.sync.SyncPair;
import io.contactsbridge.sync.SyncPairs;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** An automation's action calls the connection of its event's pair, whatever connection the Kamelet names. */
class ConnectorActionsPairTest {

    private static final SyncPair NORTH = new SyncPair("hl-north", "bs-north");
    private static final SyncPair SOUTH = new SyncPair("hl-south", "bs-south");

    private final ConnectionRegistry registry = mock(ConnectionRegistry.class);
    private final ConnectorActions actions;

    ConnectorActionsPairTest() throws Exception {
        when(registry.find(anyString())).thenAnswer(i -> {
            String id = i.getArgument(0);
            ServiceType service = id.contains("hl") || id.equals("highlevel") ? ServiceType.HIGHLEVEL : ServiceType.BIRDSEND;
            return Optional.of(new Connection(id, service, CredentialKind.PRIVATE_INTEGRATION, "http://localhost",
                    id.equals("hl-south") ? "LocSouth" : "LocNorth", null, null));
        });
        actions = new ConnectorActions(registry, new ObjectMapper(), SyncPairs.of(Map.of("north", NORTH, "south", SOUTH), registry));
    }

    private String calledConnection(String kameletConnection, SyncPair eventsPair) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader("BridgeAction", "highlevel-create-note-action");
        exchange.getMessage().setHeader("BridgeParam.connection", kameletConnection);
        exchange.getMessage().setHeader("BridgeParam.contactId", "c-1");
        exchange.getMessage().setBody(Map.of("body", "hello"));
        if (eventsPair != null) {
            exchange.setProperty(SyncPairs.EXCHANGE_PAIR, eventsPair);
        }
        actions.prepare(exchange);
        return exchange.getMessage().getHeader(OutboundHeaders.CONNECTION_ID, String.class);
    }

    @Test
    void theDefaultConnectionBecomesTheEventPairsOwn() {
        assertThat(calledConnection("highlevel", SOUTH)).isEqualTo("hl-south");
        assertThat(calledConnection("highlevel", NORTH)).isEqualTo("hl-north");
    }

    @Test
    void anotherPairsConnectionIsNeverCalledForThisPairsEvent() {
        assertThat(calledConnection("hl-north", SOUTH)).isEqualTo("hl-south");
        assertThat(calledConnection("hl-south", SOUTH)).isEqualTo("hl-south");
    }

    @Test
    void outsideAnAutomationOrWithAConnectionOfNoPairTheKameletsConnectionIsCalled() {
        assertThat(calledConnection("highlevel", null)).isEqualTo("highlevel");
        assertThat(calledConnection("hl-agency", SOUTH)).isEqualTo("hl-agency");
    }
}
