package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A state change inside the HighLevel simulator that HighLevel would announce by webhook.
 *
 * @param type       one of the webhook event types in shared/reference/highlevel/webhook-events
 *                   (ContactCreate, ContactUpdate, ContactDelete, ContactTagUpdate, ContactDndUpdate,
 *                   NoteCreate, NoteUpdate, NoteDelete, TaskCreate, TaskComplete, TaskDelete,
 *                   AppointmentCreate, AppointmentUpdate, AppointmentDelete), or the app's INSTALL and
 *                   UNINSTALL ({@link HighLevelOAuthServer#install})
 * @param locationId the location the entity belongs to
 * @param entity     the entity after the change (for deletes: as it was just before), in the
 *                   simulator's API representation (what GET would have returned, unwrapped)
 */
public record HighLevelEvent(String type, String locationId, ObjectNode entity) {
}
