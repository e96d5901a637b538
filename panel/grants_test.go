package panel

import "testing"

func TestAuditDetail(t *testing.T) {
	tests := []struct {
		name, detail, want string
	}{
		{"empty", "", ""},
		{"not json", "text", "text"},
		{"grant", `{"email":"a@b.de","role":"admin"}`, "E-Mail-Adresse: a@b.de; Rolle: Administrator"},
		{"settings", `{"old":{"online_registration":false},"new":{"online_registration":true}}`,
			"neu Online-Prüfungsanmeldung: ein; alt Online-Prüfungsanmeldung: aus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auditDetail(tt.detail); got != tt.want {
				t.Errorf("auditDetail(%q) = %q, want %q", tt.detail, got, tt.want)
			}
		})
	}
}
