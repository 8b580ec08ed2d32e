-- Open311 GeoReport v2: client keys (stored as SHA-256 hashes, never plain) and what an Open311
-- request carries beyond the petition itself (coordinates, address id, device, media link).

CREATE TABLE open311_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    -- POSTs per minute allowed to this key (token bucket; the burst is the same number)
    rate_per_minute INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
-- One live key per name; a revoked name may be issued again.
CREATE UNIQUE INDEX open311_keys_live_name ON open311_keys(name) WHERE revoked_at IS NULL;

CREATE TABLE open311_requests (
    petition_id INTEGER PRIMARY KEY REFERENCES petitions(id),
    key_id INTEGER NOT NULL REFERENCES open311_keys(id),
    -- random handle for GET /tokens/{token}
    token TEXT NOT NULL UNIQUE,
    lat REAL,
    long REAL,
    address_string TEXT NOT NULL DEFAULT '',
    address_id TEXT NOT NULL DEFAULT '',
    -- the client's own ids: write-only, never returned by GET
    device_id TEXT NOT NULL DEFAULT '',
    account_id TEXT NOT NULL DEFAULT '',
    media_url TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

-- GET /requests lists petitions by when they arrived.
CREATE INDEX petitions_arrived ON petitions(arrived_at);
