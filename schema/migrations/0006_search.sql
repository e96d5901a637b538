-- Search and sort keys of people's names, which asta computes from the
-- imported records (jobs/searchindex): the folded beginnings that a name
-- search matches, and a sort key in German order (DIN 5007-2, where ä
-- sorts as ae). A search then reads an index instead of every name.

-- One row per folded word of a trainee's names and per folded trainee
-- number. A prefix search is a range scan over term.
CREATE TABLE trainee_terms (
    term           {{key}} NOT NULL,
    trainee_number {{key}} NOT NULL,
    PRIMARY KEY (term, trainee_number)
);
CREATE INDEX trainee_terms_trainee_number_idx ON trainee_terms (trainee_number);

-- Sort keys of names: kind is trainee, trainer or occupation, number the
-- record's key.
CREATE TABLE sort_keys (
    kind     TEXT NOT NULL,
    number   {{key}} NOT NULL,
    sort_key {{key}} NOT NULL,
    PRIMARY KEY (kind, number)
);

-- The newest applied import whose records the keys above reflect.
CREATE TABLE search_index_state (
    name       TEXT PRIMARY KEY,
    import_run BIGINT NOT NULL,
    updated_at {{ts}} NOT NULL
);

-- Contracts of a company by status, for the trainee list; it serves every
-- query by company, so it replaces the index on company_ident alone.
DROP INDEX contracts_company_ident_idx;
CREATE INDEX contracts_company_status_idx ON contracts (company_ident, status);
