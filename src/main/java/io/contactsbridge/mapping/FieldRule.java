package io.contactsbridge.mapping;

import java.util.List;

/**
 * One mapped field of a {@link ContactMapping}.
 *
 * @param name           the field's name in {@link CanonicalContact}
 * @param birdsendPath   {@code email}, {@code fields.<key>}, {@code tags} or {@code unsubscribed}; null when the
 *                       field is not on BirdSend
 * @param highlevelPaths one path, or two for a full name split into (first word, rest) on HighLevel; empty when
 *                       the field is not on HighLevel. Custom fields are {@code customFields.<key>}, without the
 *                       {@code contact.} prefix.
 * @param direction      which sides the bridge writes it to
 * @param owner          the side that wins a conflict on this field, or null to follow the sync's policy
 * @param transforms     normalisation applied, in order, to the value read from either side
 * @param defaultValue   normalised text written when the desired value is absent; for a one-sided field, the
 *                       constant written to its side; null when there is none
 * @param line           1-based line of the field in the mapping file
 * @param kind           what the field holds
 */
public record FieldRule(String name, String birdsendPath, List<String> highlevelPaths, FieldDirection direction,
                        Side owner, List<TextTransform> transforms, String defaultValue, int line, FieldKind kind) {

    public FieldRule {
        highlevelPaths = List.copyOf(highlevelPaths);
        transforms = List.copyOf(transforms);
    }

    /** Whether the field has a path on {@code side}. */
    public boolean isMapped(Side side) {
        return side == Side.BIRDSEND ? birdsendPath != null : !highlevelPaths.isEmpty();
    }

    /** Whether the field exists on one side only (a constant written there). */
    public boolean isOneSided() {
        return !isMapped(Side.BIRDSEND) || !isMapped(Side.HIGHLEVEL);
    }

    /** Whether the value is split into two HighLevel properties (and joined back when read). */
    public boolean isSplit() {
        return highlevelPaths.size() == 2;
    }

    /** The HighLevel path of an unsplit field, or null. */
    public String highlevelPath() {
        return highlevelPaths.size() == 1 ? highlevelPaths.get(0) : null;
    }
}
