-- Departments an administrator retires stay in the org chart (old petitions and accounts keep
-- pointing at them) but take no new accounts or petition types (checked by the admin pages).
ALTER TABLE departments ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
