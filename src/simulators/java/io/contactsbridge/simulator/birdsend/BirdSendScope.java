package io.contactsbridge.simulator.birdsend;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** BirdSend's OAuth scopes; {@code write} also allows reads. */
public enum BirdSendScope {
    READ,
    WRITE;

    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The scope named {@code value} (case-insensitive), or {@code null} for an unknown name. */
    public static BirdSendScope parse(String value) {
        if (value == null) {
            return null;
        }
        for (BirdSendScope scope : values()) {
            if (scope.value().equalsIgnoreCase(value.trim())) {
                return scope;
            }
        }
        return null;
    }

    /**
     * Parses a space-separated OAuth scope list (commas tolerated too); {@code null} if any name is
     * unknown, an empty set for a blank list.
     */
    public static Set<BirdSendScope> parseList(String list) {
        EnumSet<BirdSendScope> scopes = EnumSet.noneOf(BirdSendScope.class);
        if (list == null || list.isBlank()) {
            return scopes;
        }
        for (String name : list.trim().split("[\\s,]+")) {
            BirdSendScope scope = parse(name);
            if (scope == null) {
                return null;
            }
            scopes.add(scope);
        }
        return scopes;
    }

    /** Whether a grant holding {@code held} may do what {@code needed} allows. */
    public static boolean allows(Set<BirdSendScope> held, BirdSendScope needed) {
        return held.contains(needed) || (needed == READ && held.contains(WRITE));
    }

    public static String join(Set<BirdSendScope> scopes) {
        return scopes.stream().map(BirdSendScope::value).collect(Collectors.joining(" "));
    }
}
