package io.contactsbridge.simulator.highlevel;

import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimLauncher;
import io.contactsbridge.simulator.sim.SimServer;

import java.util.List;
import java.util.Map;

/**
 * Runs the HighLevel simulator on its own, fully wired ({@link HighLevelSandbox}: OAuth, rate
 * limits, signed webhooks).
 *
 * <pre>{@code
 * java ... HighLevelSimulatorMain --port=8091 --seed=200 [--random-seed=42] [--time-scale=1]
 *     [--allow-duplicates=true] [--webhook-url=http://localhost:8080/webhooks/highlevel] [--webhook-rsa=true]
 *     [--client-id=app123-abc --client-secret=s3cret --redirect-uri=http://localhost:8080/oauth/callback]
 *     [--host=0.0.0.0]
 * }</pre>
 * Prints the base URL, the demo location id and a Private Integration token for it with every
 * scope ({@link StaticTokenAuthority#DEMO_TOKEN}, the same on every run so the bridge's sandbox
 * settings can name it). With {@code --client-id} (and secret and redirect URI) a marketplace app
 * is registered for the OAuth flow ({@code GET /oauth/chooselocation}, {@code POST /oauth/token}),
 * installing into the demo location. Webhooks are signed with Ed25519 ({@code x-ghl-signature}) only, as
 * HighLevel signs them; the public key to give the bridge ({@code bridge.highlevel.webhook.ed25519-public-key})
 * is printed, and {@code --webhook-rsa=true} adds the legacy RSA {@code x-wh-signature}.
 */
public final class HighLevelSimulatorMain {

    private HighLevelSimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        SimLauncher.Options options = SimLauncher.Options.parse(args);
        SimLauncher.runUntilShutdown(prepare(options), options);
    }

    /** The simulator wired and seeded as the options say, its settings printed; the caller starts its server. */
    public static SimServer prepare(SimLauncher.Options options) {
        Map<String, String> extra = options.extra();
        String location = HighLevelState.DEMO_LOCATION_ID;
        HighLevelSandbox sandbox = HighLevelSandbox.create(SimClock.scaled(options.timeScale()));
        HighLevelSimulator simulator = sandbox.simulator();
        if (extra.containsKey("webhook-url")) {
            sandbox.webhooks().setTargetUrl(extra.get("webhook-url"));
        }
        sandbox.webhooks().setRsaSignatures(Boolean.parseBoolean(extra.getOrDefault("webhook-rsa", "false")));
        if (extra.containsKey("client-id")) {
            sandbox.oauth().registerApp(extra.get("client-id"), require(extra, "client-secret"),
                    List.of(require(extra, "redirect-uri")), StaticTokenAuthority.ALL_SCOPES);
        }
        if (Boolean.parseBoolean(extra.getOrDefault("allow-duplicates", "false"))) {
            simulator.state().updateSettings(location, simulator.state().settings(location).withAllowDuplicateContact(true));
        }
        int seed = Integer.parseInt(extra.getOrDefault("seed", "0"));
        simulator.state().seed(seed, Long.parseLong(extra.getOrDefault("random-seed", "42")));

        System.out.println("HighLevel demo location: " + location + " (" + seed + " seeded contacts)");
        System.out.println("HighLevel demo Private Integration token: " + StaticTokenAuthority.DEMO_TOKEN);
        System.out.println("Send 'Version: " + HighLevelSimulator.API_VERSION + "' and 'Authorization: Bearer <token>'"
                + (extra.containsKey("webhook-url") ? "; webhooks go to " + extra.get("webhook-url") : ""));
        System.out.println("Webhook signature (x-ghl-signature) public key, raw base64: "
                + sandbox.webhooks().keys().ed25519RawPublicKeyBase64());
        Runtime.getRuntime().addShutdownHook(new Thread(sandbox.webhooks()::close, "highlevel-webhooks-shutdown"));
        return simulator.server();
    }

    private static String require(Map<String, String> extra, String name) {
        String value = extra.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required with --client-id");
        }
        return value;
    }
}
