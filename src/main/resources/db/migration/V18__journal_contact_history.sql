-- The contact-filter steps of automations (tag added / removed, field changed from / to, DND switched on) compare an
-- event with the same contact's previous event from the same source (JournalStore.previous): this index finds it
-- without going through the journal.
CREATE INDEX inbound_event_contact_history ON inbound_event (contact_key, source, seq);
