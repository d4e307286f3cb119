package io.contactsbridge.simulator.birdsend;

import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimLauncher;
import io.contactsbridge.simulator.sim.SimServer;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the BirdSend simulator on its own, e.g. for manual testing or a docker-compose sandbox:
 * {@code --port=8092 --seed=200 [--random-seed=1] [--host=0.0.0.0] [--time-scale=1.0]}. Port
 * 8092 and 200 seeded contacts are the defaults. Prints the API base URL and a personal access
 * token for the default account, then serves until stopped.
 */
public final class BirdSendSimulatorMain {

    static final int DEFAULT_PORT = 8092;
    static final int DEFAULT_SEED_COUNT = 200;

    private BirdSendSimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> withDefaults = new ArrayList<>(List.of(args));
        if (withDefaults.stream().noneMatch(a -> a.startsWith("--port="))) {
            withDefaults.add("--port=" + DEFAULT_PORT);
        }
        SimLauncher.Options options = SimLauncher.Options.parse(withDefaults.toArray(String[]::new));
        SimLauncher.runUntilShutdown(prepare(options), options);
    }

    /** The simulator built and seeded as the options say, its address and token printed; the caller starts it. */
    public static SimServer prepare(SimLauncher.Options options) {
        int seedCount = Integer.parseInt(options.extra().getOrDefault("seed", String.valueOf(DEFAULT_SEED_COUNT)));
        long randomSeed = Long.parseLong(options.extra().getOrDefault("random-seed", "1"));

        BirdSendSimulator simulator = BirdSendSimulator.builder()
                .clock(SimClock.scaled(options.timeScale()))
                .build();
        simulator.seed(seedCount, randomSeed);
        String token = simulator.issuePersonalAccessToken();

        // SimLauncher starts the server and blocks, so the address is printed from the options; with
        // --port=0 the launcher's own line gives the port that was picked.
        String host = "0.0.0.0".equals(options.host()) ? "127.0.0.1" : options.host();
        String base = "http://" + host + ":" + (options.port() == 0 ? "<port>" : options.port());
        System.out.println("BirdSend API base URL:    " + base + BirdSendSimulator.API_PREFIX);
        System.out.println("Personal access token:    " + token + "  (account "
                + simulator.defaultAccountId() + ", " + seedCount + " contacts, read+write)");
        System.out.println("OAuth endpoints:          " + base + "/oauth/authorize, " + base + "/oauth/token");
        System.out.println("Admin:                    " + base + "/__admin/routes");
        return simulator.server();
    }
}
