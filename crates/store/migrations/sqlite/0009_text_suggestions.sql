-- Routing suggestions (민원 분류 제안) made at intake by the office's own model, staff corrections
-- kept as training data, and the log of drafts asked of an external language model.

-- One suggestion per petition: the handling department the model proposes. `label` is the
-- model's label (a department code); `department_id` is that department when it still exists.
CREATE TABLE routing_suggestions (
    petition_id INTEGER PRIMARY KEY REFERENCES petitions(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    score REAL NOT NULL,
    model_version TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- An official moved a petition away from the suggestion (or corrected it explicitly): a
-- labelled example for `minwon train routing --from-db`. The text is the petition's title and
-- body with the petitioner's personal data masked.
CREATE TABLE routing_corrections (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    suggested_label TEXT NOT NULL,
    corrected_department_id INTEGER NOT NULL REFERENCES departments(id),
    model_version TEXT NOT NULL,
    actor_id INTEGER REFERENCES accounts(id),
    created_at TEXT NOT NULL
);
CREATE INDEX routing_corrections_petition ON routing_corrections (petition_id);

-- Every prompt sent to the optional drafting endpoint and what came back (or why not).
CREATE TABLE draft_requests (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    actor_id INTEGER REFERENCES accounts(id),
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt TEXT NOT NULL,
    output TEXT NOT NULL,
    -- 'ok' or 'fallback' (the built-in draft was shown instead)
    outcome TEXT NOT NULL,
    error TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX draft_requests_petition ON draft_requests (petition_id);
