-- Departments an administrator retires stay in the org chart (old petitions and accounts keep
-- pointing at them) but are no longer offered for new accounts, types or transfers.
ALTER TABLE departments ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
