package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The container example, examples/container, checked as far as a machine
// without a container runtime can: the image's command line passes
// --check-config with the image's config, the Dockerfile has the shape the
// docs promise, and the Kubernetes manifest probes, exposes and waits for
// what that config serves.

const containerDir = "../../examples/container"

// dockerfile is what the test reads from the Dockerfile's final stage.
type dockerfile struct {
	stages     int
	user       string
	stopSignal string
	entrypoint []string
	cmd        []string
	copies     map[string]string // destination in the image -> source in the context
}

func TestContainerImageCommandPassesCheckConfig(t *testing.T) {
	df := readDockerfile(t)
	if df.stages < 2 {
		t.Errorf("the Dockerfile has %d stage(s); want a build stage and a runtime stage", df.stages)
	}
	if df.user == "" || df.user == "root" || strings.HasPrefix(df.user, "0") {
		t.Errorf("USER %q: the image must run as a non-root user", df.user)
	}
	if df.stopSignal != "SIGTERM" {
		t.Errorf("STOPSIGNAL %q, want SIGTERM (gocorn's graceful stop)", df.stopSignal)
	}
	if len(df.entrypoint) == 0 || len(df.cmd) == 0 {
		t.Fatalf("ENTRYPOINT %q and CMD %q must both be in exec (JSON) form", df.entrypoint, df.cmd)
	}
	args := imageArgs(t, df, df.cmd)
	code, _, stderr := run(t, t.TempDir(), []string{"HOME=/nonexistent", "XDG_RUNTIME_DIR="}, append(args, "--check-config")...)
	if code != 0 {
		t.Fatalf("the image's command line %q fails --check-config (exit %d):\n%s", args, code, stderr)
	}
}

