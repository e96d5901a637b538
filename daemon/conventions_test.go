package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// packagesOf returns the Go files of each package folder under the
// module root, without tests.
func packagesOf(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			pkgs[filepath.Dir(path)] = append(pkgs[filepath.Dir(path)], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pkgs[filepath.Join("..", "jobs", "importer")]; !ok {
		t.Fatalf("found packages %v, want the module's, among them jobs/importer", pkgs)
	}
	return pkgs
}

func TestEveryPackageHasDocComment(t *testing.T) {
	for dir, files := range packagesOf(t) {
		documented := false
		for _, f := range files {
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if file.Doc != nil && strings.HasPrefix(file.Doc.Text(), "Package "+file.Name.Name) ||
				file.Doc != nil && file.Name.Name == "main" && strings.HasPrefix(file.Doc.Text(), "Command ") {
				documented = true
			}
		}
		if !documented {
			t.Errorf("package in %s has no doc comment starting with its name", dir)
		}
	}
}

func TestPanelImportsNoDatabaseDriver(t *testing.T) {
	forbidden := []string{"database/sql", "github.com/jackc/pgx", "modernc.org/sqlite",
		"github.com/uptrace/bun/dialect", "github.com/uptrace/bun/driver"}
	for dir, files := range packagesOf(t) {
		if filepath.Base(dir) != "panel" && !strings.Contains(dir, string(filepath.Separator)+"panel"+string(filepath.Separator)) {
			continue
		}
		for _, f := range files {
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range forbidden {
					if strings.HasPrefix(path, bad) {
						t.Errorf("%s imports %s: the panel reaches the database only through the store", f, path)
					}
				}
			}
		}
	}
}
