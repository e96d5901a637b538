package reconcile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	scimschema "github.com/elimity-com/scim/schema"

	"asta/schema"
)

const testToken = "s3cret-token"

// scimUsers is an in-memory ResourceHandler of the elimity SCIM server
// that serves a fixed list of users and rejects changes.
type scimUsers struct {
	users []scim.Resource
}

func (h *scimUsers) GetAll(_ *http.Request, p scim.ListRequestParams) (scim.Page, error) {
	page := scim.Page{TotalResults: len(h.users), Resources: []scim.Resource{}}
	from := min(p.StartIndex-1, len(h.users))
	to := min(from+p.Count, len(h.users))
	page.Resources = append(page.Resources, h.users[from:to]...)
	return page, nil
}

func (h *scimUsers) Get(_ *http.Request, id string) (scim.Resource, error) {
	for _, u := range h.users {
		if u.ID == id {
			return u, nil
		}
	}
	return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
}

func (h *scimUsers) Create(*http.Request, scim.ResourceAttributes) (scim.Resource, error) {
	return scim.Resource{}, scimerrors.ScimErrorMutability
}

func (h *scimUsers) Replace(*http.Request, string, scim.ResourceAttributes) (scim.Resource, error) {
	return scim.Resource{}, scimerrors.ScimErrorMutability
}

func (h *scimUsers) Delete(*http.Request, string) error { return scimerrors.ScimErrorMutability }

func (h *scimUsers) Patch(*http.Request, string, []scim.PatchOperation) (scim.Resource, error) {
	return scim.Resource{}, scimerrors.ScimErrorMutability
}

// testUser describes a User resource: status sets the extension's
// attribute unless empty, active sets active unless nil.
type testUser struct {
	externalID string
	status     string
	active     *bool
	emails     []map[string]any
}

func newSCIMServer(t *testing.T, users []testUser) *scimUsers {
	t.Helper()
	h := &scimUsers{}
	for i, u := range users {
		attrs := scim.ResourceAttributes{"userName": fmt.Sprintf("user%d", i)}
		if u.active != nil {
			attrs["active"] = *u.active
		}
		if u.emails != nil {
			list := make([]any, len(u.emails))
			for j, e := range u.emails {
				list[j] = e
			}
			attrs["emails"] = list
		}
		if u.status != "" {
			attrs[ExtensionSchema] = map[string]any{"status": u.status}
		}
		res := scim.Resource{ID: fmt.Sprintf("id-%03d", i), Attributes: attrs}
		if u.externalID != "" {
			res.ExternalID = optional.NewString(u.externalID)
		}
		h.users = append(h.users, res)
	}
	sort.Slice(h.users, func(i, j int) bool { return h.users[i].ID < h.users[j].ID })
	return h
}

