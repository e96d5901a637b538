package importer

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// spool is a pipe through a temporary file: a reader follows what the
// writer has written so far, but the writer never waits for the reader.
// The import validates a file into a spool while the database is still
// busy with the previous one, and the COPY reads the spool when the
// database is free.
type spool struct {
	f    *os.File
	mu   sync.Mutex
	cond *sync.Cond
	size int64 // bytes written
	done bool
	err  error // the writer's error, set with done
	late []headRef
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "asta-spool-*.csv")
	if err != nil {
		return nil, fmt.Errorf("create temporary file for COPY: %w", err)
	}
	// The file stays open and usable after its name is removed.
	if err := os.Remove(f.Name()); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("remove name of temporary file %s: %w", f.Name(), err)
	}
	s := &spool{f: f}
	s.cond = sync.NewCond(&s.mu)
	return s, nil
}

// Write appends p to the file and wakes the reader.
func (s *spool) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	s.mu.Lock()
	s.size += int64(n)
	s.cond.Broadcast()
	s.mu.Unlock()
	return n, err
}

// finish ends the writing. The reader then sees the end of the file, or
// err if it is not nil.
func (s *spool) finish(late []headRef, err error) {
	s.mu.Lock()
	if !s.done {
		s.done, s.err, s.late = true, err, late
	}
	s.cond.Broadcast()
	s.mu.Unlock()
}

// result returns what finish was given. It is valid after the reader
// reached the end.
func (s *spool) result() ([]headRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.late, s.err
}

// close removes the file; call it after both sides are done.
func (s *spool) close() { _ = s.f.Close() }

// reader returns a reader of the whole spool.
func (s *spool) reader() io.Reader { return &spoolReader{s: s} }

type spoolReader struct {
	s   *spool
	off int64
}

func (r *spoolReader) Read(p []byte) (int, error) {
	s := r.s
	s.mu.Lock()
	for r.off == s.size && !s.done {
		s.cond.Wait()
	}
	size, done, err := s.size, s.done, s.err
	s.mu.Unlock()

	if done && err != nil {
		return 0, err
	}
	if r.off == size && done {
		return 0, io.EOF
	}
	n, rerr := s.f.ReadAt(p[:min(int64(len(p)), size-r.off)], r.off)
	r.off += int64(n)
	if rerr == io.EOF {
		rerr = nil // the writer has appended more than ReadAt saw
	}
	return n, rerr
}
