-- Tables of the panel: users, their one-time links, sessions, grants of
-- roles in companies, the audit log and the counters of rate limits.

-- A user of the panel. email is the address as the user typed it (NFC);
-- email_key is its lookup form (NFC, lower case), unique. An account
-- without confirmed_at cannot sign in. Operators are chamber staff: they
-- sign in with a TOTP code as well (totp_secret set once enrolled;
-- totp_last_step is the last time step used, so a code works once).
CREATE TABLE users (
    id               {{id}},
    email            TEXT NOT NULL,
    email_key        TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    confirmed_at     {{ts}},
    operator         BOOLEAN NOT NULL DEFAULT false,
    totp_secret      TEXT,
    totp_last_step   BIGINT NOT NULL DEFAULT 0,
    password_changed_at {{ts}} NOT NULL,
    created_at       {{ts}} NOT NULL,
    updated_at       {{ts}} NOT NULL
);

-- A single-use link sent by mail: the SHA-256 of its token, what it is
-- for, and until when it works. new_email carries the address that an
-- address change confirms.
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    new_email  TEXT,
    expires_at {{ts}} NOT NULL,
    used_at    {{ts}},
    created_at {{ts}} NOT NULL
);
CREATE INDEX user_tokens_user_id_idx ON user_tokens (user_id, purpose);

-- A signed-in browser: the SHA-256 of the session cookie, so that a copy of
-- the table opens no session. A session ends at expires_at, or when it has
-- not been used for the idle time-out after last_seen_at. second_factor is
-- set once an operator has given a TOTP code in this session.
CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    second_factor BOOLEAN NOT NULL DEFAULT false,
    created_at    {{ts}} NOT NULL,
    last_seen_at  {{ts}} NOT NULL,
    expires_at    {{ts}} NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- A role of a user in one company: admin, verwalter or ausbilder. A grant
-- to an address without an account waits in invite_email_key with user_id
-- NULL until that address registers. trainer_number links an Ausbilder
-- grant to the company's trainer record.
CREATE TABLE grants (
    id               {{id}},
    company_ident    {{key}} NOT NULL,
    user_id          BIGINT REFERENCES users (id) ON DELETE CASCADE,
    invite_email_key TEXT,
    role             TEXT NOT NULL,
    trainer_number   {{key}},
    created_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at       {{ts}} NOT NULL,
    updated_at       {{ts}} NOT NULL,
    UNIQUE (company_ident, user_id),
    UNIQUE (company_ident, invite_email_key)
);
CREATE INDEX grants_user_id_idx ON grants (user_id);
CREATE INDEX grants_invite_email_key_idx ON grants (invite_email_key);

-- The audit log: who did what to which company, and when. actor_id is
-- NULL for asta itself or an unknown visitor; detail holds old and new
-- values where there are any, as JSON.
CREATE TABLE audit_log (
    id            {{id}},
    at            {{ts}} NOT NULL,
    actor_id      BIGINT,
    action        TEXT NOT NULL,
    company_ident {{key}},
    client_ip     TEXT,
    detail        TEXT
);
CREATE INDEX audit_log_company_ident_idx ON audit_log (company_ident, at);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Wrong activation codes, counted per account and per Identnummer over the
-- lock-out window.
CREATE TABLE activation_failures (
    id            {{id}},
    user_id       BIGINT NOT NULL,
    company_ident {{key}} NOT NULL,
    at            {{ts}} NOT NULL
);
CREATE INDEX activation_failures_user_id_idx ON activation_failures (user_id, at);
CREATE INDEX activation_failures_company_ident_idx ON activation_failures (company_ident, at);

-- Fixed-window counters of the panel's rate limits, shared by all
-- instances: key names the limit and the client or address.
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY,
    window_start {{ts}} NOT NULL,
    hits         INTEGER NOT NULL
);

-- Keys that all instances of the panel share, created on first start.
CREATE TABLE panel_keys (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at {{ts}} NOT NULL
);
