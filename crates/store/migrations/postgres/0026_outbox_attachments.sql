-- A message may carry one small text attachment (issue 18: the booking confirmation carries its
-- iCalendar file). Empty name: no attachment. Text only: the outbox holds what a mail body holds.
ALTER TABLE outbox ADD COLUMN attachment_name TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN attachment_type TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN attachment TEXT NOT NULL DEFAULT '';
