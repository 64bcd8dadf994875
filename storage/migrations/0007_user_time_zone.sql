-- A user's time zone: an IANA name such as 'Europe/Berlin', '' for none.
-- userd checks the name against its time zone database before writing it.
ALTER TABLE users ADD COLUMN time_zone text NOT NULL DEFAULT '';
