-- The journal's duplicate rule, with its columns in the other order. As (source, event_id) it was the only index that
-- starts with source, so H2 chose it for every consumer's read ("seq > position AND source IN (...)"): the read went
-- through every event of that source and fetched each row to test its seq, so a poll cost grew with the journal (a
-- consumer that wants few events, such as the app lifecycle's, spent most of a core at 100,000 events). As
-- (event_id, source) it still finds a duplicate in one lookup (append, find), and reads use the primary key's range.
ALTER TABLE inbound_event DROP CONSTRAINT inbound_event_source_event_id;
ALTER TABLE inbound_event ADD CONSTRAINT inbound_event_event_id_source UNIQUE (event_id, source);
