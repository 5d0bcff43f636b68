package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// named is a handler that answers with its name, so a test can tell apps
// apart.
func named(name string) App {
	return Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name)
	}))
}

func TestAppsPick(t *testing.T) {
	one := Apps{"only": named("only")}
	two := Apps{"b": named("b"), "a": named("a")}
	tests := []struct {
		name    string
		apps    Apps
		pick    string
		want    string // the picked app's name, which it also answers with
		wantErr string
	}{
		{"empty name, one app", one, "", "only", ""},
		{"named, one app", one, "only", "only", ""},
		{"named, two apps", two, "b", "b", ""},
		{"empty name, two apps", two, "", "", "no app given: name one of a, b as APP or set app in the config file"},
		{"unknown name", two, "c", "", `app "c" is not in this binary; it serves a, b`},
		{"unknown name, no apps", Apps{}, "c", "", `app "c" is not in this binary; it serves no apps`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, name, err := tt.apps.Pick(tt.pick)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || app != nil || name != "" {
					t.Errorf("Pick(%q) = %v, %q, %v; want error %s", tt.pick, app != nil, name, err, tt.wantErr)
				}
				return
			}
			if err != nil || name != tt.want {
				t.Fatalf("Pick(%q) = %q, %v; want %q", tt.pick, name, err, tt.want)
			}
			h, err := app()
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if rec.Body.String() != tt.want {
				t.Errorf("Pick(%q) gave the app that answers %q", tt.pick, rec.Body.String())
			}
		})
	}
}

func TestAppsPickNoApps(t *testing.T) {
	if _, _, err := (Apps{}).Pick(""); err == nil {
		t.Error("Pick(\"\") with no apps succeeded")
	}
}

func TestStockApps(t *testing.T) {
	if got, want := Stock().Names(), []string{"chaos", "echo", "hello"}; !slices.Equal(got, want) {
		t.Errorf("Stock().Names() = %v, want %v", got, want)
	}
}

func TestHandler(t *testing.T) {
	h := Hello()
	got, err := Handler(h)()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	got.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Body.String() != "Hello, World!\n" {
		t.Errorf("Handler(Hello())() answers %q", rec.Body.String())
	}
}
