package jsonlite

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
)

// field is one struct field as JSON sees it.
type field struct {
	name      string
	index     int
	typ       reflect.Type
	omitEmpty bool
}

// structInfo is what fieldsOf found for one struct type.
type structInfo struct {
	fields []field
	err    error
}

var fieldCache sync.Map // reflect.Type -> *structInfo

// fieldsOf returns the JSON fields of struct type t in declaration order,
// or why t is outside the subset.
func fieldsOf(t reflect.Type) ([]field, error) {
	if si, ok := fieldCache.Load(t); ok {
		return si.(*structInfo).fields, si.(*structInfo).err
	}
	fs, err := typeFields(t)
	si, _ := fieldCache.LoadOrStore(t, &structInfo{fs, err})
	return si.(*structInfo).fields, si.(*structInfo).err
}

// typeFields applies encoding/json's rules for fields that are not
// embedded structs: unexported fields and `json:"-"` are left out, a tag
// name that is not valid falls back to the Go name.
func typeFields(t reflect.Type) ([]field, error) {
	var fs []field
	seen := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if !sf.IsExported() && ft.Kind() != reflect.Struct {
				continue // encoding/json ignores these too
			}
			if ft.Kind() == reflect.Struct && name == "" {
				return nil, fmt.Errorf("embedded struct %s is not supported", sf.Name)
			}
		} else if !sf.IsExported() {
			continue
		}
		if !validName(name) {
			name = sf.Name
		}
		f := field{name: name, index: i, typ: sf.Type}
		for opts != "" {
			var opt string
			opt, opts, _ = strings.Cut(opts, ",")
			switch opt {
			case "omitempty":
				f.omitEmpty = true
			case "":
			default:
				return nil, fmt.Errorf("field %s: tag option %q is not supported", sf.Name, opt)
			}
		}
		if seen[name] {
			return nil, fmt.Errorf("two fields are named %q", name)
		}
		seen[name] = true
		fs = append(fs, f)
	}
	return fs, nil
}

// validName is encoding/json's isValidTag: letters, digits and most
// punctuation, but no backslash or quote.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// lookup finds the field a key names: an exact match, else the first
// field whose name matches ignoring case (Unicode simple folding, as
// encoding/json's foldName).
func lookup(fs []field, key []byte) *field {
	for i := range fs {
		if fs[i].name == string(key) {
			return &fs[i]
		}
	}
	for i := range fs {
		if strings.EqualFold(fs[i].name, string(key)) {
			return &fs[i]
		}
	}
	return nil
}
