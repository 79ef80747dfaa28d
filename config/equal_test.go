package config

import (
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// positionFields are the fields of Process that say where a setting was
// written, not what it is: Equal ignores them.
var positionFields = map[string]bool{"Pos": true, "userPos": true, "stdoutPos": true, "stderrPos": true}

func sampleProcess() *Process {
	user, dir, um := "app", "/srv", Umask(0o22)
	return &Process{
		Name: "web", Group: "web", Program: "web", Num: 0,
		Command: "/bin/web -p 80", Argv: []string{"/bin/web", "-p", "80"},
		Priority: 999, Autostart: true, Autorestart: AutorestartUnexpected,
		Startsecs: time.Second, Startretries: 3, Exitcodes: []int{0}, Stopsignal: 15,
		Stopwaitsecs: 10 * time.Second, User: &user, Directory: &dir, Umask: &um,
		Stdout:      LogSpec{Path: "/var/log/web.log", Maxbytes: 50 << 20, Backups: 10, Prefix: "web | "},
		Stderr:      LogSpec{Auto: true, Maxbytes: 50 << 20, Backups: 10},
		Environment: map[string]string{"A": "1"},
		Pos:         Pos{"/etc/supervisord.conf", 10},
		Socket:      &Socket{URL: "unix:///run/web.sock", Path: "/run/web.sock", Mode: 0o700},
	}
}

// mutate changes v (settable) to a different value of its type.
func mutate(t *testing.T, v reflect.Value, name string) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(v.Int() + 1)
	case reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Slice:
		v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.ValueOf("NEW"), reflect.ValueOf("1"))
		v.Set(m)
	case reflect.Struct:
		i := 0
		if v.Type().Field(0).Name == "_" {
			i = 1 // [0]func(), incomparable
		}
		mutate(t, settable(v, i), name+"."+v.Type().Field(i).Name)
	case reflect.Pointer:
		n := reflect.New(v.Type().Elem())
		n.Elem().Set(v.Elem())
		mutate(t, n.Elem(), name)
		v.Set(n)
	default:
		t.Fatalf("field %s: kind %s: teach mutate and Equal about it", name, v.Kind())
	}
}

// settable is field i of the struct at v, settable even when unexported.
func settable(v reflect.Value, i int) reflect.Value {
	f := v.Field(i)
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}

func TestProcessEqualCoversEveryField(t *testing.T) {
	base := sampleProcess()
	if !base.Equal(sampleProcess()) {
		t.Fatal("two equal processes are not Equal")
	}
	typ := reflect.TypeOf(*base)
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		// Each field, and each field of a struct-typed field, changed alone.
		type target struct {
			name string
			path []int
		}
		var targets []target
		if f.Type.Kind() == reflect.Struct && !positionFields[f.Name] {
			for j := 0; j < f.Type.NumField(); j++ {
				if f.Type.Field(j).Name == "_" {
					continue // [0]func(), incomparable
				}
				targets = append(targets, target{f.Name + "." + f.Type.Field(j).Name, []int{i, j}})
			}
		} else {
			targets = append(targets, target{f.Name, []int{i}})
		}
		for _, tg := range targets {
			if tg.name == "Num" {
				continue // process_num: supervisord's __eq__ skips it; TestNumNotCompared
			}
			q := sampleProcess()
			v := reflect.ValueOf(q).Elem()
			for _, k := range tg.path {
				v = settable(v, k)
			}
			if positionFields[f.Name] {
				v.Set(reflect.ValueOf(Pos{"/etc/other.conf", 99}))
				if !base.Equal(q) {
					t.Errorf("changing %s (where a key is written) makes the process unequal", tg.name)
				}
				continue
			}
			mutate(t, v, tg.name)
			if base.Equal(q) || q.Equal(base) {
				t.Errorf("changing %s alone leaves the process Equal: Equal misses it", tg.name)
			}
		}
	}
	// nil against set pointers, both ways
	q := sampleProcess()
	q.User = nil
	if base.Equal(q) || q.Equal(base) {
		t.Error("user= set and unset compare Equal")
	}
}

// TestSocketEqualCoversEveryField: an fcgi-program whose socket setting
// changes is a changed program to a reload (its group restarts with a new
// socket); where socket= or socket_owner is written does not count.
func TestSocketEqualCoversEveryField(t *testing.T) {
	base := sampleProcess()
	typ := reflect.TypeOf(*base.Socket)
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if f.Name == "_" {
			continue // [0]func(), incomparable
		}
		q := sampleProcess()
		v := settable(reflect.ValueOf(q.Socket).Elem(), i)
		if f.Type == reflect.TypeOf(Pos{}) {
			v.Set(reflect.ValueOf(Pos{"/etc/other.conf", 99}))
			if !base.Equal(q) {
				t.Errorf("changing Socket.%s (where a key is written) makes the process unequal", f.Name)
			}
			continue
		}
		mutate(t, v, "Socket."+f.Name)
		if base.Equal(q) || q.Equal(base) {
			t.Errorf("changing Socket.%s alone leaves the process Equal: Equal misses it", f.Name)
		}
	}
	q := sampleProcess()
	q.Socket = nil
	if base.Equal(q) || q.Equal(base) {
		t.Error("a process with a socket and one without compare Equal")
	}
}

// TestNumNotCompared: a process that differs only in process_num (a new
// numprocs_start used in no name or command) is unchanged, as supervisord's
// ProcessConfig.__eq__ does not compare it.
func TestNumNotCompared(t *testing.T) {
	q := sampleProcess()
	q.Num = 7
	if !sampleProcess().Equal(q) {
		t.Error("a process differing only in Num is not Equal: a reload would restart it")
	}
}
