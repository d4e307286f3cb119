package io.contactsbridge.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * The settings live mode cannot run without. Each entry names the property, the environment
 * variable a container would set, and why it is needed, so the start-up failure message can tell
 * a person exactly what to add. Add entries here as features need more settings.
 */
public final class RequiredSettings {

    /** One required setting; {@code satisfied} decides, given the environment, whether it is present. */
    public record Setting(String property, String environmentVariable, String purpose,
                          Predicate<Environment> satisfied) {

        static Setting nonBlank(String property, String purpose) {
            return new Setting(property, toEnvironmentVariable(property), purpose,
                    env -> StringUtils.hasText(env.getProperty(property)));
        }
    }

    static final String HIGHLEVEL_WEBHOOK_KEY = "bridge.highlevel.webhook.ed25519-public-key";
    static final String HIGHLEVEL_WEBHOOKS_ENABLED = "bridge.highlevel.webhook.enabled";

    private static final List<Setting> LIVE = List.of(
            Setting.nonBlank("bridge.admin.password",
                    "password of the admin login that protects Hawtio, Jolokia and the admin API"),
            Setting.nonBlank("bridge.encryption.key",
                    "AES-256 key (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) that encrypts the "
                            + "stored OAuth tokens; keep it safe, tokens stored with it are unreadable without it"),
            // Only while HighLevel webhooks are taken (the default): HighLevel signs each with Ed25519.
            new Setting(HIGHLEVEL_WEBHOOK_KEY, toEnvironmentVariable(HIGHLEVEL_WEBHOOK_KEY),
                    "the Ed25519 public key HighLevel's webhook signatures (x-ghl-signature) are checked with. Copy it "
                            + "from your app's settings in the HighLevel marketplace (marketplace.gohighlevel.com), "
                            + "as PEM, base64 or hex, as shown there. Without it "
                            + "every webhook would be refused. Not using HighLevel webhooks? Set "
                            + HIGHLEVEL_WEBHOOKS_ENABLED + "=false instead: the reconciliation poll then finds changes",
                    env -> !env.getProperty(HIGHLEVEL_WEBHOOKS_ENABLED, Boolean.class, true)
                            || StringUtils.hasText(env.getProperty(HIGHLEVEL_WEBHOOK_KEY))));

    private RequiredSettings() {
    }

    public static List<Setting> live() {
        return LIVE;
    }

    /** The live settings missing from {@code env}, in declaration order. */
    public static List<Setting> missing(Environment env) {
        List<Setting> missing = new ArrayList<>();
        for (Setting s : LIVE) {
            if (!s.satisfied().test(env)) {
                missing.add(s);
            }
        }
        return missing;
    }

    /**
     * The environment variable Spring reads for a property: {@code bridge.admin.password} →
     * {@code BRIDGE_ADMIN_PASSWORD}. Dashes become underscores, the form both plain property look-ups
     * and configuration-properties binding accept.
     */
    static String toEnvironmentVariable(String property) {
        return property.replace('.', '_').replace('-', '_').toUpperCase(java.util.Locale.ROOT);
    }
}
