-- Tables of the import: the chamber's records and the runs that brought them.
-- {{id}}, {{ts}} and {{key}} stand for the dialect's identity column, timestamp
-- type and identifier text, which PostgreSQL compares byte by byte (COLLATE "C"),
-- as identifiers need no language rules and their indexes are faster so.

CREATE TABLE occupations (
    number          {{key}} PRIMARY KEY,
    name            TEXT NOT NULL,
    duration_months INTEGER,
    split_exam      BOOLEAN,
    missing_since   DATE,
    created_at      {{ts}} NOT NULL,
    updated_at      {{ts}} NOT NULL
);

CREATE TABLE companies (
    ident                   {{key}} PRIMARY KEY,
    head_ident              {{key}},
    name1                   TEXT NOT NULL,
    name2                   TEXT,
    street                  TEXT,
    postcode                {{key}},
    town                    TEXT,
    phone                   TEXT,
    email                   TEXT,
    status                  TEXT NOT NULL,
    activation_code_hash    TEXT,
    activation_code_used_at {{ts}},
    missing_since           DATE,
    created_at              {{ts}} NOT NULL,
    updated_at              {{ts}} NOT NULL
);
CREATE INDEX companies_head_ident_idx ON companies (head_ident);

-- Every activation code hash that an export or the portal brought for a
-- company, so that an export repeating an old code does not revive it.
CREATE TABLE activation_codes (
    company_ident {{key}} NOT NULL,
    code_hash     TEXT NOT NULL,
    created_at    {{ts}} NOT NULL,
    PRIMARY KEY (company_ident, code_hash)
);

CREATE TABLE trainers (
    number         {{key}} PRIMARY KEY,
    company_ident  {{key}} NOT NULL,
    salutation     TEXT,
    title          TEXT,
    first_name     TEXT NOT NULL,
    last_name      TEXT NOT NULL,
    email          TEXT,
    aptitude_since DATE,
    status         TEXT NOT NULL,
    missing_since  DATE,
    created_at     {{ts}} NOT NULL,
    updated_at     {{ts}} NOT NULL
);
CREATE INDEX trainers_company_ident_idx ON trainers (company_ident);

CREATE TABLE trainees (
    number     {{key}} PRIMARY KEY,
    salutation TEXT,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    birth_date DATE NOT NULL,
    email      TEXT,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);

CREATE TABLE contracts (
    number            {{key}} PRIMARY KEY,
    trainee_number    {{key}} NOT NULL,
    company_ident     {{key}} NOT NULL,
    trainer_number    {{key}},
    occupation_number {{key}} NOT NULL,
    specialisation    TEXT,
    start_date        DATE NOT NULL,
    end_date          DATE NOT NULL,
    probation_months  INTEGER,
    part_time         BOOLEAN,
    status            TEXT NOT NULL,
    terminated_on     DATE,
    missing_since     DATE,
    created_at        {{ts}} NOT NULL,
    updated_at        {{ts}} NOT NULL
);
CREATE INDEX contracts_trainee_number_idx ON contracts (trainee_number);
CREATE INDEX contracts_company_ident_idx ON contracts (company_ident);

CREATE TABLE exam_registrations (
    number          {{key}} PRIMARY KEY,
    contract_number {{key}} NOT NULL,
    exam_type       TEXT NOT NULL,
    period          TEXT NOT NULL,
    deadline        DATE NOT NULL,
    status          TEXT NOT NULL,
    missing_since   DATE,
    created_at      {{ts}} NOT NULL,
    updated_at      {{ts}} NOT NULL
);
CREATE INDEX exam_registrations_contract_number_idx ON exam_registrations (contract_number);

CREATE TABLE import_runs (
    id           {{id}},
    package_id   TEXT NOT NULL,
    package_name TEXT NOT NULL,
    export_type  TEXT,
    exported_at  {{ts}},
    started_at   {{ts}} NOT NULL,
    finished_at  {{ts}},
    outcome      TEXT NOT NULL,
    records      BIGINT NOT NULL DEFAULT 0,
    inserted     BIGINT NOT NULL DEFAULT 0,
    changed      BIGINT NOT NULL DEFAULT 0,
    ended        BIGINT NOT NULL DEFAULT 0,
    rejected     BIGINT NOT NULL DEFAULT 0,
    message      TEXT
);
-- A package is applied at most once, whichever instance tries.
CREATE UNIQUE INDEX import_runs_applied_idx ON import_runs (package_id) WHERE outcome = 'applied';
CREATE INDEX import_runs_started_at_idx ON import_runs (started_at);

CREATE TABLE import_run_files (
    run_id   BIGINT NOT NULL REFERENCES import_runs (id),
    file     TEXT NOT NULL,
    records  BIGINT NOT NULL DEFAULT 0,
    inserted BIGINT NOT NULL DEFAULT 0,
    changed  BIGINT NOT NULL DEFAULT 0,
    ended    BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, file)
);

CREATE TABLE rejected_records (
    id          {{id}},
    run_id      BIGINT NOT NULL REFERENCES import_runs (id),
    file        TEXT NOT NULL,
    line        INTEGER NOT NULL,
    column_name TEXT,
    value       TEXT,
    reason      TEXT NOT NULL
);
CREATE INDEX rejected_records_run_id_idx ON rejected_records (run_id);

CREATE TABLE package_holds (
    package_id   TEXT PRIMARY KEY,
    run_id       BIGINT NOT NULL REFERENCES import_runs (id),
    package_name TEXT NOT NULL,
    exported_at  {{ts}} NOT NULL,
    reason       TEXT NOT NULL,
    held_at      {{ts}} NOT NULL,
    decision     TEXT,
    decided_at   {{ts}}
);

CREATE TABLE job_runs (
    id           {{id}},
    job          TEXT NOT NULL,
    scheduled_at {{ts}} NOT NULL,
    started_at   {{ts}} NOT NULL,
    finished_at  {{ts}},
    outcome      TEXT NOT NULL,
    error        TEXT,
    UNIQUE (job, scheduled_at)
);
