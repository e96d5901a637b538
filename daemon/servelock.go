package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// errServeRunning is returned when another astad serve uses the SQLite
// database.
var errServeRunning = errors.New("another astad serve uses this database")

// lockSQLiteServe takes an exclusive lock on a file beside the SQLite
// database, so that a second astad serve on the same file fails to start.
// One-off commands such as astad import do not take it. The lock
// ends with the process, also when it is killed.
func lockSQLiteServe(dbPath string) (release func(), err error) {
	path := dbPath + ".serve.lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open serve lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w %s (process %s): stop it first, or use PostgreSQL to run several instances",
				errServeRunning, dbPath, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { _ = f.Close() }, nil
}
