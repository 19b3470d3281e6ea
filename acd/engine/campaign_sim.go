package engine

import "time"

// ServeLeads fills the campaigns' hoppers from src every interval of virtual
// time, as the daemon's runtime does from the store: the read happens
// between the Core's inputs, and its result is one more input.
func (r *SimRun) ServeLeads(src LeadSource, every time.Duration) {
	var tick func()
	tick = func() {
		now := r.Clock.Now()
		for _, name := range r.Core.HopperWanted(now) {
			leads, err := ReadHopper(src, name, now, r.Core.HopperSize(name), r.Core.HopperFirst(name)...)
			r.Core.LoadLeads(now, name, leads, err)
			r.drain()
		}
		r.Clock.Schedule(now.Add(every), tick)
	}
	tick()
}
