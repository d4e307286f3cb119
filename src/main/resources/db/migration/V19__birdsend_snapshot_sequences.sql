-- The sequences a BirdSend contact is subscribed to, as the poller last saw them: a JSON array of sequence ids, to
-- report the ones joined or left (ContactSequencesChanged). NULL: the API did not list the contact's sequences
-- (BirdSend documents no such list; the bridge assumes one shaped like the tags and copes without it).
ALTER TABLE capture_birdsend_snapshot ADD COLUMN sequence_ids TEXT;
