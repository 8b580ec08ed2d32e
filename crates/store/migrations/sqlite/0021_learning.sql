-- Failed certificate verifications (수료증 진위 확인), counted per client address in a sliding
-- window like tracking look-ups, so a public page cannot be used to guess codes.
CREATE TABLE certificate_lookup_failures (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX certificate_lookup_failures_address ON certificate_lookup_failures(address, at);
