package io.contactsbridge.simulator.highlevel;

import java.util.Random;

/**
 * Identifiers shaped like HighLevel's: contacts, notes, tasks, locations and custom fields have
 * 20-character alphanumeric (Firestore-style) ids such as {@code ocQHyuzHvysMo5N5VsXc}; businesses
 * have 24-hex-digit Mongo ObjectIds such as {@code 63771dcac1116f0e21de8e12}; trace ids are UUIDs.
 * Thread-safe ({@link Random} is); pass a seeded {@link Random} for reproducible ids.
 */
final class HighLevelIds {

    static final int ID_LENGTH = 20;
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final Random random;

    HighLevelIds(Random random) {
        this.random = random;
    }

    String next() {
        return next(random);
    }

    static String next(Random random) {
        StringBuilder id = new StringBuilder(ID_LENGTH);
        for (int i = 0; i < ID_LENGTH; i++) {
            id.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
        }
        return id.toString();
    }

    /** An ObjectId: 4 bytes of epoch seconds, then 8 random bytes, as HighLevel's business ids are. */
    String nextObjectId(long epochSecond) {
        StringBuilder id = new StringBuilder(24);
        String seconds = String.format("%08x", epochSecond & 0xffffffffL);
        id.append(seconds);
        for (int i = 0; i < 16; i++) {
            id.append(HEX[random.nextInt(16)]);
        }
        return id.toString();
    }

    String traceId() {
        StringBuilder id = new StringBuilder(36);
        for (int i = 0; i < 32; i++) {
            if (i == 8 || i == 12 || i == 16 || i == 20) {
                id.append('-');
            }
            id.append(HEX[random.nextInt(16)]);
        }
        return id.toString();
    }

    /** Whether {@code id} has the shape of a contact id (HighLevel calls this "a valid firebase id"). */
    static boolean isFirebaseId(String id) {
        if (id == null || id.length() != ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            if (ALPHANUMERIC.indexOf(id.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }
}
