// Package configs ships Hotline's example and demo configurations inside the
// binary, so `hotline demo` runs with no file on disk.
package configs

import _ "embed"

// Demo is the call center `hotline demo` runs on the simulated switch.
//
//go:embed demo.yaml
var Demo []byte

// Example documents every setting.
//
//go:embed hotline.example.yaml
var Example []byte
