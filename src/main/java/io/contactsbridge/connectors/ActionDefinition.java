package io.contactsbridge.connectors;

import java.util.List;
import java.util.Optional;

/**
 * One ready-made action: a single HighLevel or BirdSend API operation, usable from a YAML route as
 * the Kamelet {@code kamelet:<name>}. The table of all of them ({@code catalog/actions.json}) is
 * generated from HighLevel's OpenAPI spec and the BirdSend operations table; see docs/catalog.md.
 *
 * @param name      Kamelet name, e.g. {@code highlevel-get-contact-action}
 * @param service   {@code highlevel} or {@code birdsend}
 * @param operation the service's operation id, e.g. {@code get-contact}
 * @param path      path template relative to the connection's base URL, e.g. {@code /contacts/{contactId}}
 * @param scopes    OAuth scopes the call needs
 */
public record ActionDefinition(String name, String service, String operation, String method, String path,
                               String title, String description, List<Parameter> parameters, Body body,
                               List<String> scopes) {

    /**
     * A path or query parameter. Given either as a Kamelet property (fixed for the route) or per
     * message as a header of the same name.
     *
     * @param in {@code path} or {@code query}
     */
    public record Parameter(String name, String in, boolean required, String type, String description,
                            String example) {
    }

    /**
     * The JSON request body, taken from the message body.
     *
     * @param takesLocationId the body schema has a {@code locationId} field, filled from the connection when absent
     */
    public record Body(boolean required, String schema, String example, boolean takesLocationId) {
    }

    public Optional<Parameter> parameter(String name) {
        return parameters.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public boolean hasBody() {
        return body != null;
    }
}
