-- Evidence past its retention period is deleted (the file) and marked here; the row and its
-- custody log stay, so what existed and when it went remains on record.
ALTER TABLE protection_evidence ADD COLUMN purged_at TEXT;
