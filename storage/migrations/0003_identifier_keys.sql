-- Usernames and email addresses are unique by their keys: the NFKC_Casefold
-- form of the identifier, which userd computes with ICU and writes next to
-- it. lower() and the database's collation no longer decide.
--
-- The keys are compared byte for byte under the "C" collation, whatever
-- collation the database runs with, so that neither equality nor the indexes
-- depend on the server's locale data.

ALTER TABLE users
  ADD COLUMN username_key text COLLATE "C",
  ADD COLUMN email_key    text COLLATE "C";

-- Backfill. SQL has no NFKC_Casefold: lower(normalize(x, NFKC)) is the best
-- approximation (it misses foldings such as "ß" to "ss" and keeps invisible
-- characters, which userd now refuses). lower() folds by the collation it is
-- given, and under "C" only ASCII, so an ICU collation is named when the
-- server has one; normalize() needs a UTF8 database.
DO $$
DECLARE
  folding text := CASE
    WHEN EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu')
      THEN '"und-x-icu"'
    ELSE 'pg_catalog."default"'
  END;
  normalized text := CASE
    WHEN current_setting('server_encoding') = 'UTF8' THEN 'normalize(%I, NFKC)'
    ELSE '%I'
  END;
BEGIN
  EXECUTE format(
    'UPDATE users SET username_key = lower(%s COLLATE %s), '
    'email_key = lower(%s COLLATE %s)',
    format(normalized, 'username'), folding,
    format(normalized, 'email'), folding);
END
$$;

-- Identifiers that were distinct under lower() may share a key now (say
-- "ann" and its full-width form). The oldest user keeps the key; the others
-- get one that no identifier folds to (keys have no upper-case letters), so
-- they log in by their other identifier until they are renamed.
UPDATE users AS u
   SET username_key = 'DUPLICATE ' || u.id
  FROM users AS older
 WHERE older.project_id = u.project_id
   AND older.username_key = u.username_key
   AND older.id < u.id;
UPDATE users AS u
   SET email_key = 'DUPLICATE ' || u.id
  FROM users AS older
 WHERE older.project_id = u.project_id
   AND older.email_key = u.email_key
   AND older.id < u.id;

ALTER TABLE users
  ALTER COLUMN username_key SET NOT NULL,
  ALTER COLUMN email_key SET NOT NULL;

-- Storage names the field by these index names on a unique violation.
DROP INDEX users_username_key;
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_username_key ON users (project_id, username_key);
CREATE UNIQUE INDEX users_email_key ON users (project_id, email_key);
