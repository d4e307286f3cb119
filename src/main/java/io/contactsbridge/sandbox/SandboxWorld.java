package io.contactsbridge.sandbox;

import java.util.Locale;
import java.util.UUID;

/**
 * One seeding of the sandbox's in-process simulators. They keep their contacts in memory and are seeded afresh at
 * every start: BirdSend hands out the same contact ids again, HighLevel new ones, and every edit of the last run is
 * gone. So each start is a new world, and the bridge's store must describe this one ({@link SandboxStoreReset}).
 *
 * @param id          new at every start
 * @param seededWith  the seed settings, in words (stored beside the id for people reading the store)
 */
public record SandboxWorld(String id, String seededWith) {

    static SandboxWorld seededBy(SandboxProperties props) {
        return new SandboxWorld(UUID.randomUUID().toString(), String.format(Locale.ROOT,
                "random seed %d, HighLevel %d contacts, BirdSend %d contacts, overlap %s, extra fields %s",
                props.randomSeed(), props.highlevel().contacts(), props.birdsend().contacts(), props.overlap(),
                props.extraFields() ? "on" : "off"));
    }
}
