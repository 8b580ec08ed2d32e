-- Programs (issue 17, capability C5): healing programs, training, workshops and onboarding, from
-- the catalogue to recognised hours (인정시간). Every table for items 1-7 and 10 is here, so the
-- engineers building on it never change it. Timestamps are UTC text written by the application;
-- dates (day, appointed_on, happened_on) are the Korean calendar date, YYYY-MM-DD.

-- The hours rule and audience rules need an official's grade (급: 1-9) and appointment date.
ALTER TABLE accounts ADD COLUMN grade INTEGER;
ALTER TABLE accounts ADD COLUMN appointed_on TEXT;

-- A program: what is offered, to whom, and what it is worth.
CREATE TABLE programs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                         -- healing | training | workshop | onboarding
    title TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    owner_department_id INTEGER REFERENCES departments(id),
    recognised_minutes INTEGER NOT NULL,        -- 인정시간 credited on completion
    category TEXT NOT NULL,                     -- 상시학습 category
    designated INTEGER NOT NULL DEFAULT 0,      -- 부처지정학습
    approval_required INTEGER NOT NULL DEFAULT 0,
    notify_supervisor INTEGER NOT NULL DEFAULT 1, -- reminders and no-shows to the supervisor
    min_attended_percent INTEGER NOT NULL DEFAULT 100,
    feedback_required INTEGER NOT NULL DEFAULT 0,
    capacity_default INTEGER NOT NULL DEFAULT 0,
    -- Audience: empty = everyone. Role codes and department ids and grades, comma-separated.
    audience_roles TEXT NOT NULL DEFAULT '',
    audience_departments TEXT NOT NULL DEFAULT '',
    audience_grades TEXT NOT NULL DEFAULT '',
    -- New officials: appointed on or after / on or before these dates (both optional).
    audience_appointed_from TEXT,
    audience_appointed_to TEXT,
    archived INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The agenda: items with their own times within a day (HH:MM) and leader.
CREATE TABLE program_modules (
    id INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL REFERENCES programs(id),
    position INTEGER NOT NULL,
    day_number INTEGER NOT NULL DEFAULT 1,
    title TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    leader TEXT NOT NULL DEFAULT ''
);
CREATE INDEX program_modules_program ON program_modules(program_id, position);

