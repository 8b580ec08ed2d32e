-- The desk's queue (issue 16): a resident's request for an additional answer puts an answered or
-- closed petition back in the queue; officials find petitions by the petitioner's masked name
-- (as their pages show it, 김*수); the queue sorts by receipt number as well as by due moment.

-- Copy of `derived.additional_requested` (set while a requested additional answer is owed).
ALTER TABLE petitions ADD COLUMN additional_requested INTEGER NOT NULL DEFAULT 0;
CREATE INDEX petitions_additional_requested ON petitions (department_id, id, due_at, assignee_id)
    WHERE additional_requested = TRUE;

-- domain::privacy::mask of the name: first and last letters kept, the ones between starred.
ALTER TABLE petitions ADD COLUMN petitioner_masked TEXT NOT NULL DEFAULT '';
UPDATE petitions SET petitioner_masked = CASE length(trim(petitioner_name))
    WHEN 0 THEN ''
    WHEN 1 THEN '*'
    WHEN 2 THEN substr(trim(petitioner_name), 1, 1) || '*'
    ELSE substr(trim(petitioner_name), 1, 1)
        || replace(hex(zeroblob(length(trim(petitioner_name)) - 2)), '00', '*')
        || substr(trim(petitioner_name), -1, 1)
    END;
-- Covering what a name search filters on: reach, state, the marker; then the few matches sorted.
CREATE INDEX petitions_by_masked_name ON petitions
    (petitioner_masked, department_id, state, due_at, additional_requested);

-- Receipt-number order (either way) over the open petitions, per department and office-wide;
-- the condition is word for word the one of 0006 and store::petitions::OPEN_STATES_SQL.
CREATE INDEX petitions_open_by_department_receipt ON petitions
    (department_id, receipt_no, id, due_at, state, assignee_id, type_id, flagged, repeat_proposed)
    WHERE state IN ('arrived', 'received', 'in_progress', 'supplement', 'paused');
CREATE INDEX petitions_open_by_receipt ON petitions
    (receipt_no, id, due_at, state, department_id, assignee_id, type_id, flagged, repeat_proposed)
    WHERE state IN ('arrived', 'received', 'in_progress', 'supplement', 'paused');
