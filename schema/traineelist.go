package schema

// RaiseTraineeListVersionSQL marks the data of the trainee list as
// changed. Every transaction that writes what the list shows runs it, so
// that copies of a company's list kept in memory are read again.
const RaiseTraineeListVersionSQL = "UPDATE trainee_list_version SET version = version + 1 WHERE id = 1"
