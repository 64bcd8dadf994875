-- The initial schema. Every key begins with project_id so that the tables can
-- be distributed by project when one database is no longer enough.

CREATE TABLE projects (
  id                  text        PRIMARY KEY,
  webhook_uri         text        NOT NULL DEFAULT '',
  webhook_secret      text        NOT NULL DEFAULT '',
  password_min_length integer     NOT NULL DEFAULT 8,
  password_max_length integer     NOT NULL DEFAULT 128,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE user_ids;

CREATE TABLE users (
  project_id      text             NOT NULL,
  id              bigint           NOT NULL DEFAULT nextval('user_ids'),
  username        text             NOT NULL,
  email           text             NOT NULL,
  email_verified  boolean          NOT NULL DEFAULT false,
  password_hash   text             NOT NULL,
  given_name      text             NOT NULL DEFAULT '',
  family_name     text             NOT NULL DEFAULT '',
  display_name    text             NOT NULL DEFAULT '',
  role            smallint         NOT NULL DEFAULT 1,
  avatar_uri      text             NOT NULL DEFAULT '',
  bio             text             NOT NULL DEFAULT '',
  birth_date      date,
  latitude        double precision,
  longitude       double precision,
  metadata        jsonb            NOT NULL DEFAULT '{}',
  secure_metadata jsonb            NOT NULL DEFAULT '{}',
  language        text             NOT NULL DEFAULT '',
  script_types    jsonb            NOT NULL DEFAULT '[]',
  -- [{"reason": text, "create_time": timestamptz text,
  --   "expire_time": timestamptz text, absent for no end}]
  suspensions     jsonb            NOT NULL DEFAULT '[]',
  create_time     timestamptz      NOT NULL DEFAULT now(),
  update_time     timestamptz      NOT NULL DEFAULT now(),
  version         bigint           NOT NULL DEFAULT 1,
  PRIMARY KEY (project_id, id),
  -- Storage names the missing row by these constraint names.
  CONSTRAINT users_project_fkey FOREIGN KEY (project_id)
    REFERENCES projects (id),
  CONSTRAINT users_location_check CHECK ((latitude IS NULL) = (longitude IS NULL))
);
ALTER SEQUENCE user_ids OWNED BY users.id;

-- Uniqueness is the database's job: a violation of these names the field.
CREATE UNIQUE INDEX users_username_key ON users (project_id, lower(username));
CREATE UNIQUE INDEX users_email_key ON users (project_id, lower(email));

CREATE TABLE sessions (
  project_id  text        NOT NULL,
  id          bigserial   NOT NULL,
  user_id     bigint      NOT NULL,
  token_hash  bytea       NOT NULL,  -- SHA-256 of the token; never the token
  create_time timestamptz NOT NULL DEFAULT now(),
  expire_time timestamptz NOT NULL,
  PRIMARY KEY (project_id, id),
  CONSTRAINT sessions_user_fkey FOREIGN KEY (project_id, user_id)
    REFERENCES users (project_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_idx ON sessions (project_id, user_id);

CREATE TABLE api_keys (
  project_id  text        NOT NULL,
  id          bigserial   NOT NULL,
  token_hash  bytea       NOT NULL,
  scopes      jsonb       NOT NULL,
  user_id     bigint,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id),
  CONSTRAINT api_keys_project_fkey FOREIGN KEY (project_id)
    REFERENCES projects (id),
  CONSTRAINT api_keys_user_fkey FOREIGN KEY (project_id, user_id)
    REFERENCES users (project_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX api_keys_token_hash_key ON api_keys (token_hash);

-- The audit trail: one row per successful change.
CREATE TABLE user_events (
  project_id  text        NOT NULL,
  user_id     bigint      NOT NULL,
  id          bigserial   NOT NULL,
  actor       text        NOT NULL,  -- "users/{id}", "apiKeys/{id}"
  action      text        NOT NULL,  -- "create", "update", "delete"
  paths       jsonb       NOT NULL DEFAULT '[]',
  request_id  text        NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, user_id, id)
);
