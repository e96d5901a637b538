package importer

import "sync"

// pgWorker runs jobs on the import's connection in a goroutine of its
// own, one after the other in the order they were submitted, so that the
// server fills one table while the next file is validated. Every job
// runs, also after one failed, so that each can release what it holds;
// jobs after a failure fail fast on the aborted transaction.
type pgWorker struct {
	jobs    chan func() error
	pending sync.WaitGroup
	exited  chan struct{}

	mu  sync.Mutex
	err error // the first error of a job
}

func newPGWorker() *pgWorker {
	w := &pgWorker{jobs: make(chan func() error, 8), exited: make(chan struct{})}
	go w.run()
	return w
}

func (w *pgWorker) run() {
	defer close(w.exited)
	for job := range w.jobs {
		if err := job(); err != nil {
			w.mu.Lock()
			if w.err == nil {
				w.err = err
			}
			w.mu.Unlock()
		}
		w.pending.Done()
	}
}

// submit queues job.
func (w *pgWorker) submit(job func() error) {
	w.pending.Add(1)
	w.jobs <- job
}

// wait waits until the submitted jobs are done and returns the first
// error of any. The caller may use the connection until it submits again.
func (w *pgWorker) wait() error {
	w.pending.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// stop waits for the jobs and ends the goroutine.
func (w *pgWorker) stop() {
	close(w.jobs)
	<-w.exited
}
