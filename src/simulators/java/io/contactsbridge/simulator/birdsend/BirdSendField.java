package io.contactsbridge.simulator.birdsend;

/**
 * A contact field definition as {@code GET /fields} lists it. {@code first_name} and
 * {@code last_name} exist in every account; everything else (company, phone: BirdSend has no
 * built-in phone, so phone numbers live in a custom field) is defined per account.
 */
public record BirdSendField(long fieldId, String key, String label, String type) {
}
