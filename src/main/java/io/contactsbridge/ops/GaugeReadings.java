package io.contactsbridge.ops;

import java.util.function.LongSupplier;

/** Reading a gauge backed by the store. */
public final class GaugeReadings {

    private GaugeReadings() {
    }

    /** A gauge read while the store is failing is "no value", not an exception in the metrics scrape. */
    public static double orNaN(LongSupplier value) {
        try {
            return value.getAsLong();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
