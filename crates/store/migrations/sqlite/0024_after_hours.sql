-- After-hours reception (야간·휴일 민원실, issue 18 items 1-6): schedules, their services and
-- exceptions, the concrete evenings, their slots, bookings and the evening's number tickets.
-- Every table for booking and for the evening is here, so the parts built on it never change it.
-- Timestamps are UTC text written by the application; `day` is the Korean calendar date
-- (YYYY-MM-DD); times of day (HH:MM) are Korean time.

-- A schedule: a recurrence rule with its anchor (domain::service_access::schedule), run by one
-- department. The anchor is stored and never recomputed, so "every other Thursday" keeps its weeks.
CREATE TABLE after_hours_schedules (
    id INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',             -- where the counter is (본관 1층 민원실)
    place_en TEXT NOT NULL DEFAULT '',
    rule TEXT NOT NULL,                         -- RFC 5545 RRULE
    anchor TEXT NOT NULL,                       -- DTSTART, a Korean date
    opens TEXT NOT NULL,
    closes TEXT NOT NULL,
    cutoff_kind TEXT NOT NULL DEFAULT 'same_day_at', -- same_day_at (cutoff_value HH:MM) | hours_before
    cutoff_value TEXT NOT NULL DEFAULT '18:00',
    -- The evening opens only when this many bookings are held at the cutoff (0: it always opens).
    min_bookings INTEGER NOT NULL DEFAULT 0,
    one_per_person INTEGER NOT NULL DEFAULT 1,  -- one booking per person per evening
    payment_methods TEXT NOT NULL DEFAULT 'cash,card', -- comma-separated: cash, card, mobile
    -- A booked resident checks in from this many minutes before their slot to this many after;
    -- later, they join the walk-in queue.
    checkin_early_minutes INTEGER NOT NULL DEFAULT 30,
    checkin_late_minutes INTEGER NOT NULL DEFAULT 10,
    remind_day_before INTEGER NOT NULL DEFAULT 1,
    remind_hours_before INTEGER NOT NULL DEFAULT 1, -- two hours before the slot
    active INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A dated exception: closed (that date does not open) or extra (it opens, with its own times).
CREATE TABLE after_hours_exceptions (
    id INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL REFERENCES after_hours_schedules(id),
    day TEXT NOT NULL,
    kind TEXT NOT NULL,                         -- closed | extra
    reason TEXT NOT NULL DEFAULT '',
    opens TEXT,
    closes TEXT,
    UNIQUE (schedule_id, day)
);

-- A service offered on a schedule's evenings, with its own counters and slot length.
CREATE TABLE after_hours_services (
    id INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL REFERENCES after_hours_schedules(id),
    -- passport_application | passport_collection | certificates | family_registration
    kind TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL,
    counters INTEGER NOT NULL,
    per_counter INTEGER NOT NULL,
    in_person TEXT NOT NULL DEFAULT '',         -- who must come in person, and the exceptions
    in_person_en TEXT NOT NULL DEFAULT '',
    guardian_for_minors INTEGER NOT NULL DEFAULT 0,
    checklist TEXT NOT NULL DEFAULT '[]',       -- what to bring: JSON [{"ko": "...", "en": "..."}]
    fee_note TEXT NOT NULL DEFAULT '',
    fee_note_en TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    UNIQUE (schedule_id, kind)
);

-- One concrete evening, written when it is first booked or decided at the cutoff.
CREATE TABLE after_hours_evenings (
    id INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL REFERENCES after_hours_schedules(id),
    day TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    cutoff_at TEXT NOT NULL,
    -- scheduled → confirmed (enough bookings at the cutoff) | not_opened → in_progress → closed;
    -- cancelled by the office at any time before it closes.
    state TEXT NOT NULL DEFAULT 'scheduled',
    decided_at TEXT,                            -- the cutoff decision, when staff were told
    cancelled_reason TEXT NOT NULL DEFAULT '',
    cancelled_at TEXT,
    -- Every write on the evening (a booking, a ticket) first bumps this: the lock that keeps
    -- bookings and ticket numbers in order on both databases.
    version INTEGER NOT NULL DEFAULT 0,
    next_ticket INTEGER NOT NULL DEFAULT 0,
    UNIQUE (schedule_id, day)
);

-- The slots of an evening per service; `booked` never passes `capacity`.
CREATE TABLE after_hours_slots (
    id INTEGER PRIMARY KEY,
    evening_id INTEGER NOT NULL REFERENCES after_hours_evenings(id),
    service_id INTEGER NOT NULL REFERENCES after_hours_services(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    booked INTEGER NOT NULL DEFAULT 0,
    UNIQUE (evening_id, service_id, starts_at),
    CHECK (booked >= 0 AND booked <= capacity)
);

-- A booking, online by the resident or taken on the phone by staff.
CREATE TABLE after_hours_bookings (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,                  -- the confirmation code, for cancelling and moving
    evening_id INTEGER NOT NULL REFERENCES after_hours_evenings(id),
    slot_id INTEGER NOT NULL REFERENCES after_hours_slots(id),
    service_id INTEGER NOT NULL REFERENCES after_hours_services(id),
    account_id INTEGER REFERENCES accounts(id), -- the resident's own account, when signed in
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    person_key TEXT NOT NULL,                   -- the normalised phone: one booking per person
    minor_with_guardian INTEGER NOT NULL DEFAULT 0,
    channel TEXT NOT NULL,                      -- online | phone
    taken_by INTEGER REFERENCES accounts(id),
    -- confirmed → checked_in → served | no_show; cancelled (by the resident or the office)
    state TEXT NOT NULL DEFAULT 'confirmed',
    cancelled_by TEXT,                          -- resident | office
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    cancelled_at TEXT,
    checked_in_at TEXT,
    served_at TEXT,
    no_show_at TEXT,
    petition_id INTEGER REFERENCES petitions(id),
    reminded_day_before_at TEXT,
    reminded_hours_before_at TEXT
);
CREATE INDEX after_hours_bookings_evening ON after_hours_bookings(evening_id, state);
CREATE INDEX after_hours_bookings_person ON after_hours_bookings(evening_id, person_key);

-- The evening's number tickets (번호표), in the waiting list's order of issue.
CREATE TABLE after_hours_tickets (
    id INTEGER PRIMARY KEY,
    evening_id INTEGER NOT NULL REFERENCES after_hours_evenings(id),
    number INTEGER NOT NULL,
    booking_id INTEGER REFERENCES after_hours_bookings(id),
    kind TEXT NOT NULL,                         -- booked | late | walk_in
    name TEXT NOT NULL DEFAULT '',
    service_id INTEGER REFERENCES after_hours_services(id),
    issued_at TEXT NOT NULL,
    called_at TEXT,
    counter INTEGER,
    done_at TEXT,
    outcome TEXT,                               -- served | no_show | left
    UNIQUE (evening_id, number)
);
CREATE INDEX after_hours_tickets_waiting ON after_hours_tickets(evening_id, done_at);
