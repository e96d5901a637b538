package configs

import (
	"fmt"
	"os"
	"strings"
)

// secretEnv lists the variables that take a secret. Each has a variant
// with the suffix _FILE that names a file to read the value from, such as
// a Docker or systemd credential in /run/secrets.
var secretEnv = map[string]bool{
	"ASTA_DATABASE_URL":         true,
	"ASTA_MAIL_PASSWORD":        true,
	"ASTA_RECONCILE_SCIM_TOKEN": true,
	"ASTA_METRICS_TOKEN":        true,
	"ASTA_METRICS_PASSWORD":     true,
}

// resolveSecretFiles replaces each ASTA_*_FILE variable of a secret in
// environ by the variable itself, set to the file's content without its
// trailing line break. Setting a variable and its _FILE variant at once is
// an error, and so is a file that is missing or empty.
func resolveSecretFiles(environ []string) ([]string, error) {
	set := make(map[string]bool, len(environ))
	for _, kv := range environ {
		key, _, _ := strings.Cut(kv, "=")
		set[key] = true
	}

	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		key, path, _ := strings.Cut(kv, "=")
		base, isFile := strings.CutSuffix(key, "_FILE")
		if !isFile || !secretEnv[base] {
			out = append(out, kv)
			continue
		}
		if set[base] {
			return nil, fmt.Errorf("environment variables %s and %s are both set: set only one of them", base, key)
		}
		value, err := readSecretFile(path)
		if err != nil {
			return nil, fmt.Errorf("environment variable %s: %w", key, err)
		}
		out = append(out, base+"="+value)
	}
	return out, nil
}

// readSecretFile returns the content of the file at path without the line
// break that editors and "echo" append.
func readSecretFile(path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("no file named: set the path of the file that contains the secret")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read secret file: %w", err)
	}
	value := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if value == "" {
		return "", fmt.Errorf("secret file %s is empty", path)
	}
	return value, nil
}
