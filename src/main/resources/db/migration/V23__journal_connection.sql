-- Several connection pairs (see io.contactsbridge.sync.SyncPairs): each journal event records the connection it came
-- from (the HighLevel connection of the webhook's location, the polled connection, the BirdSend connection notified),
-- so the sync knows whose pair it is for. NULL in events stored before, and where the writer cannot tell: those go to
-- the pair named by the event itself (a HighLevel location) or, with one pair, to it.
ALTER TABLE inbound_event ADD COLUMN connection_id VARCHAR(100);
