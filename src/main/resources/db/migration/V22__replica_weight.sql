-- Weighted rate shares between replicas (see io.contactsbridge.outbound.RateAllotment): how much of every connection's
-- limits a replica asks for, more while its callers wait for their slots (a backfill), 1 otherwise.
ALTER TABLE bridge_member ADD COLUMN weight INTEGER DEFAULT 1 NOT NULL;
