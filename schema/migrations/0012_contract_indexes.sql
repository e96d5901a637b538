-- The panel reads a company's contracts once per change of the data and
-- keeps its trainee list in memory, so the list no longer needs an index
-- that holds every column it filters or sorts on. Every query of a
-- company's contracts needs only the company, and the walk over a
-- company's occupations the occupation as well. Each index costs time on
-- every import: the nine-column one took about an eighth of a first
-- import of 1,000,000 contracts.
DROP INDEX IF EXISTS contracts_company_status_idx;
DROP INDEX IF EXISTS contracts_company_list_idx;
CREATE INDEX IF NOT EXISTS contracts_company_occupation_idx ON contracts (company_ident, occupation_number);