// serveSCIM starts the elimity SCIM server for h behind a middleware that
// checks the bearer token. A non-zero status that fail returns for a
// request is sent in place of the server's response.
func serveSCIM(t *testing.T, h *scimUsers, maxResults int,
	fail func(r *http.Request) int) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	ext := scimschema.Schema{
		ID:   ExtensionSchema,
		Name: optional.NewString("Konto"),
		Attributes: []scimschema.CoreAttribute{
			scimschema.SimpleCoreAttribute(scimschema.SimpleStringParams(scimschema.StringParams{
				Name:            "status",
				CanonicalValues: []string{"AKTIV", "EINGELADEN", "GESPERRT"},
			})),
		},
	}
	server, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{MaxResults: maxResults},
		ResourceTypes: []scim.ResourceType{{
			ID:               optional.NewString("User"),
			Name:             "User",
			Endpoint:         "/Users",
			Schema:           scimschema.CoreUserSchema(),
			SchemaExtensions: []scim.SchemaExtension{{Schema: ext}},
			Handler:          h,
		}},
	})
	if err != nil {
		t.Fatalf("scim.NewServer: %v", err)
	}
	var requests atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],`+
				`"status":"401","detail":"invalid bearer token"}`)
			return
		}
		if fail != nil {
			if code := fail(r); code != 0 {
				w.WriteHeader(code)
				return
			}
		}
		server.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, &requests
}

func ptr[T any](v T) *T { return &v }

func testSCIMUsers() []testUser {
	return []testUser{
		{externalID: "Z-50001", status: "AKTIV", active: ptr(true),
			emails: []map[string]any{{"value": "old@example.org"}, {"value": "lukas@example.org", "primary": true}}},
		{externalID: "Z-50002", status: "EINGELADEN", active: ptr(false)},
		{externalID: "Z-50003", active: ptr(false), emails: []map[string]any{{"value": "s@example.net"}}},
		{externalID: "Z-50005", active: ptr(true)},
		{externalID: "", active: ptr(true)}, // an administrator account, no trainee
		{externalID: "Z-50006", status: "GESPERRT", active: ptr(true)},
		{externalID: "Z-50007", active: ptr(true)},
	}
}

func newTestSCIM(url string) *SCIM {
	return &SCIM{URL: url, Token: testToken, PageSize: 3, Timeout: 5 * time.Second,
		Retries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond}
}

func TestSCIMReadPages(t *testing.T) {
	tests := []struct {
		name       string
		maxResults int // the server's page limit, below the client's count for "server limit"
	}{
		{name: "client count", maxResults: 100},
		{name: "server limit", maxResults: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, requests := serveSCIM(t, newSCIMServer(t, testSCIMUsers()), tt.maxResults, nil)
			got := map[string]Account{}
			err := newTestSCIM(ts.URL).Read(context.Background(), func(a *Account) error {
				got[a.TraineeNumber] = *a
				return nil
			})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			want := map[string]Account{
				"Z-50001": {TraineeNumber: "Z-50001", Status: schema.AccountActive, Email: "lukas@example.org"},
				"Z-50002": {TraineeNumber: "Z-50002", Status: schema.AccountInvited},
				"Z-50003": {TraineeNumber: "Z-50003", Status: schema.AccountLocked, Email: "s@example.net"},
				"Z-50005": {TraineeNumber: "Z-50005", Status: schema.AccountActive},
				"Z-50006": {TraineeNumber: "Z-50006", Status: schema.AccountLocked},
				"Z-50007": {TraineeNumber: "Z-50007", Status: schema.AccountActive},
			}
			if len(got) != len(want) {
				t.Errorf("read %d accounts, want %d: %v", len(got), len(want), got)
			}
			for n, w := range want {
				if got[n] != w {
					t.Errorf("account %s = %+v, want %+v", n, got[n], w)
				}
			}
			wantRequests := int64(3) // 7 users in pages of 3
			if tt.maxResults == 2 {
				wantRequests = 4
			}
			if n := requests.Load(); n != wantRequests {
				t.Errorf("requests = %d, want %d", n, wantRequests)
			}
		})
	}
}

func TestSCIMReadErrors(t *testing.T) {
	tests := []struct {
		name         string
		token        string
		fail         func(calls int64, r *http.Request) int
		wantErr      error
		wantRequests int64
		wantOK       bool
	}{
		{name: "wrong token", token: "wrong", wantErr: ErrUnauthorized, wantRequests: 1},
		{name: "forbidden", fail: func(int64, *http.Request) int { return http.StatusForbidden },
			wantErr: ErrUnauthorized, wantRequests: 1},
		{name: "bad request", fail: func(int64, *http.Request) int { return http.StatusBadRequest },
			wantRequests: 1},
		{name: "500 on page 2", fail: func(_ int64, r *http.Request) int {
			if r.URL.Query().Get("startIndex") != "1" {
				return http.StatusInternalServerError
			}
			return 0
		}, wantRequests: 4}, // page 1, then page 2 and its 2 retries
		{name: "429 then success", fail: func(calls int64, _ *http.Request) int {
			if calls <= 2 {
				return http.StatusTooManyRequests
			}
			return 0
		}, wantRequests: 5, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			fail := func(r *http.Request) int {
				if tt.fail == nil {
					return 0
				}
				return tt.fail(calls.Add(1), r)
			}
			ts, requests := serveSCIM(t, newSCIMServer(t, testSCIMUsers()), 100, fail)
			src := newTestSCIM(ts.URL)
			if tt.token != "" {
				src.Token = tt.token
			}
			err := src.Read(context.Background(), func(*Account) error { return nil })
			if tt.wantOK && err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !tt.wantOK && err == nil {
				t.Fatal("Read succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Read error = %v, want one wrapping %v", err, tt.wantErr)
			}
			if n := requests.Load(); n != tt.wantRequests {
				t.Errorf("requests = %d, want %d", n, tt.wantRequests)
			}
		})
	}
}

func TestReconcileSCIM(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		importSmall(t, tdb)
		ts, _ := serveSCIM(t, newSCIMServer(t, testSCIMUsers()), 100, nil)
		mustRun(t, newTestReconciler(t, tdb.db, newTestSCIM(ts.URL), newClock()))
		checkStatuses(t, tdb.db, map[string]string{
			"Z-50001": schema.AccountActive, "Z-50002": schema.AccountInvited,
			"Z-50003": schema.AccountLocked, "Z-50004": schema.AccountNone,
			"Z-50005": schema.AccountActive,
		})
		if run := lastRun(t, tdb.db); run.AccountsRead != 6 {
			t.Errorf("accounts read = %d, want 6", run.AccountsRead)
		}
	})
}

func TestReconcileSCIMFailsHalfWay(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		importSmall(t, tdb)
		mustRun(t, newTestReconciler(t, tdb.db, File{Folder: "../../testdata"}, newClock()))
		before := accountRows(t, tdb.db)

		// Every user locked, but page 2 fails on every attempt.
		var users []testUser
		for i := range 10 {
			users = append(users, testUser{externalID: fmt.Sprintf("Z-5%04d", i+1), active: ptr(false)})
		}
		ts, _ := serveSCIM(t, newSCIMServer(t, users), 100, func(r *http.Request) int {
			if r.URL.Query().Get("startIndex") != "1" {
				return http.StatusInternalServerError
			}
			return 0
		})
		r := newTestReconciler(t, tdb.db, newTestSCIM(ts.URL), newClock())
		r.holdShare = 1
		mustFail(t, r, nil)

		run := lastRun(t, tdb.db)
		if run.Outcome != schema.OutcomeFailed {
			t.Errorf("run outcome = %s, want failed", run.Outcome)
		}
		if run.AccountsRead != 3 {
			t.Errorf("accounts read = %d, want the 3 of page 1", run.AccountsRead)
		}
		after := accountRows(t, tdb.db)
		if len(after) != len(before) {
			t.Errorf("rows = %d after the failed read, want %d", len(after), len(before))
		}
		for n, row := range before {
			if after[n].Status != row.Status || !after[n].UpdatedAt.Equal(row.UpdatedAt) {
				t.Errorf("%s = %s at %v after the failed read, want %s at %v", n, after[n].Status,
					after[n].UpdatedAt, row.Status, row.UpdatedAt)
			}
		}
	})
}
