-- Staff wellbeing (capability C4): consent, self-checks and their answers, shares with a
-- counsellor, referrals, self-management plans with check-ins, and invitations. Every row is
-- deleted five years after it was written (store::wellbeing::purge), or earlier on request.
-- Who may read a row is decided by domain::access, never by these tables.

-- Separate, explicit consent to processing health data, before the first check.
CREATE TABLE wellbeing_consents (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    version INTEGER NOT NULL,
    given_at TEXT NOT NULL,
    withdrawn_at TEXT
);

-- One sitting of the battery. department_id is a snapshot for group reports.
CREATE TABLE wellbeing_checks (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    department_id INTEGER REFERENCES departments(id),
    started_at TEXT NOT NULL,
    completed_at TEXT,
    crisis INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX wellbeing_checks_account ON wellbeing_checks(account_id, started_at);
CREATE INDEX wellbeing_checks_completed ON wellbeing_checks(completed_at);
-- At most one unfinished check per person: a paused check is resumed, not duplicated.
CREATE UNIQUE INDEX wellbeing_checks_one_open ON wellbeing_checks(account_id) WHERE completed_at IS NULL;

-- The answers to one instrument of a check; one row per instrument (a second submission is refused).
CREATE TABLE wellbeing_responses (
    check_id INTEGER NOT NULL REFERENCES wellbeing_checks(id) ON DELETE CASCADE,
    instrument TEXT NOT NULL,
    version INTEGER NOT NULL,
    answers TEXT NOT NULL,
    total INTEGER NOT NULL,
    band TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (check_id, instrument)
);

-- A result shared with a named counsellor for one purpose; revoked_at ends it.
CREATE TABLE wellbeing_shares (
    id INTEGER PRIMARY KEY,
    check_id INTEGER NOT NULL REFERENCES wellbeing_checks(id) ON DELETE CASCADE,
    owner_id INTEGER NOT NULL REFERENCES accounts(id),
    counsellor_id INTEGER NOT NULL REFERENCES accounts(id),
    purpose TEXT NOT NULL,
    given_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX wellbeing_shares_check ON wellbeing_shares(check_id);
CREATE INDEX wellbeing_shares_counsellor ON wellbeing_shares(counsellor_id);
CREATE UNIQUE INDEX wellbeing_shares_active ON wellbeing_shares(check_id, counsellor_id, purpose) WHERE revoked_at IS NULL;

-- A request for counselling or a healing program, addressed to one counsellor or (NULL) to all.
CREATE TABLE wellbeing_referrals (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES accounts(id),
    counsellor_id INTEGER REFERENCES accounts(id),
    kind TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX wellbeing_referrals_owner ON wellbeing_referrals(owner_id);

-- The official's self-management plan (one current plan each); goals and actions are JSON arrays.
CREATE TABLE wellbeing_plans (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    goals TEXT NOT NULL,
    actions TEXT NOT NULL,
    reminder_weekday INTEGER,
    reminder_hour INTEGER,
    next_reminder_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX wellbeing_plans_reminder ON wellbeing_plans(next_reminder_at);

CREATE TABLE wellbeing_checkins (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES wellbeing_plans(account_id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actions_done INTEGER NOT NULL,
    mood INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX wellbeing_checkins_account ON wellbeing_checkins(account_id, at);

-- An invitation to take a check (e.g. after repeated incidents); only the official sees it.
CREATE TABLE wellbeing_invitations (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    dismissed_at TEXT
);
CREATE INDEX wellbeing_invitations_account ON wellbeing_invitations(account_id);
