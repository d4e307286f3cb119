package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** A contact's subscription status as the simulator reports it ({@code status} is an assumed field). */
public enum BirdSendContactStatus {
    ACTIVE,
    UNSUBSCRIBED;

    @JsonValue
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static BirdSendContactStatus parse(String value) {
        for (BirdSendContactStatus status : values()) {
            if (status.value().equalsIgnoreCase(value.trim())) {
                return status;
            }
        }
        throw new IllegalArgumentException("status must be active or unsubscribed, got " + value);
    }
}
