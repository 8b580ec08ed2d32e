-- Accounts people expect (issue 14, items 14-15): the office head flag, two-factor sign-in
-- (TOTP secret sealed with the data key, recovery codes as hashes), residents' sign-up
-- verification codes, pending second-step sign-ins, a label per session, and the privacy
-- officer's signed-off monthly reviews of the access log.

-- The head of the civil-affairs office (민원실장): sees late petitions across every department
-- and is the person panic alerts escalate to. A flag, not a role: the head keeps their role.
ALTER TABLE accounts ADD COLUMN office_head INTEGER NOT NULL DEFAULT 0;
-- TOTP (RFC 6238): the secret sealed with AES-GCM, never shown again after enrolment;
-- enabled only once a first code was confirmed; the last time step used (no replay).
ALTER TABLE accounts ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    code_hash TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_account ON recovery_codes(account_id);

-- A password was right and the second factor is awaited: the browser holds the token.
CREATE TABLE pending_logins (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Codes sent through the outbox to prove a contact (residents' sign-up).
CREATE TABLE verification_codes (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    -- The account waiting for this code (inactive until verified).
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';

-- A privacy officer's sign-off of one month of the access log (also written to the log).
CREATE TABLE audit_reviews (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,
    reviewer_id INTEGER NOT NULL REFERENCES accounts(id),
    reviewed_at TEXT NOT NULL,
    comment TEXT NOT NULL,
    entries INTEGER NOT NULL,
    denied INTEGER NOT NULL,
    flagged INTEGER NOT NULL
);
CREATE INDEX audit_reviews_month ON audit_reviews(month);

-- Wellbeing instruments an office imported (its licensed, validated Korean text): each a new
-- version of a shipped instrument; results keep the version that scored them.
CREATE TABLE wellbeing_instrument_versions (
    id INTEGER PRIMARY KEY,
    instrument_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (instrument_id, version)
);
