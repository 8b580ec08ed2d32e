-- Home visits (찾아가는 민원, issue 18 items 7-10): requests, rounds, teams, stops and outcomes.
-- Timestamps are UTC written by the application; `day` is a Korean date (YYYY-MM-DD); times of
-- day (HH:MM) are Korean time.

-- A request: health and disability data (the basis), so every reveal goes to the access log.
CREATE TABLE home_visit_requests (
    id INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id), -- the 읍면동 that took it
    owner_id INTEGER REFERENCES accounts(id),   -- who entered it (official or resident)
    name TEXT NOT NULL,
    birth_date TEXT,
    age INTEGER,
    phone TEXT NOT NULL,
    address TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    caller TEXT NOT NULL,                       -- self | family | staff
    channel TEXT NOT NULL,                      -- phone | counter | online
    reason TEXT NOT NULL,
    living_alone BOOLEAN NOT NULL DEFAULT 0,
    severe_disability BOOLEAN NOT NULL DEFAULT 0,
    immobile BOOLEAN NOT NULL DEFAULT 0,
    eligible_by TEXT NOT NULL DEFAULT '',       -- the combination met, comma-separated
    consent_at TEXT NOT NULL,
    services TEXT NOT NULL,                     -- comma-separated service codes
    preferred_days TEXT NOT NULL DEFAULT '',
    window_start TEXT,
    window_end TEXT,
    state TEXT NOT NULL,                        -- domain::service_access::home_visits::RequestState
    state_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX home_visit_requests_state ON home_visit_requests (department_id, state);

CREATE TABLE home_visit_rounds (
    id INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id), -- the division planning it
    day TEXT NOT NULL,
    area TEXT NOT NULL,
    state TEXT NOT NULL,                        -- RoundState
    matrix TEXT,                                -- an imported duration matrix or problem (JSON)
    created_by INTEGER REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE home_visit_teams (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES home_visit_rounds(id),
    name TEXT NOT NULL,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    break_start TEXT,
    break_minutes INTEGER NOT NULL DEFAULT 0,
    max_visits INTEGER NOT NULL,
    skills TEXT NOT NULL DEFAULT '',            -- kits carried, comma-separated
    start_label TEXT NOT NULL,
    start_lat REAL NOT NULL,
    start_lon REAL NOT NULL
);

CREATE TABLE home_visit_team_members (
    team_id INTEGER NOT NULL REFERENCES home_visit_teams(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (team_id, account_id)
);

-- A request in a round: with a team and a position once planned, or left out with why.
CREATE TABLE home_visit_stops (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES home_visit_rounds(id),
    request_id INTEGER NOT NULL REFERENCES home_visit_requests(id),
    team_id INTEGER REFERENCES home_visit_teams(id),
    position INTEGER,
    arrival TEXT,                               -- HH:MM
    departure TEXT,
    left_out TEXT NOT NULL DEFAULT '',          -- why the planner left it out
    left_out_en TEXT NOT NULL DEFAULT '',
    UNIQUE (round_id, request_id)
);

CREATE TABLE home_visit_outcomes (
    id INTEGER PRIMARY KEY,
    stop_id INTEGER NOT NULL UNIQUE REFERENCES home_visit_stops(id),
    outcome TEXT NOT NULL,
    identity_method TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    petition_id INTEGER REFERENCES petitions(id),
    message_id INTEGER,                         -- the outbox row telling the resident
    recorded_by INTEGER NOT NULL REFERENCES accounts(id),
    recorded_at TEXT NOT NULL
);
