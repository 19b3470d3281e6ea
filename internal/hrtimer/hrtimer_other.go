//go:build !linux

package hrtimer

import "time"

func newImpl(c chan<- time.Time) impl { return newGoTimer(c) }
