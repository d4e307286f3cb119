package io.contactsbridge.simulator.sim;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Shared plumbing for the simulators' standalone {@code main} classes.
 *
 * <pre>{@code
 * public static void main(String[] args) throws InterruptedException {
 *     SimLauncher.Options options = SimLauncher.Options.parse(args);
 *     SimClock clock = SimClock.scaled(options.timeScale());
 *     SimLauncher.runUntilShutdown(new MySimulator(clock).server(), options);
 * }
 * }</pre>
 * Arguments are {@code --name=value}: {@code --port} (default 0 = ephemeral), {@code --host}
 * (default 127.0.0.1; use 0.0.0.0 in a container), {@code --time-scale} (default 1.0); any other
 * {@code --name=value} is kept in {@link Options#extra()} for the simulator to read.
 */
public final class SimLauncher {

    private SimLauncher() {
    }

    public record Options(String host, int port, double timeScale, Map<String, String> extra) {

        public static Options parse(String... args) {
            Map<String, String> values = new LinkedHashMap<>();
            for (String arg : args) {
                if (!arg.startsWith("--")) {
                    throw new IllegalArgumentException("Expected --name=value, got " + arg);
                }
                int eq = arg.indexOf('=');
                values.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq), eq < 0 ? "true" : arg.substring(eq + 1));
            }
            String host = values.getOrDefault("host", "127.0.0.1");
            int port = Integer.parseInt(values.getOrDefault("port", "0"));
            double scale = Double.parseDouble(values.getOrDefault("time-scale", "1.0"));
            values.keySet().removeAll(List.of("host", "port", "time-scale"));
            return new Options(host, port, scale, Map.copyOf(values));
        }
    }

    /**
     * Starts the server, prints its base URL, and blocks until the JVM is asked to stop
     * (Ctrl-C / SIGTERM), stopping the server cleanly on the way out.
     */
    public static void runUntilShutdown(SimServer server, Options options) throws InterruptedException {
        runUntilShutdown(List.of(new Launch(server, options)));
    }

    /** One server of a process and where it listens. */
    public record Launch(SimServer server, Options options) {
    }

    /** {@link #runUntilShutdown(SimServer, Options)} for several servers in one process (SimulatorsMain). */
    public static void runUntilShutdown(List<Launch> launches) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            launches.forEach(launch -> launch.server().stop());
            stopped.countDown();
        }, "sim-" + launches.get(0).server().name() + "-shutdown"));
        for (Launch launch : launches) {
            SimServer server = launch.server();
            server.start(new InetSocketAddress(launch.options().host(), launch.options().port()));
            System.out.println(server.name() + " simulator listening on " + server.baseUrl()
                    + " (time scale " + server.clock().timeScale() + ")");
        }
        stopped.await();
    }
}
