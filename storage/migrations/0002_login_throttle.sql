-- Login throttling and session housekeeping.
--
-- A failure streak: failed password checks for one identifier from one client
-- address since the last success from there. It drives the exponential
-- back-off; a success deletes it, and housekeeping forgets streaks that saw no
-- failure for a day.
CREATE TABLE login_failure_streaks (
  project_id           text        NOT NULL,
  identifier_key       text        NOT NULL,  -- the login's IdentifierKey
  client_address       text        NOT NULL,
  consecutive_failures integer     NOT NULL,
  last_failure_time    timestamptz NOT NULL,
  PRIMARY KEY (project_id, identifier_key, client_address)
);
CREATE INDEX login_failure_streaks_time_idx
  ON login_failure_streaks (last_failure_time);

-- Every failed password check for an identifier, from any address, for the
-- hourly limit. Housekeeping deletes rows older than the hour.
CREATE TABLE login_failures (
  project_id     text        NOT NULL,
  identifier_key text        NOT NULL,
  failure_time   timestamptz NOT NULL DEFAULT now(),
  id             bigserial   NOT NULL,
  PRIMARY KEY (project_id, identifier_key, failure_time, id)
);
CREATE INDEX login_failures_time_idx ON login_failures (failure_time);

-- Housekeeping deletes expired sessions oldest first.
CREATE INDEX sessions_expire_time_idx ON sessions (expire_time);
