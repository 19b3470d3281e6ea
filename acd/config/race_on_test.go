//go:build race

package config

// largeAgents is the size of TestParseLargeCenter's call center: smaller
// under the race detector, which slows a walk of the full size tenfold and
// finds nothing in this single-goroutine package.
const largeAgents = 2_000
