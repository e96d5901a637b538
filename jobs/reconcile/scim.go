package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"asta/schema"
)

// ExtensionSchema is the SCIM schema extension whose attribute status
// carries the account's state in the directory's values (AKTIV,
// EINGELADEN, GESPERRT).
const ExtensionSchema = "urn:de:kammer:scim:schemas:extension:konto:1.0:User"

// Defaults of [SCIM].
const (
	DefaultPageSize      = 100
	DefaultTimeout       = 30 * time.Second
	DefaultRetries       = 4
	DefaultRetryDelay    = time.Second
	DefaultMaxRetryDelay = 30 * time.Second
)

// ErrUnauthorized is wrapped by the error of a read that the service
// provider rejected with 401 or 403.
var ErrUnauthorized = errors.New("the SCIM service provider rejected the bearer token")

// SCIM is the directory as a SCIM 2.0 service provider (RFC 7643, RFC
// 7644) that lists the accounts as User resources. It reads them with
// paged GET /Users requests and a bearer token. The trainee number is the
// resource's externalId. A resource without one is skipped. The status
// comes from the attribute status of [ExtensionSchema] where present,
// otherwise active true means active and false locked. The e-mail is the
// primary one of emails, else the first. SCIM gives no last sign-in.
//
// A request that times out, fails to connect or returns 429 or a 5xx
// status is retried after a delay that doubles from RetryDelay up to
// MaxRetryDelay, or that a Retry-After header sets within that bound.
// Any other 4xx status fails the read at once.
type SCIM struct {
	URL      string // base URL of the service provider, to which /Users is appended
	Token    string
	PageSize int // count of each request, DefaultPageSize when zero
	// Timeout bounds each request, the body included. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Retries is the number of retries of a failed request. Zero means
	// DefaultRetries and a negative value none.
	Retries       int
	RetryDelay    time.Duration // zero means DefaultRetryDelay
	MaxRetryDelay time.Duration // zero means DefaultMaxRetryDelay
	Client        *http.Client  // nil means http.DefaultClient
	Logger        *slog.Logger  // nil means the Reconciler's logger
}

// String returns the URL of the Users endpoint without user information
// or query.
func (s *SCIM) String() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return "scim"
	}
	u.User, u.RawQuery = nil, ""
	return u.JoinPath("Users").String()
}

// scimUser holds the attributes of a User resource that the reconcile
// uses. encoding/json matches the names without regard to case, as SCIM
// attribute names are case-insensitive (RFC 7643, section 2.1).
type scimUser struct {
	ID         string `json:"id"`
	ExternalID string `json:"externalId"`
	Active     *bool  `json:"active"`
	Emails     []struct {
		Value   string `json:"value"`
		Primary bool   `json:"primary"`
	} `json:"emails"`
	Extension *struct {
		Status string `json:"status"`
	} `json:"urn:de:kammer:scim:schemas:extension:konto:1.0:User"`
}

// listResponse is a page of a SCIM list response (RFC 7644, section
// 3.4.2).
type listResponse struct {
	TotalResults int        `json:"totalResults"`
	Resources    []scimUser `json:"Resources"`
}

// Read reads every page of /Users and passes the accounts to fn.
func (s *SCIM) Read(ctx context.Context, fn func(*Account) error) error {
	size := s.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	var (
		acc     Account
		read    int
		skipped int
	)
	// NOTE: paging by startIndex gives no consistent snapshot (RFC 7644,
	// section 3.4.2.4). An account deleted during the read shifts the
	// later ones, so that one of them may be missed and shown as none
	// until the next run. An account added before the current page
	// repeats one already read, and the read fails on the duplicate.
	for start := 1; ; {
		page, err := s.fetchPage(ctx, start, size)
		if err != nil {
			return err
		}
		for i := range page.Resources {
			u := &page.Resources[i]
			if u.ExternalID == "" {
				skipped++
				continue
			}
			if err := u.account(&acc); err != nil {
				return fmt.Errorf("read %s: %w", s, err)
			}
			if err := fn(&acc); err != nil {
				return err
			}
		}
		read += len(page.Resources)
		if read >= page.TotalResults {
			break
		}
		if len(page.Resources) == 0 {
			return fmt.Errorf("read %s: the page at startIndex %d is empty, but totalResults is %d",
				s, start, page.TotalResults)
		}
		start += len(page.Resources)
	}
	if skipped > 0 {
		s.log().Warn("scim users without externalId skipped", "count", skipped)
	}
	return nil
}

