-- The queue reads and counts open petitions only, a small share of all once the years add up.
-- Partial indexes over the open states hold every column the queue filters, orders and counts
-- on, so the page is found by walking one department's entries in due order and the counts
-- never touch the table. The state list must stay word for word the one in store::petitions
-- (OPEN_STATES_SQL): both databases match a partial index by the query's own text.
CREATE INDEX petitions_open_by_department ON petitions
    (department_id, due_at, id, state, assignee_id, type_id, flagged, repeat_proposed)
    WHERE state IN ('arrived', 'received', 'in_progress', 'supplement', 'paused');
CREATE INDEX petitions_open_by_due ON petitions
    (due_at, id, state, department_id, assignee_id, type_id, flagged, repeat_proposed)
    WHERE state IN ('arrived', 'received', 'in_progress', 'supplement', 'paused');
