-- Frontline protection (capability C3): flags, incidents with their append-only measures,
-- evidence with its custody log, the equipment registry, drills, panic alerts and timed
-- contacts. Who may read a row is decided by domain::access, never by these tables.

-- An official's own flag on a petition, call or visit (the text screening's flags stay on
-- the petitions). petitioner_key is the petitions' SHA-256 identity, '' when unknown.
CREATE TABLE protection_flags (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER REFERENCES petitions(id),
    channel TEXT NOT NULL,
    petitioner_key TEXT NOT NULL,
    reason TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    raised_by INTEGER NOT NULL REFERENCES accounts(id),
    created_at TEXT NOT NULL
);
CREATE INDEX protection_flags_petitioner ON protection_flags(petitioner_key);

CREATE TABLE protection_incidents (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    place TEXT NOT NULL,
    petition_id INTEGER REFERENCES petitions(id),
    petitioner_key TEXT NOT NULL,
    petitioner_name TEXT NOT NULL,
    narrative TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    -- The official who reported it (or pressed the panic button): the record's owner.
    reported_by INTEGER NOT NULL REFERENCES accounts(id),
    from_alert INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX protection_incidents_occurred ON protection_incidents(occurred_at);
CREATE INDEX protection_incidents_petitioner ON protection_incidents(petitioner_key);
CREATE INDEX protection_incidents_reporter ON protection_incidents(reported_by, occurred_at);

-- Officials involved besides the reporter (they see the incident as theirs).
CREATE TABLE protection_incident_officials (
    incident_id INTEGER NOT NULL REFERENCES protection_incidents(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (incident_id, account_id)
);
CREATE INDEX protection_incident_officials_account ON protection_incident_officials(account_id);

-- The measures of Decree art. 4, append-only and time-stamped.
CREATE TABLE protection_measures (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES protection_incidents(id),
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES accounts(id),
    note TEXT NOT NULL,
    warning_reason TEXT,
    restriction_start TEXT,
    restriction_end TEXT,
    reason TEXT NOT NULL,
    link_wellbeing INTEGER NOT NULL DEFAULT 0,
    recipient TEXT NOT NULL
);
CREATE INDEX protection_measures_incident ON protection_measures(incident_id, id);
CREATE TRIGGER protection_measures_no_update BEFORE UPDATE ON protection_measures
BEGIN SELECT RAISE(ABORT, 'protection_measures is append-only'); END;
CREATE TRIGGER protection_measures_no_delete BEFORE DELETE ON protection_measures
BEGIN SELECT RAISE(ABORT, 'protection_measures is append-only'); END;

-- Evidence: content-addressed blobs (SHA-256) in the blob store.
CREATE TABLE protection_evidence (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES protection_incidents(id),
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    UNIQUE (incident_id, sha256)
);

-- Every access to and hand-over of an evidence file, append-only.
CREATE TABLE protection_custody (
    id INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL REFERENCES protection_evidence(id),
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES accounts(id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX protection_custody_evidence ON protection_custody(evidence_id, id);
CREATE TRIGGER protection_custody_no_update BEFORE UPDATE ON protection_custody
BEGIN SELECT RAISE(ABORT, 'protection_custody is append-only'); END;
CREATE TRIGGER protection_custody_no_delete BEFORE DELETE ON protection_custody
BEGIN SELECT RAISE(ABORT, 'protection_custody is append-only'); END;

CREATE TABLE protection_equipment (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    label TEXT NOT NULL UNIQUE,
    location TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    holder_id INTEGER REFERENCES accounts(id),
    issued_at TEXT,
    last_checked_at TEXT,
    faulty INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE protection_equipment_checks (
    id INTEGER PRIMARY KEY,
    equipment_id INTEGER NOT NULL REFERENCES protection_equipment(id),
    at TEXT NOT NULL,
    checked_by INTEGER NOT NULL REFERENCES accounts(id),
    ok INTEGER NOT NULL,
    fault TEXT NOT NULL
);
CREATE INDEX protection_equipment_checks_equipment ON protection_equipment_checks(equipment_id, id);

CREATE TABLE protection_drills (
    id INTEGER PRIMARY KEY,
    planned_on TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    scenario TEXT NOT NULL,
    partner TEXT NOT NULL,
    participants TEXT NOT NULL,
    held_at TEXT,
    after_action TEXT NOT NULL,
    fixes TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX protection_drills_planned ON protection_drills(planned_on);

CREATE TABLE protection_alerts (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES protection_incidents(id),
    raised_by INTEGER NOT NULL REFERENCES accounts(id),
    department_id INTEGER REFERENCES departments(id),
    place TEXT NOT NULL,
    at TEXT NOT NULL,
    acknowledged_by INTEGER REFERENCES accounts(id),
    acknowledged_at TEXT
);
CREATE INDEX protection_alerts_at ON protection_alerts(at);

-- Calls and visits timed on the counter/phone screen: recorded or not, warned, ended.
CREATE TABLE protection_contacts (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    department_id INTEGER REFERENCES departments(id),
    channel TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    recorded INTEGER NOT NULL,
    warned_at TEXT,
    ended_by_official INTEGER NOT NULL DEFAULT 0,
    incident_id INTEGER REFERENCES protection_incidents(id)
);
CREATE INDEX protection_contacts_started ON protection_contacts(started_at);
