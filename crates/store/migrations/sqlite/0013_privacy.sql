-- Issue 14, privacy: what Open311 publishes, what residents are told about their handler, and
-- tracking that cannot be guessed.

-- Petition types whose petitions (filed through Open311 or the public web form) the office
-- publishes on Open311 GET /requests. Separate from `public` (residents may file the type).
ALTER TABLE petition_types ADD COLUMN publishable INTEGER NOT NULL DEFAULT 0;

-- The department's public phone, given to residents instead of an official's name and
-- personal number when the office hides handlers' names.
ALTER TABLE departments ADD COLUMN public_phone TEXT NOT NULL DEFAULT '';

-- The random tracking code given on the receipt (SHA-256 of it; the code has enough entropy
-- that a fast hash is enough, like session tokens).
CREATE TABLE petition_codes (
    petition_id INTEGER PRIMARY KEY REFERENCES petitions(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- Failed tracking look-ups, counted per petition and per client address in a sliding window
-- (in the database, so every app server sees the same count).
CREATE TABLE tracking_failures (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER,
    address TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX tracking_failures_petition ON tracking_failures(petition_id, at);
CREATE INDEX tracking_failures_address ON tracking_failures(address, at);
