package io.contactsbridge.ops;

import java.util.Locale;

/**
 * How the bridge runs. {@code sandbox} talks to the in-process simulators with generated
 * credentials; {@code live} talks to the real services and insists on real settings.
 */
public enum BridgeMode {
    SANDBOX, LIVE;

    public static final String PROPERTY = "bridge.mode";

    /** Parses the configured value; anything but "sandbox" is live, so a typo never relaxes security. */
    public static BridgeMode parse(String value) {
        return value != null && value.trim().toLowerCase(Locale.ROOT).equals("sandbox") ? SANDBOX : LIVE;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
