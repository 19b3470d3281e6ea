// Package snowball holds the English and Russian Snowball stemmers of
// github.com/kljensen/snowball v0.10.0 (MIT, see LICENSE), unchanged but
// for import paths and gofmt. They are kept here rather than imported because that
// module's romance package imports package testing from a non-test file,
// which would link testing into the hotline binary.
package snowball
