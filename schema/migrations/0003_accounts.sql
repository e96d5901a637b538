-- Account status of trainees, as the reconcile job reads it from the trainee
-- account directory, with the job's runs, the status changes and the holds.

CREATE TABLE reconcile_runs (
    id             {{id}},
    source         TEXT NOT NULL,
    started_at     {{ts}} NOT NULL,
    finished_at    {{ts}},
    outcome        TEXT NOT NULL,
    accounts_read  BIGINT NOT NULL DEFAULT 0,
    changed        BIGINT NOT NULL DEFAULT 0,
    status_changes BIGINT NOT NULL DEFAULT 0,
    message        TEXT
);
CREATE INDEX reconcile_runs_outcome_idx ON reconcile_runs (outcome, finished_at);

-- One row for each account that a complete read listed and for each trainee
-- that it found without one. A row is written only when a value changes.
CREATE TABLE trainee_accounts (
    trainee_number {{key}} PRIMARY KEY,
    status         TEXT NOT NULL,
    email          TEXT,
    last_sign_in   {{ts}},
    status_since   {{ts}} NOT NULL,
    updated_at     {{ts}} NOT NULL
);

CREATE TABLE account_status_changes (
    id             {{id}},
    run_id         BIGINT NOT NULL REFERENCES reconcile_runs (id),
    trainee_number {{key}} NOT NULL,
    old_status     TEXT NOT NULL,
    new_status     TEXT NOT NULL,
    changed_at     {{ts}} NOT NULL
);
CREATE INDEX account_status_changes_trainee_idx ON account_status_changes (trainee_number, changed_at);

-- A read that would take the active status from too many trainees waits
-- here for an operator. A confirmed hold lets the next run take that many.
CREATE TABLE reconcile_holds (
    run_id         BIGINT PRIMARY KEY REFERENCES reconcile_runs (id),
    reason         TEXT NOT NULL,
    active_before  BIGINT NOT NULL,
    active_lost    BIGINT NOT NULL,
    held_at        {{ts}} NOT NULL,
    decision       TEXT,
    decided_at     {{ts}},
    applied_run_id BIGINT REFERENCES reconcile_runs (id)
);
