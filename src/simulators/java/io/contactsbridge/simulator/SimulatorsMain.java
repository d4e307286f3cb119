package io.contactsbridge.simulator;

import io.contactsbridge.simulator.birdsend.BirdSendSimulatorMain;
import io.contactsbridge.simulator.highlevel.HighLevelSimulatorMain;
import io.contactsbridge.simulator.sim.SimLauncher;
import io.contactsbridge.simulator.sim.SimLauncher.Launch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Both simulators in one process: the main class of the simulators jar ({@code ./mvnw package} builds
 * target/simulators/contacts-bridge-simulators-&lt;version&gt;.jar, which holds no class of the product).
 *
 * <pre>{@code
 * java -jar contacts-bridge-simulators-<version>.jar [--highlevel-port=8091] [--birdsend-port=8092]
 *     [--host=127.0.0.1] [--time-scale=1] [--highlevel-<option>=...] [--birdsend-<option>=...]
 * }</pre>
 * The ports default to the sandbox's (config/sandbox.properties); 0 picks a free one. {@code --host} and
 * {@code --time-scale} apply to both. Every other option names its simulator and is passed to it without the prefix,
 * as {@link HighLevelSimulatorMain} and {@link BirdSendSimulatorMain} read it, e.g. {@code --highlevel-seed=200
 * --highlevel-webhook-url=http://localhost:8080/webhooks/highlevel --birdsend-seed=200}. Each simulator seeds its own
 * people, as when it runs alone; the people both sides share are sandbox mode's ({@link SandboxPeople}).
 */
public final class SimulatorsMain {

    static final int DEFAULT_HIGHLEVEL_PORT = 8091;
    static final int DEFAULT_BIRDSEND_PORT = 8092;
    private static final String HIGHLEVEL = "highlevel-";
    private static final String BIRDSEND = "birdsend-";

    private SimulatorsMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        SimLauncher.Options all = SimLauncher.Options.parse(args);
        SimLauncher.Options highLevel = optionsOf(all, HIGHLEVEL, DEFAULT_HIGHLEVEL_PORT);
        SimLauncher.Options birdSend = optionsOf(all, BIRDSEND, DEFAULT_BIRDSEND_PORT);
        SimLauncher.runUntilShutdown(List.of(
                new Launch(HighLevelSimulatorMain.prepare(highLevel), highLevel),
                new Launch(BirdSendSimulatorMain.prepare(birdSend), birdSend)));
    }

    /** One simulator's options: the shared host and time scale, its {@code <prefix>port} and its prefixed options. */
    static SimLauncher.Options optionsOf(SimLauncher.Options all, String prefix, int defaultPort) {
        Map<String, String> own = new LinkedHashMap<>();
        for (Map.Entry<String, String> option : all.extra().entrySet()) {
            String name = option.getKey();
            if (name.startsWith(prefix)) {
                own.put(name.substring(prefix.length()), option.getValue());
            } else if (!name.startsWith(HIGHLEVEL) && !name.startsWith(BIRDSEND)) {
                throw new IllegalArgumentException("--" + name + " names no simulator: use --" + HIGHLEVEL + name
                        + " or --" + BIRDSEND + name + " (--host and --time-scale apply to both)");
            }
        }
        String port = own.remove("port");
        int portNumber = port == null ? defaultPort : Integer.parseInt(port);
        return new SimLauncher.Options(all.host(), portNumber, all.timeScale(), Map.copyOf(own));
    }
}
