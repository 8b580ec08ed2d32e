-- A password a petitioner without an account may choose at filing to track the petition
-- (besides the last four digits of their phone number). Stored as an argon2id hash.
CREATE TABLE petition_tracking (
    petition_id INTEGER PRIMARY KEY REFERENCES petitions(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
