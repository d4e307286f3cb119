package io.contactsbridge.outbound;

import java.util.Map;

/**
 * One outbound call as read from the {@link OutboundHeaders} contract: what every attempt sends.
 *
 * @param baseUrl the connection's API base URL, no trailing slash
 * @param method  upper-case HTTP method
 * @param path    encoded path below the base URL, starting with "/"
 * @param query   encoded query string, or null
 * @param headers extra HTTP headers from the caller
 * @param body    the JSON body as UTF-8 bytes, or null
 * @param share   the caller's share of the connection's rate budget, or null
 */
record OutboundRequest(UpstreamCall call, String baseUrl, String method, String path, String query,
                       Map<String, String> headers, byte[] body, CallerShare share) {

    @Override
    public String toString() {
        return "OutboundRequest[" + call.describe() + " " + method + " " + path + (query == null ? "" : "?" + query)
                + " on " + call.connectionId() + "]";
    }
}
