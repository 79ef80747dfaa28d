package docker

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExampleConfigs: the shipped supervisord.conf loads without a warning,
// in the binary built from this tree. No engine needed.
func TestExampleConfigs(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gosinit")
	build := exec.Command("go", "build", "-o", bin, "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, conf := range []string{"multi/supervisord.conf"} {
		t.Run(conf, func(t *testing.T) {
			out, err := exec.Command(bin, "check", "--strict", "-c", conf).CombinedOutput()
			if err != nil {
				t.Errorf("gosinit check --strict -c %s: %v\n%s", conf, err, out)
			}
		})
	}
}

// TestExampleFiles: the unit, the pod and the images say what README.md
// says they do.
func TestExampleFiles(t *testing.T) {
	tests := []struct {
		file string
		want []string // lines (trimmed) the file must contain
	}{
		{"gosinit.service", []string{
			"Type=notify",
			"ExecStart=/usr/local/bin/gosinit -c /etc/supervisor/supervisord.conf",
			"ExecReload=/usr/local/bin/gosinit reload",
			"KillMode=mixed",
			"Restart=on-failure",
			"TimeoutStopSec=90",
			"WantedBy=multi-user.target",
		}},
		{"k8s/pod.yaml", []string{
			"terminationGracePeriodSeconds: 30",
			`command: ["gosinit", "status"]`,
			"readinessProbe:",
			"livenessProbe:",
		}},
		{"multi/Dockerfile", []string{
			"COPY --from=gosinit /gosinit /usr/local/bin/gosinit",
			`ENTRYPOINT ["gosinit", "-c", "/etc/gosinit/supervisord.conf"]`,
		}},
		{"single/Dockerfile", []string{
			"COPY --from=gosinit /gosinit /usr/local/bin/gosinit",
			`ENTRYPOINT ["gosinit", "--"]`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			lines := map[string]bool{}
			for _, l := range strings.Split(string(b), "\n") {
				lines[strings.TrimSpace(l)] = true
			}
			for _, w := range tt.want {
				if !lines[w] {
					t.Errorf("%s: no line %q", tt.file, w)
				}
			}
		})
	}
}
