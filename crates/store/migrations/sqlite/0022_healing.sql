-- Healing programs and wellbeing (issue 17, item 8): the self-check before and after a session,
-- and a referral's placement. The link between a check and a session lives on the wellbeing
-- side only: it goes with the check (deleted with it, purged with it), and the organiser reads
-- nothing from it but the group's change in cells of at least 10 pairs.

-- The organiser's switch: enrolled participants are offered the self-check before and after.
ALTER TABLE program_sessions ADD COLUMN before_after INTEGER NOT NULL DEFAULT 0;

-- A participant's check taken for a session's phase (pre | post); one per person, session and phase.
CREATE TABLE wellbeing_program_checks (
    check_id INTEGER PRIMARY KEY REFERENCES wellbeing_checks(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    session_id INTEGER NOT NULL REFERENCES program_sessions(id),
    phase TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    UNIQUE (account_id, session_id, phase)
);
CREATE INDEX wellbeing_program_checks_session ON wellbeing_program_checks(session_id, phase);

-- The session a healing-program referral was placed in: known to the official and the
-- counsellor only; the enrolment itself is an ordinary one.
ALTER TABLE wellbeing_referrals ADD COLUMN placed_session_id INTEGER REFERENCES program_sessions(id);

-- Each participant is told once per session and phase that the check is offered.
CREATE TABLE program_self_check_offers (
    session_id INTEGER NOT NULL REFERENCES program_sessions(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    phase TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (session_id, account_id, phase)
);
