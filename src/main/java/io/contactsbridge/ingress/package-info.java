/**
 * Ingress: the webhook endpoints for HighLevel (Ed25519/RSA signatures) and BirdSend notifications, their request
 * limits and overload guard, and the step that makes each accepted event durable in the journal before answering.
 * (Its settings keep their {@code bridge.inbound.*} names and {@code config/inbound.properties}, which users set.)
 */
package io.contactsbridge.ingress;
