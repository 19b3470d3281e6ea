package hrtimer

import (
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fdTimer is a timerfd on CLOCK_MONOTONIC, read through the runtime's
// poller by a goroutine that forwards each expiry to C.
type fdTimer struct {
	f    *os.File
	rc   syscall.RawConn
	done chan struct{} // closed when the reading goroutine returns
}

func newImpl(c chan<- time.Time) impl {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return newGoTimer(c)
	}
	t := &fdTimer{f: os.NewFile(uintptr(fd), "timerfd"), done: make(chan struct{})}
	if t.rc, err = t.f.SyscallConn(); err != nil {
		_ = t.f.Close()
		return newGoTimer(c)
	}
	go t.read(c)
	return t
}

func (t *fdTimer) read(c chan<- time.Time) {
	defer close(t.done)
	var expirations [8]byte
	for {
		if _, err := t.f.Read(expirations[:]); err != nil {
			return // closed
		}
		select {
		case c <- time.Now():
		default: // a tick is already waiting
		}
	}
}

func (t *fdTimer) arm(d time.Duration) { t.set(unix.NsecToTimespec(int64(d))) }
func (t *fdTimer) disarm()             { t.set(unix.Timespec{}) }

func (t *fdTimer) set(value unix.Timespec) {
	// Setting a valid time on a timerfd fails only once it is closed, and
	// Control refuses a closed file rather than touch a reused descriptor.
	_ = t.rc.Control(func(fd uintptr) {
		_ = unix.TimerfdSettime(int(fd), 0, &unix.ItimerSpec{Value: value}, nil)
	})
}

func (t *fdTimer) Close() error {
	err := t.f.Close()
	<-t.done
	return err
}
