-- The practice desk (실습, issue 17 item 9): synthetic petitions for onboarding, kept in tables
-- of their own so nothing reaches the office's queue, search, statistics, Open311 or outbox.

-- One desk per training session, opened by the trainer.
CREATE TABLE practice_desks (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL UNIQUE REFERENCES program_sessions(id),
    case_count INTEGER NOT NULL,
    opened_by INTEGER REFERENCES accounts(id),
    opened_at TEXT NOT NULL,
    closed_by INTEGER REFERENCES accounts(id),
    closed_at TEXT
);

-- A synthetic petition with what the generator knows (expected_*) and what the assistant said
-- when the desk was opened (suggested_*, screened_*, draft), as the real desk records at intake.
CREATE TABLE practice_cases (
    id INTEGER PRIMARY KEY,
    desk_id INTEGER NOT NULL REFERENCES practice_desks(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    petitioner TEXT NOT NULL,
    phone TEXT NOT NULL,
    expected_department TEXT NOT NULL,
    expected_kind TEXT NOT NULL,
    expected_abusive INTEGER NOT NULL,
    suggested_department TEXT NOT NULL,
    suggested_score REAL NOT NULL,
    suggestion_model TEXT NOT NULL,
    screened_abusive INTEGER NOT NULL,
    screened_score REAL NOT NULL,
    screened_kinds TEXT NOT NULL,
    screening_model TEXT NOT NULL,
    draft TEXT NOT NULL,
    UNIQUE (desk_id, number)
);

-- One trainee's work on one case: opened when they first look at it, decided once. The
-- assistant's suggestion is copied at the moment of deciding.
CREATE TABLE practice_decisions (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES practice_cases(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    opened_at TEXT NOT NULL,
    decided_at TEXT,
    kind TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    abusive INTEGER NOT NULL DEFAULT 0,
    draft TEXT NOT NULL DEFAULT '',
    suggested_department TEXT NOT NULL DEFAULT '',
    suggested_score REAL NOT NULL DEFAULT 0,
    screened_abusive INTEGER NOT NULL DEFAULT 0,
    seconds INTEGER NOT NULL DEFAULT 0,
    UNIQUE (case_id, account_id)
);
CREATE INDEX practice_decisions_account ON practice_decisions(account_id);