-- One run of a program (1기, 2기 …). `arrivals` is the lock every enrolment takes first
-- (UPDATE … SET arrivals = arrivals + 1) and the arrival sequence it hands out.
CREATE TABLE program_sessions (
    id INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL REFERENCES programs(id),
    label TEXT NOT NULL DEFAULT '',
    delivery TEXT NOT NULL,                     -- in_person | online | hybrid
    venue TEXT NOT NULL DEFAULT '',
    capacity INTEGER NOT NULL,
    online_link TEXT NOT NULL DEFAULT '',
    materials TEXT NOT NULL DEFAULT '',
    materials_link TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'scheduled',    -- scheduled | cancelled
    cancel_reason TEXT NOT NULL DEFAULT '',
    checkin_secret TEXT NOT NULL,               -- seeds the rotating check-in codes
    arrivals INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX program_sessions_program ON program_sessions(program_id);

-- The days of a session, each with its start and end (UTC).
CREATE TABLE program_session_days (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES program_sessions(id),
    day TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    attendance_closed_at TEXT,
    attendance_closed_by INTEGER REFERENCES accounts(id),
    UNIQUE (session_id, day)
);
CREATE INDEX program_session_days_starts ON program_session_days(starts_at);

-- A person's place on a session: one row per person and session, its state moving on.
-- Waitlist order: nominated first, then hours_short_minutes (largest first), then arrival.
CREATE TABLE program_enrolments (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES program_sessions(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    state TEXT NOT NULL,                        -- requested | enrolled | waitlisted | declined | cancelled
    origin TEXT NOT NULL,                       -- self | nominated
    nominated_by INTEGER REFERENCES accounts(id),
    nominated INTEGER NOT NULL DEFAULT 0,
    hours_short_minutes INTEGER NOT NULL DEFAULT 0,
    arrival INTEGER NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by INTEGER REFERENCES accounts(id),
    decided_at TEXT,
    decision_note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    UNIQUE (session_id, account_id)
);
CREATE INDEX program_enrolments_account ON program_enrolments(account_id);
CREATE INDEX program_enrolments_queue ON program_enrolments(session_id, state);

-- Someone present who was not enrolled: kept, and later matched to an account.
CREATE TABLE program_walk_ins (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES program_sessions(id),
    name TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    department_name TEXT NOT NULL DEFAULT '',
    account_id INTEGER REFERENCES accounts(id),
    matched_by INTEGER REFERENCES accounts(id),
    matched_at TEXT,
    recorded_by INTEGER REFERENCES accounts(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX program_walk_ins_session ON program_walk_ins(session_id);

-- Attendance per person and day: an enrolment's or a walk-in's.
CREATE TABLE program_attendance (
    id INTEGER PRIMARY KEY,
    session_day_id INTEGER NOT NULL REFERENCES program_session_days(id),
    enrolment_id INTEGER REFERENCES program_enrolments(id),
    walk_in_id INTEGER REFERENCES program_walk_ins(id),
    status TEXT NOT NULL,                       -- present | late | partial | absent | excused
    minutes INTEGER NOT NULL DEFAULT 0,
    method TEXT NOT NULL,                       -- code | organiser | department
    recorded_by INTEGER REFERENCES accounts(id),
    recorded_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    CHECK ((enrolment_id IS NULL) <> (walk_in_id IS NULL)),
    UNIQUE (session_day_id, enrolment_id),
    UNIQUE (session_day_id, walk_in_id)
);
CREATE INDEX program_attendance_enrolment ON program_attendance(enrolment_id);

-- The audience of a broadcast in one department's room on one day (reach, not hours).
CREATE TABLE program_broadcast_audience (
    id INTEGER PRIMARY KEY,
    session_day_id INTEGER NOT NULL REFERENCES program_session_days(id),
    department_id INTEGER NOT NULL REFERENCES departments(id),
    headcount INTEGER NOT NULL,
    names TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES accounts(id),
    recorded_at TEXT NOT NULL,
    UNIQUE (session_day_id, department_id)
);

-- A completed enrolment and the minutes it earned.
CREATE TABLE program_completions (
    id INTEGER PRIMARY KEY,
    enrolment_id INTEGER NOT NULL UNIQUE REFERENCES program_enrolments(id),
    completed_at TEXT NOT NULL,
    attended_percent INTEGER NOT NULL,
    credited_minutes INTEGER NOT NULL
);

CREATE TABLE program_certificates (
    id INTEGER PRIMARY KEY,
    enrolment_id INTEGER NOT NULL UNIQUE REFERENCES program_enrolments(id),
    code TEXT NOT NULL UNIQUE,
    issued_at TEXT NOT NULL
);

-- Feedback: one survey per program, its questions, one answer set per participant.
CREATE TABLE program_surveys (
    id INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL UNIQUE REFERENCES programs(id),
    title TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE program_survey_questions (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES program_surveys(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,                         -- scale | text
    prompt TEXT NOT NULL,
    prompt_en TEXT NOT NULL DEFAULT '',
    scale_max INTEGER NOT NULL DEFAULT 5
);

CREATE TABLE program_survey_responses (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES program_surveys(id),
    enrolment_id INTEGER NOT NULL REFERENCES program_enrolments(id),
    submitted_at TEXT NOT NULL,
    UNIQUE (survey_id, enrolment_id)
);

CREATE TABLE program_survey_answers (
    id INTEGER PRIMARY KEY,
    response_id INTEGER NOT NULL REFERENCES program_survey_responses(id),
    question_id INTEGER NOT NULL REFERENCES program_survey_questions(id),
    scale_value INTEGER,
    text_value TEXT NOT NULL DEFAULT '',
    UNIQUE (response_id, question_id)
);

-- Hours entered from outside training, with evidence, for a supervisor to approve.
CREATE TABLE learning_external_entries (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    designated INTEGER NOT NULL DEFAULT 0,
    minutes INTEGER NOT NULL,
    happened_on TEXT NOT NULL,
    evidence_hash TEXT NOT NULL,
    evidence_name TEXT NOT NULL,
    state TEXT NOT NULL,                        -- requested | approved | rejected
    requested_at TEXT NOT NULL,
    decided_by INTEGER REFERENCES accounts(id),
    decided_at TEXT,
    decision_note TEXT NOT NULL DEFAULT '',
    UNIQUE (account_id, evidence_hash)
);

-- Recognised minutes per person and year: one table that completions and approved external
-- entries both feed (exactly one source each).
CREATE TABLE learning_credits (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    year INTEGER NOT NULL,
    category TEXT NOT NULL,
    designated INTEGER NOT NULL DEFAULT 0,
    minutes INTEGER NOT NULL,
    title TEXT NOT NULL,
    completion_id INTEGER UNIQUE REFERENCES program_completions(id),
    external_id INTEGER UNIQUE REFERENCES learning_external_entries(id),
    credited_at TEXT NOT NULL,
    CHECK ((completion_id IS NULL) <> (external_id IS NULL))
);
CREATE INDEX learning_credits_account ON learning_credits(account_id, year);

-- A person's secret calendar URL (only its hash); renewing replaces it.
CREATE TABLE program_calendar_tokens (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- Reminders already sent, so the job sends each once: the eve, the morning, the supervisor's
-- no-show notice — per enrolment and day.
CREATE TABLE program_reminders_sent (
    session_day_id INTEGER NOT NULL REFERENCES program_session_days(id),
    enrolment_id INTEGER NOT NULL REFERENCES program_enrolments(id),
    kind TEXT NOT NULL,                         -- eve | morning | no_show
    sent_at TEXT NOT NULL,
    PRIMARY KEY (session_day_id, enrolment_id, kind)
);
