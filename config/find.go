package config

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/gosinit/gosinit/internal/textf"
)

// Find returns the configuration file to use when none is given: the
// value of GOSINIT_CONFIG when it is set, else the first file that exists
// on supervisord's search path (options.py Options.__init__), where <exe>
// is the directory of the running executable:
//
//	<exe>/../etc/supervisord.conf
//	<exe>/../supervisord.conf
//	./supervisord.conf
//	./etc/supervisord.conf
//	/etc/supervisord.conf
//	/etc/supervisor/supervisord.conf
func Find(environ []string) (string, error) {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "GOSINIT_CONFIG="); ok && v != "" {
			return v, nil
		}
	}
	var paths []string
	if exe, err := os.Executable(); err == nil {
		up := filepath.Dir(filepath.Dir(exe))
		paths = append(paths, filepath.Join(up, "etc", "supervisord.conf"), filepath.Join(up, "supervisord.conf"))
	}
	paths = append(paths, "supervisord.conf", "etc/supervisord.conf",
		"/etc/supervisord.conf", "/etc/supervisor/supervisord.conf")
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", textf.Errorf("find config: GOSINIT_CONFIG is not set and none of these exists: %s", strings.Join(paths, ", "))
}
