-- Petition desk (capability C1): the catalogue of petition types, petitions with their
-- append-only timeline, attachments, receipt-number counters and the change sequence the search
-- index follows.

CREATE TABLE petition_types (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- calendar::Period text (7d, 3h, 1m, immediate)
    period TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    description TEXT NOT NULL DEFAULT '',
    -- JSON arrays: required documents (text), extra fields (definitions), answer templates
    required_documents TEXT NOT NULL DEFAULT '[]',
    fields TEXT NOT NULL DEFAULT '[]',
    templates TEXT NOT NULL DEFAULT '[]',
    requires_rrn INTEGER NOT NULL DEFAULT 0,
    public INTEGER NOT NULL DEFAULT 1,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row per year; the row is locked while a number is taken, so numbers follow receipt order.
CREATE TABLE receipt_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

-- The monotonic change sequence: every write to a petition takes the next number while holding
-- this row, so numbers become visible in order and an index that has seen N has seen all <= N.
CREATE TABLE petition_change_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO petition_change_head (id, seq) VALUES (1, 0);

CREATE TABLE petitions (
    id INTEGER PRIMARY KEY,
    receipt_no TEXT UNIQUE,
    type_id INTEGER NOT NULL REFERENCES petition_types(id),
    channel TEXT NOT NULL,
    anonymous INTEGER NOT NULL,
    petitioner_account_id INTEGER REFERENCES accounts(id),
    -- SHA-256 of the petitioner's identity, to find repeated petitions without reading names
    petitioner_key TEXT NOT NULL,
    petitioner_name TEXT NOT NULL,
    petitioner_phone TEXT NOT NULL,
    petitioner_email TEXT NOT NULL,
    petitioner_address TEXT NOT NULL,
    -- AES-256-GCM, never plain
    rrn_encrypted TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '{}',
    abuse_abusive INTEGER NOT NULL,
    abuse_score REAL NOT NULL,
    abuse_kinds TEXT NOT NULL,
    abuse_model TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    -- Copy of the state derived from petition_events (domain::petitions::Derived), rewritten
    -- with every event in the same transaction; the columns below are parts of it for queries.
    derived TEXT NOT NULL,
    state TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    assignee_id INTEGER REFERENCES accounts(id),
    arrived_at TEXT NOT NULL,
    received_at TEXT,
    flagged INTEGER NOT NULL DEFAULT 0,
    repeat_proposed INTEGER NOT NULL DEFAULT 0,
    -- Cache of calendar::deadline over the inputs in `derived`, for sorting; recomputed whenever
    -- an input or the holiday data changes.
    due_at TEXT,
    -- Last reminder sent: '', 'soon' or 'overdue'.
    reminded TEXT NOT NULL DEFAULT '',
    event_count INTEGER NOT NULL,
    change_seq INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX petitions_dept_queue ON petitions(department_id, state, due_at);
CREATE INDEX petitions_assignee_queue ON petitions(assignee_id, state, due_at);
CREATE INDEX petitions_state_due ON petitions(state, due_at);
CREATE INDEX petitions_change ON petitions(change_seq);
CREATE INDEX petitions_petitioner ON petitions(petitioner_key);
CREATE INDEX petitions_account ON petitions(petitioner_account_id);

-- The timeline: append-only.
CREATE TABLE petition_events (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions(id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES accounts(id),
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (petition_id, seq)
);
CREATE TRIGGER petition_events_no_update BEFORE UPDATE ON petition_events
BEGIN SELECT RAISE(ABORT, 'petition_events is append-only'); END;
CREATE TRIGGER petition_events_no_delete BEFORE DELETE ON petition_events
BEGIN SELECT RAISE(ABORT, 'petition_events is append-only'); END;

-- Attachments: content-addressed blobs (SHA-256) in the blob store.
CREATE TABLE petition_attachments (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions(id),
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    actor_id INTEGER REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    UNIQUE (petition_id, sha256)
);
