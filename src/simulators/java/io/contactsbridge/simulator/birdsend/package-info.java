/**
 * The BirdSend simulator: the v1 REST API (account, contacts and their tags and subscription, fields, tags,
 * sequences, forms, broadcasts), its OAuth and personal access tokens, Laravel's error bodies and rate limits, over
 * in-memory accounts ({@link io.contactsbridge.simulator.birdsend.BirdSendAccount}). BirdSend publishes no webhooks,
 * so neither does this.
 */
package io.contactsbridge.simulator.birdsend;