func (u *scimUser) account(acc *Account) error {
	*acc = Account{TraineeNumber: u.ExternalID}
	switch {
	case u.Extension != nil && u.Extension.Status != "":
		status, err := parseStatus(u.Extension.Status)
		if err != nil {
			return fmt.Errorf("user %s: %w", u.ID, err)
		}
		acc.Status = status
	case u.Active != nil && *u.Active:
		acc.Status = schema.AccountActive
	case u.Active != nil:
		acc.Status = schema.AccountLocked
	default:
		return fmt.Errorf("user %s has neither the attribute status of %s nor active: "+
			"the service provider must send one of them", u.ID, ExtensionSchema)
	}
	for i, e := range u.Emails {
		if i == 0 || e.Primary {
			acc.Email = e.Value
		}
		if e.Primary {
			break
		}
	}
	return nil
}

// fetchPage requests one page and retries it as the type's documentation
// describes.
func (s *SCIM) fetchPage(ctx context.Context, start, count int) (*listResponse, error) {
	retries := s.Retries
	if retries == 0 {
		retries = DefaultRetries
	}
	for attempt := 1; ; attempt++ {
		page, retryAfter, err := s.fetch(ctx, start, count)
		if err == nil {
			return page, nil
		}
		err = fmt.Errorf("read %s at startIndex %d: %w", s, start, err)
		if !retryable(ctx, err) || attempt > retries {
			return nil, err
		}

		delay := s.backoff(attempt, retryAfter)
		s.log().Warn("scim request failed, retrying", "attempt", attempt, "delay_ms", delay.Milliseconds(),
			"error", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// statusError is a response with a status other than 200.
type statusError struct {
	code   int
	detail string // the detail of a SCIM error response, if any
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("HTTP status %d %s", e.code, http.StatusText(e.code))
	if e.detail != "" {
		msg += ": " + e.detail
	}
	return msg
}

func (s *SCIM) fetch(ctx context.Context, start, count int) (
	_ *listResponse, retryAfter time.Duration, _ error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	u, err := url.Parse(s.URL)
	if err != nil {
		return nil, 0, fmt.Errorf("invalid SCIM URL: %w", err)
	}
	u = u.JoinPath("Users")
	u.RawQuery = url.Values{"startIndex": {strconv.Itoa(start)}, "count": {strconv.Itoa(count)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/scim+json, application/json")
	req.Header.Set("Authorization", "Bearer "+s.Token)

	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return nil, parseRetryAfter(resp.Header.Get("Retry-After")), readStatusError(resp)
	}
	var page listResponse
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, 0, fmt.Errorf("decode list response: %w", err)
	}
	return &page, 0, nil
}

func readStatusError(resp *http.Response) error {
	var body struct {
		Detail string `json:"detail"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	err := &statusError{code: resp.StatusCode, detail: body.Detail}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%w: %w: check the token", ErrUnauthorized, err)
	}
	return err
}

// retryable reports whether err is worth another attempt: a 429 or 5xx
// status, a time-out or a failed connection, but not a cancelled run.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.code == http.StatusTooManyRequests || se.code >= 500
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF)
}

func (s *SCIM) backoff(attempt int, retryAfter time.Duration) time.Duration {
	first, limit := s.RetryDelay, s.MaxRetryDelay
	if first <= 0 {
		first = DefaultRetryDelay
	}
	if limit <= 0 {
		limit = DefaultMaxRetryDelay
	}
	delay := first << min(attempt-1, 20)
	if retryAfter > delay {
		delay = retryAfter
	}
	return min(delay, limit)
}

// parseRetryAfter reads a Retry-After header in seconds. An HTTP date or
// an invalid value gives zero.
func parseRetryAfter(v string) time.Duration {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

func (s *SCIM) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
