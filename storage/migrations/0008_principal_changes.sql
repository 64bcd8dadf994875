-- Every change that alters what a bearer token resolves to is announced on
-- the channel 'principal_changes' when its transaction commits, so that each
-- userd can drop what it has cached of that token (see
-- storage/principal_changes.h). Payloads:
--
--   token:<hex SHA-256 of the token>   a session or API key was deleted or
--                                      changed
--   user:<user id>:<project id>        a user's role, suspensions or password
--                                      changed, or the user was deleted
--   project:<project id>               a project's settings changed, or it
--                                      was deleted
--   all:                               a table was truncated
--
-- NOTIFY delivers nothing for a transaction that rolls back, and one payload
-- at most once per transaction however many rows sent it.

CREATE FUNCTION notify_token_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('principal_changes',
                    'token:' || encode(OLD.token_hash, 'hex'));
  RETURN NULL;
END
$$;

CREATE FUNCTION notify_user_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('principal_changes',
                    'user:' || OLD.id || ':' || OLD.project_id);
  RETURN NULL;
END
$$;

CREATE FUNCTION notify_project_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('principal_changes', 'project:' || OLD.id);
  RETURN NULL;
END
$$;

CREATE FUNCTION notify_principal_flush() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('principal_changes', 'all:');
  RETURN NULL;
END
$$;

-- A session past its expire_time resolves to nothing and is never cached,
-- so deleting one (housekeeping) announces nothing.
CREATE TRIGGER sessions_notify_delete AFTER DELETE ON sessions
  FOR EACH ROW WHEN (OLD.expire_time > now())
  EXECUTE FUNCTION notify_token_change();
CREATE TRIGGER sessions_notify_update AFTER UPDATE ON sessions
  FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW)
  EXECUTE FUNCTION notify_token_change();

CREATE TRIGGER api_keys_notify_delete AFTER DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION notify_token_change();
CREATE TRIGGER api_keys_notify_update AFTER UPDATE ON api_keys
  FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW)
  EXECUTE FUNCTION notify_token_change();

-- Only the columns a token's principal is made of: a profile update (bio,
-- email, ...) announces nothing.
CREATE TRIGGER users_notify_delete AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION notify_user_change();
CREATE TRIGGER users_notify_update AFTER UPDATE ON users
  FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role
                     OR OLD.suspensions IS DISTINCT FROM NEW.suspensions
                     OR OLD.password_hash IS DISTINCT FROM NEW.password_hash
                     OR OLD.project_id IS DISTINCT FROM NEW.project_id
                     OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION notify_user_change();

CREATE TRIGGER projects_notify_delete AFTER DELETE ON projects
  FOR EACH ROW EXECUTE FUNCTION notify_project_change();
CREATE TRIGGER projects_notify_update AFTER UPDATE ON projects
  FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW)
  EXECUTE FUNCTION notify_project_change();

CREATE TRIGGER sessions_notify_truncate AFTER TRUNCATE ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION notify_principal_flush();
CREATE TRIGGER api_keys_notify_truncate AFTER TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION notify_principal_flush();
CREATE TRIGGER users_notify_truncate AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION notify_principal_flush();
CREATE TRIGGER projects_notify_truncate AFTER TRUNCATE ON projects
  FOR EACH STATEMENT EXECUTE FUNCTION notify_principal_flush();
