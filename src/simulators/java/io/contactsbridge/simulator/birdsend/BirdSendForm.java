package io.contactsbridge.simulator.birdsend;

import java.time.Instant;

/** A sign-up form; {@code form_id} on a created contact says which form it came through. */
public record BirdSendForm(long formId, String name, String type, Instant createdAt) {
}
