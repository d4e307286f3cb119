package io.contactsbridge.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.auth.ServiceType;

/**
 * A successful answer as {@link OutboundClient} returns it.
 *
 * @param status the 2xx status
 * @param body   the JSON answer; null when the answer was empty (204)
 */
public record OutboundResponse(ServiceType service, int status, JsonNode body) {
}
