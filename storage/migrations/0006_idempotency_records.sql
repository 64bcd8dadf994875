-- Idempotent writes (AIP-155): what a write made with a request_id returned,
-- committed in the same transaction as the write, so that a retry with the
-- same request_id by the same caller within 24 hours gets the same answer
-- and writes nothing again. The housekeeper deletes records older than that.
CREATE TABLE idempotency_records (
  project_id text NOT NULL,
  -- Who made the call ("users/7", "apiKeys/3") and its request_id.
  actor text NOT NULL,
  request_id text NOT NULL,
  -- The method and a SHA-256 of the request without its request_id and
  -- without any password: a retry must match both.
  method text NOT NULL,
  request_hash bytea NOT NULL,
  -- SHA-256 of the bearer token that made the call. When the call ended
  -- that token (a rotated session, a logout), a retry presenting it is
  -- still recognised as the same caller.
  caller_token_hash bytea NOT NULL,
  ended_caller_token boolean NOT NULL,
  -- The Argon2 hash the call stored, when the request carried a password:
  -- a retry's password must verify against it.
  password_hash text,
  -- The serialized response message.
  response bytea NOT NULL,
  -- The session the call handed out in place of the caller's, if any.
  session_id bigint,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, actor, request_id)
);
CREATE INDEX idempotency_records_ended_token_idx
  ON idempotency_records (caller_token_hash) WHERE ended_caller_token;
CREATE INDEX idempotency_records_create_time_idx
  ON idempotency_records (create_time);
