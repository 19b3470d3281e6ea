//go:build !race

package config

// largeAgents is the size of TestParseLargeCenter's call center: README's.
const largeAgents = 10_000
