-- Indexes of the trainee list of a company (store.Trainees and
-- store.TraineeFilterOptions).

-- The company's contracts by occupation: the occupation filter's options
-- step through the distinct occupations of a company in this index.
CREATE INDEX contracts_company_occupation_idx ON contracts (company_ident, occupation_number);

-- The list reads the sort key of each of a company's trainees and, with
-- the account filter, each account status. With the value in the index,
-- PostgreSQL reads these from the index alone (index-only scans) once
-- vacuum has marked the table's pages all-visible.
CREATE INDEX sort_keys_kind_number_key_idx ON sort_keys (kind, number, sort_key);
CREATE INDEX trainee_accounts_number_status_idx ON trainee_accounts (trainee_number, status);
