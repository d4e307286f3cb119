package io.contactsbridge.sandbox;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How sandbox mode runs the simulators ({@code bridge.sandbox.*}, defaults in config/sandbox.properties).
 *
 * @param timeScale  1 = real time; tests and benchmarks run the same rules faster
 * @param randomSeed seeds the generated people, so every sandbox run starts with the same data
 */
@ConfigurationProperties(prefix = "bridge.sandbox")
public record SandboxProperties(Simulator highlevel, Simulator birdsend, double timeScale, long randomSeed) {

    /**
     * @param port     0 picks a free port
     * @param contacts how many generated contacts to seed at start
     */
    public record Simulator(int port, int contacts) {
    }
}
