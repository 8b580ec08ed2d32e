-- Approval (결재): petition types an administrator marks send an official's answer or extension to
-- the division's supervisor before it takes effect (the steps themselves live on the timeline).
ALTER TABLE petition_types ADD COLUMN needs_approval INTEGER NOT NULL DEFAULT 0;

-- What an official is told on their own screen (a petition assigned to them, an approval
-- returned to them, for a supervisor one submitted for their approval); the same notice goes to
-- the outbox when their account has an address. Korean and English halves, so each page shows
-- its own language.
CREATE TABLE staff_notices (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    petition_id INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    body_ko TEXT NOT NULL,
    body_en TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX staff_notices_unread ON staff_notices(account_id, read_at, id);
