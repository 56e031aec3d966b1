package ui

import "io/fs"

// Files returns every embedded file by name, for the tests.
func Files() map[string]string {
	out := make(map[string]string)
	entries, _ := fs.ReadDir(static, "static")
	for _, e := range entries {
		b, _ := fs.ReadFile(static, "static/"+e.Name())
		out[e.Name()] = string(b)
	}
	return out
}
