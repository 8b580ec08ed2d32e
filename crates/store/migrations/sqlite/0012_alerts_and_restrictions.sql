-- Panic alerts say who was actually told: one row per recipient and channel (screen, SMS,
-- mail), pointing at the outbox row that carries it, so the confirmation is built from what
-- was queued and delivered. Round 0 is the press, round 1 the escalation to the next in line.
CREATE TABLE protection_alert_recipients (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES protection_alerts(id),
    round INTEGER NOT NULL,
    account_id INTEGER REFERENCES accounts(id),
    role TEXT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    outbox_id INTEGER REFERENCES outbox(id),
    created_at TEXT NOT NULL,
    -- Screens: when a live stream of the recipient showed the alert.
    delivered_at TEXT
);
CREATE INDEX protection_alert_recipients_alert ON protection_alert_recipients(alert_id);
CREATE INDEX protection_alert_recipients_account ON protection_alert_recipients(account_id);

-- When the unacknowledged alert went to the next in line (once).
ALTER TABLE protection_alerts ADD COLUMN escalated_at TEXT;
CREATE INDEX protection_alerts_open ON protection_alerts(acknowledged_at, escalated_at, at);

-- What an access restriction covers: visits, calls, online (comma-separated).
ALTER TABLE protection_measures ADD COLUMN restriction_covers TEXT NOT NULL DEFAULT '';
CREATE INDEX protection_measures_restriction ON protection_measures(kind, restriction_end);

-- Who a timed call or visit is with (the petitions' identity, '' when not asked), so the
-- screen shows a restriction in force on them.
ALTER TABLE protection_contacts ADD COLUMN petitioner_key TEXT NOT NULL DEFAULT '';
