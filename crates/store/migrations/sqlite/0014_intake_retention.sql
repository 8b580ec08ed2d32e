-- Issue 14, intake: counter intake records, transfers timed against a department's distance,
-- and the retention of petition files.

-- A department away from the main office (a branch office, 읍·면 사무소): an in-office transfer
-- to or from it has 3 working hours instead of 1 (Decree art. 13).
ALTER TABLE departments ADD COLUMN remote INTEGER NOT NULL DEFAULT 0;

-- Years a completed petition of this type is kept, counted from the 1 January after its
-- completion; NULL = the office's setting `petitions.retention_years` (10 by default).
ALTER TABLE petition_types ADD COLUMN retention_years INTEGER;

-- How a petition was taken in on the resident's behalf (counter, phone, mail): the identity
-- check and the required documents the official checked, as JSON ('{}' for online petitions).
ALTER TABLE petitions ADD COLUMN intake TEXT NOT NULL DEFAULT '{}';

-- Petitions deleted at the end of their retention: only the number, never anything personal.
-- `change_seq` lets every process's search index drop the entry (store::search).
CREATE TABLE petition_purges (
    petition_id INTEGER PRIMARY KEY,
    change_seq INTEGER NOT NULL,
    purged_at TEXT NOT NULL
);
CREATE INDEX petition_purges_change ON petition_purges(change_seq);

-- Anonymous statistics kept after deletion: counts per month of completion, type, department
-- and channel, and how many were answered on time.
CREATE TABLE petition_statistics (
    month TEXT NOT NULL,
    type_id INTEGER NOT NULL,
    department_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    petitions INTEGER NOT NULL,
    on_time INTEGER NOT NULL,
    PRIMARY KEY (month, type_id, department_id, channel)
);

-- The timeline stays append-only, except for a petition whose retention has ended: its purge
-- is recorded first, in the same transaction.
DROP TRIGGER petition_events_no_delete;
CREATE TRIGGER petition_events_no_delete BEFORE DELETE ON petition_events
WHEN NOT EXISTS (SELECT 1 FROM petition_purges WHERE petition_id = OLD.petition_id)
BEGIN SELECT RAISE(ABORT, 'petition_events is append-only'); END;
