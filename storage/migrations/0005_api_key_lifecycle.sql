-- API keys that expire, and one operator key.
--
-- The operator's key is the one userd installs from its bootstrap token; it
-- alone creates projects and manages other projects' keys. Installing a new
-- one deletes the previous one. Keys made before this migration are ordinary
-- keys of their project, whatever their scopes: the operator key is marked
-- again the next time userd starts with a bootstrap token.
ALTER TABLE api_keys
  ADD COLUMN expire_time timestamptz,
  ADD COLUMN is_operator boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX api_keys_one_operator_key ON api_keys (is_operator)
  WHERE is_operator;
