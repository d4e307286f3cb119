package io.contactsbridge.ops;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings under {@code bridge.*} that the foundation owns. Connection and sync settings live
 * next to the code that uses them.
 *
 * @param mode     sandbox or live (see {@link BridgeMode})
 * @param admin    the login for Hawtio, Jolokia and the admin API
 * @param instance identifies this replica in the store (heartbeats, leases)
 */
@ConfigurationProperties(prefix = "bridge")
public record BridgeProperties(String mode, Admin admin, Instance instance) {

    public BridgeMode bridgeMode() {
        return BridgeMode.parse(mode);
    }

    /** @param password never logged, never returned by any API. */
    public record Admin(String username, String password) {
        @Override
        public String toString() {
            return "Admin[username=" + username + ", password=****]";
        }
    }

    public record Instance(String id) {
    }
}
