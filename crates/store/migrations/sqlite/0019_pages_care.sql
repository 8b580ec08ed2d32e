-- Where an official's panic alerts come from (issue 16): a standing place set on the protection
-- page (their counter or room), and the place chosen after the day's first press, used for the
-- rest of that day (chosen_on: the Korean date, YYYY-MM-DD).
CREATE TABLE protection_alert_places (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    standing TEXT NOT NULL DEFAULT '',
    chosen TEXT NOT NULL DEFAULT '',
    chosen_on TEXT NOT NULL DEFAULT ''
);
