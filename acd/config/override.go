package config

import (
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/internal/textcheck"
)

// Override sets one scalar setting, named by its path as in the YAML file
// ("pbx.asterisk.url", "queues" and other lists excluded), from text the way
// an environment variable or a flag carries it. origin ("HOTLINE_PBX_TYPE",
// "--log-level") is what later problems with this setting name instead of a
// file line. Durations need a unit as in the file; booleans are true/false.
func (c *Config) Override(path, value, origin string) error {
	r := &report{src: &source{file: origin}}
	field, err := settingField(reflect.ValueOf(c).Elem(), path)
	if err != nil {
		r.addAt(0, path, err.Error())
		return r.err()
	}
	if msg := setScalar(field, value); msg != "" {
		r.addAt(0, path, msg)
		return r.err()
	}
	// Copies of a Config share src; give this one its own origins.
	var src source
	if c.src != nil {
		src = *c.src
	}
	src.origins = maps.Clone(src.origins)
	if src.origins == nil {
		src.origins = map[string]string{}
	}
	src.origins[path] = origin
	c.src = &src
	return nil
}

// settingField finds the scalar field a dotted path names, through structs only.
func settingField(v reflect.Value, path string) (reflect.Value, error) {
	for key := range strings.SplitSeq(path, ".") {
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, fmt.Errorf("not a single setting")
		}
		f, ok := structField(v.Type(), key)
		if !ok {
			return reflect.Value{}, fmt.Errorf("no such setting")
		}
		v = v.FieldByIndex(f.Index)
	}
	switch v.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Map, reflect.Pointer:
		return reflect.Value{}, fmt.Errorf("not a single setting")
	}
	return v, nil
}

// setScalar parses s into v and returns "" or what is wrong with s.
func setScalar(v reflect.Value, s string) string {
	switch {
	case v.Type() == durationType:
		if msg := durationProblem(s); msg != "" {
			return msg
		}
		d, _ := time.ParseDuration(s)
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		if err := textcheck.Check(s); err != nil {
			return err.Error() // as in the file
		}
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Sprintf("want true or false, got %q", s)
		}
		v.SetBool(b)
	case v.CanInt():
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Sprintf("want a whole number, got %q", s)
		}
		v.SetInt(n)
	case v.CanFloat():
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return fmt.Sprintf("want a number, got %q", s)
		}
		v.SetFloat(f)
	default:
		return "cannot be overridden"
	}
	return ""
}
