-- A pair added through the admin API may sync by its own contact mapping (see io.contactsbridge.sync.PairMappingLoader):
-- its location (file:... or classpath:..., never the file's content), which every replica reads when it takes the pair
-- in. NULL: the bridge's mapping (bridge.sync.mapping), as for every pair added before, and for configured pairs, whose
-- own mapping is bridge.pairs.<id>.mapping. Portable SQL for H2 (PostgreSQL mode) and PostgreSQL.
ALTER TABLE sync_pair ADD COLUMN mapping VARCHAR(500);
