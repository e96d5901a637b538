-- The fingerprint of each imported record: a 64-bit hash of the values
-- that the last import wrote to the row, set by the PostgreSQL import.
-- A re-import reads the fingerprints with the keys and sends only the
-- records whose fingerprint differs to the server. NULL, as on SQLite
-- and on rows written before this column existed, matches no record.
-- A program other than the importer that changes an imported column must
-- set import_hash to NULL, or the next import may keep its change.
ALTER TABLE occupations ADD COLUMN import_hash BIGINT;
ALTER TABLE companies ADD COLUMN import_hash BIGINT;
ALTER TABLE trainers ADD COLUMN import_hash BIGINT;
ALTER TABLE trainees ADD COLUMN import_hash BIGINT;
ALTER TABLE contracts ADD COLUMN import_hash BIGINT;
ALTER TABLE exam_registrations ADD COLUMN import_hash BIGINT;
