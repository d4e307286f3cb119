package io.contactsbridge.simulator.birdsend;

/** An account's tag; contacts carry tags as {@code {"tag_id": .., "name": ..}}. */
public record BirdSendTag(long tagId, String name) {
}
