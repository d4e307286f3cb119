package io.contactsbridge.sandbox;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How sandbox mode runs the simulators ({@code bridge.sandbox.*}, defaults in config/sandbox.properties).
 *
 * @param timeScale  1 = real time; tests and benchmarks run the same rules faster
 * @param randomSeed seeds the generated people, so every sandbox run starts with the same data
 * @param overlap    the share (0..1) of the BirdSend contacts who are HighLevel seed people too, matched
 *                   by email, so the sync has pairs to reconcile as well as people on one side only
 * @param extraFields whether the accounts have the sandbox's own fields, which the sandbox mapping
 *                   (mapping/contacts-sandbox.yaml) uses: BirdSend's {@code phone}, {@code company} and
 *                   {@code favourite_colour} and HighLevel's custom field {@code contact.favourite_colour}
 *                   (default true). False makes the accounts like any new account: without them.
 */
@ConfigurationProperties(prefix = "bridge.sandbox")
public record SandboxProperties(Simulator highlevel, Simulator birdsend, double timeScale, long randomSeed,
                                double overlap, Boolean extraFields) {

    public SandboxProperties {
        extraFields = extraFields == null || extraFields;
        // Written so that NaN fails too.
        if (!(overlap >= 0 && overlap <= 1)) {
            throw new IllegalArgumentException("bridge.sandbox.overlap must be a fraction from 0 to 1 (the share of "
                    + "BirdSend contacts who are also HighLevel contacts), was " + overlap);
        }
    }

    /**
     * @param port     0 picks a free port
     * @param contacts how many generated contacts to seed at start
     */
    public record Simulator(int port, int contacts) {
    }
}
