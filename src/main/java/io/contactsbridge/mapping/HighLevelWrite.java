package io.contactsbridge.mapping;

import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What to change on a HighLevel contact so its mapped fields equal the desired values.
 *
 * <p>{@code body} holds the properties of an update/upsert body ({@code firstName}, {@code email}, {@code phone},
 * {@code dnd}, {@code companyName}, {@code customFields} as {@code [{"id":..,"field_value":..}]}); a cleared field is
 * sent as an empty string. Tags never go into that body: they are changed by difference, {@code addTags} with
 * {@code POST /contacts/{id}/tags} and {@code removeTags} with {@code DELETE /contacts/{id}/tags}, so a tag someone
 * adds in HighLevel while the bridge writes is never overwritten by a whole list computed a moment earlier. Only a
 * contact the bridge creates gets its tags in the body ({@link #createBody()}).
 *
 * @param addTags    tag names to add (lower case, as in {@link CanonicalContact})
 * @param removeTags tag names to remove (lower case)
 */
public record HighLevelWrite(ObjectNode body, List<String> addTags, List<String> removeTags) {

    public HighLevelWrite {
        addTags = List.copyOf(addTags);
        removeTags = List.copyOf(removeTags);
    }

    /** Properties only, no tag changes. */
    public HighLevelWrite(ObjectNode body) {
        this(body, List.of(), List.of());
    }

    public boolean isEmpty() {
        return body.isEmpty() && addTags.isEmpty() && removeTags.isEmpty();
    }

    /** Whether there is anything for the update (or upsert) body, apart from tags. */
    public boolean hasProperties() {
        return !body.isEmpty();
    }

    /** The body of a create: the properties with the tags to add as the new contact's tags. */
    public ObjectNode createBody() {
        ObjectNode create = body.deepCopy();
        if (!addTags.isEmpty()) {
            ArrayNode tags = create.putArray("tags");
            addTags.forEach(tags::add);
        }
        return create;
    }

    /** The same tag changes with other properties. */
    public HighLevelWrite withBody(ObjectNode newBody) {
        return new HighLevelWrite(newBody, addTags, removeTags);
    }
}