func TestKubernetesManifestMatchesTheConfig(t *testing.T) {
	df := readDockerfile(t)
	cfg := printedConfig(t, imageArgs(t, df, df.cmd))
	dep, svc := readManifest(t)
	c := dep.Spec.Template.Spec.Containers[0]
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if want := portOf(t, cfg["bind"].([]any)[0].(string)); ports["http"] != want {
		t.Errorf("containerPort http = %d, but the config binds port %d", ports["http"], want)
	}
	metrics := portOf(t, cfg["metrics_bind"].(string))
	if ports["metrics"] != metrics {
		t.Errorf("containerPort metrics = %d, but metrics_bind is port %d", ports["metrics"], metrics)
	}
	for _, p := range []struct {
		name  string
		probe *probe
		path  string
	}{{"readiness", c.ReadinessProbe, "/readyz"}, {"liveness", c.LivenessProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port != "metrics" {
			t.Errorf("%sProbe %+v, want httpGet %s on the metrics port", p.name, p.probe, p.path)
		}
	}
	stop := cfg["shutdown_delay"].(float64) + cfg["graceful_timeout"].(float64)
	if grace := dep.Spec.Template.Spec.TerminationGracePeriodSeconds; float64(grace) <= stop {
		t.Errorf("terminationGracePeriodSeconds %d must exceed shutdown_delay + graceful_timeout = %g", grace, stop)
	}
	if !c.SecurityContext.ReadOnlyRootFilesystem || !slices.ContainsFunc(c.VolumeMounts, func(m mount) bool {
		return strings.HasPrefix(cfg["control_socket"].(string), m.MountPath+"/")
	}) {
		t.Errorf("the root filesystem must be read-only with the control socket %v on a mounted volume (%+v)",
			cfg["control_socket"], c.VolumeMounts)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != "http" {
		t.Errorf("the Service must expose only the http port, not the metrics port: %+v", svc.Spec.Ports)
	}
}

// readDockerfile parses the few instructions the test checks.
func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	f, err := os.Open(filepath.Join(containerDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	df := dockerfile{copies: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		word, rest, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch word {
		case "FROM":
			df.stages++
			df.copies = map[string]string{}
		case "USER":
			df.user = rest
		case "STOPSIGNAL":
			df.stopSignal = rest
		case "ENTRYPOINT", "CMD":
			var argv []string
			if json.Unmarshal([]byte(rest), &argv) != nil {
				t.Fatalf("%s %s: not in exec form (a JSON array)", word, rest)
			}
			if word == "ENTRYPOINT" {
				df.entrypoint = argv
			} else {
				df.cmd = argv
			}
		case "COPY":
			if fields := strings.Fields(rest); !strings.HasPrefix(rest, "--from") && len(fields) == 2 {
				df.copies[fields[1]] = fields[0]
			}
		}
	}
	return df
}

// imageArgs is the image's command line with cmd, as arguments to the
// binary under test, each file the image carries replaced by its source.
func imageArgs(t *testing.T, df dockerfile, cmd []string) []string {
	t.Helper()
	var args []string
	for _, a := range append(slices.Clone(df.entrypoint[1:]), cmd...) {
		if src, ok := df.copies[a]; ok {
			a, _ = filepath.Abs(filepath.Join("../..", src)) // the build context is the module root
		}
		args = append(args, a)
	}
	return args
}

// printedConfig is --print-config's output as setting -> value.
func printedConfig(t *testing.T, args []string) map[string]any {
	t.Helper()
	code, stdout, stderr := run(t, t.TempDir(), nil, append(args, "--print-config")...)
	if code != 0 {
		t.Fatalf("--print-config: exit %d: %s", code, stderr)
	}
	cfg := map[string]any{}
	for line := range strings.SplitSeq(stdout, "\n") {
		name, value, ok := strings.Cut(line, "=")
		var v any
		if ok && json.Unmarshal([]byte(strings.TrimSpace(value)), &v) == nil {
			cfg[strings.TrimSpace(name)] = v
		}
	}
	return cfg
}

// portOf is the port of a HOST:PORT address.
func portOf(t *testing.T, addr string) int {
	t.Helper()
	port, err := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	if err != nil {
		t.Fatalf("%q has no port", addr)
	}
	return port
}

// The parts of the Kubernetes objects the test reads.
type (
	probe struct {
		HTTPGet struct {
			Path string `json:"path"`
			Port string `json:"port"`
		} `json:"httpGet"`
	}
	mount struct {
		MountPath string `json:"mountPath"`
	}
	deployment struct {
		Kind string `json:"kind"`
		Spec struct {
			Template struct {
				Spec struct {
					TerminationGracePeriodSeconds int `json:"terminationGracePeriodSeconds"`
					Containers                    []struct {
						Ports []struct {
							Name          string `json:"name"`
							ContainerPort int    `json:"containerPort"`
						} `json:"ports"`
						ReadinessProbe  *probe `json:"readinessProbe"`
						LivenessProbe   *probe `json:"livenessProbe"`
						SecurityContext struct {
							ReadOnlyRootFilesystem bool `json:"readOnlyRootFilesystem"`
						} `json:"securityContext"`
						VolumeMounts []mount `json:"volumeMounts"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	service struct {
		Kind string `json:"kind"`
		Spec struct {
			Ports []struct {
				TargetPort string `json:"targetPort"`
			} `json:"ports"`
		} `json:"spec"`
	}
)

// readManifest parses kubernetes.yaml's two documents strictly: a field
// the test's structs do not know is fine, a YAML error is not.
func readManifest(t *testing.T) (deployment, service) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(containerDir, "kubernetes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(data), "\n---\n")
	if len(docs) != 2 {
		t.Fatalf("kubernetes.yaml has %d documents, want a Deployment and a Service", len(docs))
	}
	var dep deployment
	var svc service
	if err := yaml.Unmarshal([]byte(docs[0]), &dep); err != nil || dep.Kind != "Deployment" || len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("the first document is not a Deployment with one container: %v", err)
	}
	if err := yaml.Unmarshal([]byte(docs[1]), &svc); err != nil || svc.Kind != "Service" {
		t.Fatalf("the second document is not a Service: %v", err)
	}
	return dep, svc
}
