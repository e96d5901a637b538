-- Indexes of the trainee list of a company (store.Trainees and
-- store.TraineeFilterOptions).

-- Every column of a contract that the list filters or sorts on, so that
-- PostgreSQL selects a page from the index alone (an index-only scan)
-- instead of reading a heap page for each of the company's contracts,
-- which the import spreads over the whole table. The occupation filter's
-- options step through its first two columns.
CREATE INDEX contracts_company_list_idx ON contracts (company_ident, occupation_number, status, trainer_number,
    start_date, end_date, trainee_number, number, missing_since);

-- The list reads the sort key of each of a company's trainees and, with
-- the account filter, each account status. With the value in the index,
-- PostgreSQL reads these from the index alone once vacuum has marked the
-- table's pages all-visible. The sort key index holds trainees only, so
-- that a look-up compares the number alone, byte by byte: kind has the
-- database's default collation, which PostgreSQL 15 compares with the C
-- library's strcoll unless the collation is C or POSIX.
CREATE INDEX sort_keys_trainee_idx ON sort_keys (number, sort_key) WHERE kind = 'trainee';
CREATE INDEX trainee_accounts_number_status_idx ON trainee_accounts (trainee_number, status);
