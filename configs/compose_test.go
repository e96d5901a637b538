package configs

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads ../docker-compose.yml with compose-go, the loader of
// Docker Compose, which validates it against the Compose specification.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"},
		cli.WithWorkingDirectory(".."), cli.WithName("asta"), cli.WithEnv([]string{}),
		cli.WithResolvedPaths(true))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return project
}

func TestComposeServices(t *testing.T) {
	project := loadCompose(t)
	want := []string{"astad", "grafana", "mailpit", "postgres", "prometheus"}
	if got := project.ServiceNames(); !slices.Equal(sorted(got), want) {
		t.Fatalf("services = %v, want %v", got, want)
	}

	for name, svc := range project.Services {
		hc := svc.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] != "CMD" {
			t.Errorf("service %s has no healthcheck of the form [CMD, ...]: %+v", name, hc)
			continue
		}
		if hc.Interval == nil || hc.Timeout == nil {
			t.Errorf("service %s: healthcheck sets no interval or timeout", name)
		}
		if svc.Restart != "unless-stopped" {
			t.Errorf("service %s: restart = %q, want unless-stopped", name, svc.Restart)
		}
	}

	astad := project.Services["astad"]
	if astad.Build == nil || filepath.Base(astad.Build.Dockerfile) != "Dockerfile" {
		t.Errorf("astad is not built from the Dockerfile: %+v", astad.Build)
	}
	if got := astad.HealthCheck.Test; !slices.Equal(got, types.HealthCheckTest{"CMD", "/astad", "healthcheck"}) {
		t.Errorf("astad healthcheck = %v, want [CMD /astad healthcheck]", got)
	}
}

func TestComposeDependencies(t *testing.T) {
	project := loadCompose(t)
	tests := []struct {
		name      string
		service   string
		dependsOn string
		condition string
	}{
		{"astad waits for postgres", "astad", "postgres", types.ServiceConditionHealthy},
		{"astad waits for mailpit", "astad", "mailpit", types.ServiceConditionHealthy},
		{"prometheus after astad", "prometheus", "astad", types.ServiceConditionStarted},
		{"grafana waits for prometheus", "grafana", "prometheus", types.ServiceConditionHealthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dep, ok := project.Services[tt.service].DependsOn[tt.dependsOn]
			if !ok {
				t.Fatalf("%s does not depend on %s", tt.service, tt.dependsOn)
			}
			if dep.Condition != tt.condition {
				t.Errorf("%s depends on %s with condition %q, want %q", tt.service, tt.dependsOn, dep.Condition,
					tt.condition)
			}
		})
	}
}

func TestComposeVolumes(t *testing.T) {
	project := loadCompose(t)
	want := map[string]string{ // service → named volume and its mount point
		"postgres":   "postgres-data:/var/lib/postgresql/data",
		"astad":      "astad-data:/data",
		"prometheus": "prometheus-data:/prometheus",
		"grafana":    "grafana-data:/var/lib/grafana",
	}
	for service, mount := range want {
		volume, target, _ := strings.Cut(mount, ":")
		if _, ok := project.Volumes[volume]; !ok {
			t.Errorf("named volume %s is not declared", volume)
		}
		found := slices.ContainsFunc(project.Services[service].Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Type == types.VolumeTypeVolume && v.Source == volume && v.Target == target
		})
		if !found {
			t.Errorf("service %s does not mount the volume %s at %s", service, volume, target)
		}
	}

	// Every file that a service mounts or reads as a secret exists in the
	// repository, so that compose up finds it.
	for name, svc := range project.Services {
		for _, v := range svc.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("service %s mounts %s, which is missing: %v", name, v.Source, err)
			}
			if !v.ReadOnly {
				t.Errorf("service %s mounts %s writable, want read-only", name, v.Source)
			}
		}
	}
	for name, secret := range project.Secrets {
		if _, err := os.Stat(secret.File); err != nil {
			t.Errorf("secret %s: file %s is missing: %v", name, secret.File, err)
		}
	}
}

// TestComposeAstadEnvironment loads astad's configuration from the
// environment that compose gives it, with each secret file under
// /run/secrets replaced by its source in the repository.
func TestComposeAstadEnvironment(t *testing.T) {
	project := loadCompose(t)
	astad := project.Services["astad"]
	secretFiles := make(map[string]string)
	for _, s := range astad.Secrets {
		target := s.Target
		if target == "" {
			target = s.Source
		}
		if !filepath.IsAbs(target) {
			target = "/run/secrets/" + target
		}
		secretFiles[target] = project.Secrets[s.Source].File
	}

	var environ []string
	for key, value := range astad.Environment {
		if value == nil {
			t.Errorf("astad's variable %s has no value", key)
			continue
		}
		v := *value
		if strings.HasSuffix(key, "_FILE") {
			local, ok := secretFiles[v]
			if !ok {
				t.Errorf("astad's %s names %s, which no secret of the service provides", key, v)
				continue
			}
			v = local
		}
		environ = append(environ, key+"="+v)
	}
	cfg, err := Load("", environ)
	if err != nil {
		t.Fatalf("astad's configuration in docker-compose.yml: %v", err)
	}
	if !strings.HasPrefix(cfg.Database, "postgres://") {
		t.Errorf("astad's database = %q, want a postgres:// URL", cfg.Database)
	}
	if cfg.Metrics.Token == "" {
		t.Error("astad's /metrics has no token, want the one that Prometheus sends")
	}
}

func sorted(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}
