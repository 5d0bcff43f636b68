package proc

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"
)

// step is what the master's loop does after each event, as far as boots
// go: reap, kill the workers past boot_timeout, recycle, reconcile. It
// fails the test if more than the policy's max_concurrent_boots workers
// are booting afterwards.
func (ft *fleetTest) step() *haltError {
	ft.t.Helper()
	for {
		pid, ws, ok := ft.sys.Reap()
		if !ok {
			break
		}
		if h := ft.f.exited(pid, ws); h != nil {
			return h
		}
	}
	ft.f.checkBootTimeouts(ft.sys.now)
	ft.f.checkRecycling(ft.sys.now)
	ft.f.reconcile()
	if limit, n := ft.f.policy.maxBoots, len(ft.f.unbooted()); limit > 0 && n > limit {
		ft.t.Fatalf("%d workers booting, max_concurrent_boots is %d: %s", n, limit, ft.states())
	}
	return nil
}

// bootingIDs lists the ids of the workers booting, oldest first.
func (ft *fleetTest) bootingIDs() []int {
	var ids []int
	for _, w := range ft.f.unbooted() {
		ids = append(ids, w.id)
	}
	return ids
}

// readyAll makes every booting worker ready, one step at a time, until
// none boots, and returns how many rounds of boots that took.
func (ft *fleetTest) readyAll() int {
	ft.t.Helper()
	rounds := 0
	for ids := ft.bootingIDs(); len(ids) > 0 && rounds < 100; ids = ft.bootingIDs() {
		rounds++
		ft.sys.advance(time.Second)
		ft.ready(ids...)
		if h := ft.step(); h != nil {
			ft.t.Fatalf("halted: %v", h)
		}
	}
	return rounds
}

// max_concurrent_boots holds back the workers beyond the limit, whatever
// started them, and starts them as booting ones become ready or exit.
func TestMaxConcurrentBoots(t *testing.T) {
	for _, tc := range []struct {
		name    string
		workers int // started with the limit in force
		limit   int
		then    func(ft *fleetTest)
		want    string // after then and a step
		rounds  int    // rounds of boots from then on until none boots
	}{
		{name: "start of 8 with a limit of 2", workers: 8, limit: 2,
			want: "1:booting 2:booting", rounds: 4},
		{name: "no limit", workers: 8, limit: 0,
			want: "1:booting 2:booting 3:booting 4:booting 5:booting 6:booting 7:booting 8:booting", rounds: 1},
		{name: "a boot that exits frees its slot", workers: 3, limit: 1,
			then: func(ft *fleetTest) { ft.sys.exit(ft.pid(1), exited(70)) },
			want: "2:booting", rounds: 3},
		{name: "TTIN beyond the limit queues", workers: 2, limit: 2,
			then: func(ft *fleetTest) { ft.readyAll(); ft.f.setTarget(7) },
			want: "1:ready 2:ready 3:booting 4:booting", rounds: 3},
		{name: "timeouts are replaced within the limit", workers: 4, limit: 1,
			then: func(ft *fleetTest) {
				ft.readyAll()
				for _, id := range []int{1, 2, 3} {
					ft.f.abort(ft.byID(id), "test")
				}
			},
			want: "1:aborting 2:aborting 3:aborting 4:ready 5:booting", rounds: 3},
		{name: "recycling is replaced within the limit", workers: 3, limit: 1,
			then: func(ft *fleetTest) {
				ft.readyAll()
				ft.byID(1).recycle, ft.byID(2).recycle = "max_requests", "max_requests"
			},
			want: "1:retiring 2:ready 3:ready 4:booting", rounds: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := newFleetTest(t, policy{maxBoots: tc.limit}, tc.workers)
			if tc.then != nil {
				tc.then(ft)
			}
			ft.step()
			ft.want(tc.want)
			if got := ft.readyAll(); got != tc.rounds {
				t.Errorf("the workers booted in %d rounds, want %d", got, tc.rounds)
			}
			if n := len(ft.f.workersIn(ready)); n != ft.f.target {
				t.Errorf("%d workers ready in the end, want %d: %s", n, ft.f.target, ft.states())
			}
		})
	}
}

// A HUP of 8 workers with max_concurrent_boots = 2 rolls in pairs: two new
// workers boot at a time, and each old one serves until a replacement is
// ready, so 8 workers serve throughout.
func TestHUPRollsInGroupsOfTheLimit(t *testing.T) {
	p := policy{maxBoots: 2}
	ft := newFleetTest(t, p, 8)
	ft.readyAll()
	ft.f.newGeneration(p, ft.sys.now)
	ft.step()
	var rounds [][]int
	for ids := ft.bootingIDs(); len(ids) > 0 && len(rounds) < 10; ids = ft.bootingIDs() {
		rounds = append(rounds, ids)
		if n := ft.serving(); n != 8 {
			t.Fatalf("%d workers serving during the HUP, want 8: %s", n, ft.states())
		}
		ft.sys.advance(time.Second)
		ft.ready(ids...)
		ft.step()
	}
	want := [][]int{{9, 10}, {11, 12}, {13, 14}, {15, 16}}
	if !slices.EqualFunc(rounds, want, slices.Equal[[]int]) {
		t.Errorf("workers booted in rounds %v, want %v", rounds, want)
	}
	ft.want("1:stopping 2:stopping 3:stopping 4:stopping 5:stopping 6:stopping 7:stopping 8:stopping " +
		"9:ready 10:ready 11:ready 12:ready 13:ready 14:ready 15:ready 16:ready")
	ft.wantLog("Reload complete: generation 2, 8 workers ready in 4s")
}

// A worker not ready boot_timeout after it started is killed, logged as a
// boot timeout with the time it took, counted, and handled as a worker
// that failed to boot: the master halts with code 3 if nothing ever
// served, and otherwise the serving generation goes on.
func TestBootTimeout(t *testing.T) {
	const limit = 5 * time.Second
	p := policy{bootTimeout: limit}
	for _, tc := range []struct {
		name   string
		before func(ft *fleetTest) // the newest worker is the one that times out
		after  string              // the fleet once the worker is killed
		halt   *haltError
		line   string
	}{
		{name: "at start", after: "1:killed", // nothing starts: the master halts once it is reaped
			halt: &haltError{code: exitBoot, reason: "Worker failed to boot. it did not boot within 5s (boot_timeout)"}},
		{name: "during a HUP",
			before: func(ft *fleetTest) {
				ft.ready(1)
				ft.f.newGeneration(p, ft.sys.now)
				ft.step()
			},
			after: "1:retiring 2:killed 3:booting", // the next try boots at once
			line: "[WARNING] Generation 2 cannot boot yet (worker pid:102: it did not boot within 5s (boot_timeout)); " +
				"workers of generation [1] keep serving"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := newFleetTest(t, p, 1)
			if tc.before != nil {
				tc.before(ft)
			}
			id := len(ft.sys.workers)
			ft.sys.advance(limit - time.Millisecond)
			if h := ft.step(); h != nil || len(ft.sys.signals) > 0 {
				t.Fatalf("before boot_timeout: halt %v, signals %v", h, ft.sys.signals)
			}
			ft.sys.advance(301 * time.Millisecond)
			h := ft.step() // kills
			ft.want(tc.after)
			if h == nil {
				h = ft.step() // reaps
			}
			ft.wantLog(fmt.Sprintf("[ERROR] Worker (pid:%d) did not boot within 5s (boot_timeout); killed after 5.3s", ft.pid(id)))
			ft.wantLog(fmt.Sprintf("Worker (pid:%d) was sent SIGKILL! (killed by the master: boot_timeout)", ft.pid(id)))
			if sigs := ft.sys.signalsTo(ft.pid(id)); !slices.Equal(sigs, []syscall.Signal{syscall.SIGKILL}) {
				t.Errorf("signals %v, want SIGKILL", sigs)
			}
			if (h == nil) != (tc.halt == nil) || (h != nil && *h != *tc.halt) {
				t.Fatalf("halt %+v, want %+v", h, tc.halt)
			}
			if c := ft.f.counts; c.BootTimeouts != 1 || c.BootFailures != 1 {
				t.Errorf("counts %+v, want 1 boot timeout and 1 boot failure", c)
			}
			if tc.line != "" {
				ft.wantLog(tc.line)
				ft.want(fmt.Sprintf("1:retiring %d:booting", id+1)) // the old worker serves; another try boots
			}
		})
	}
}

// boot_timeout counts from a worker's start, not from when the reconcile
// first wanted it: workers max_concurrent_boots held back are not charged
// their wait, and a timeout frees the slot for the next.
func TestBootTimeoutIgnoresTheWaitForASlot(t *testing.T) {
	ft := newFleetTest(t, policy{bootTimeout: 5 * time.Second, maxBoots: 2}, 4)
	ft.sys.advance(4 * time.Second)
	ft.ready(1, 2)
	ft.step()
	ft.want("1:ready 2:ready 3:booting 4:booting")
	ft.sys.advance(4 * time.Second) // 8 s after the start, 4 s into their boot
	ft.step()
	ft.want("1:ready 2:ready 3:booting 4:booting")
	ft.sys.advance(time.Second)
	ft.step() // kills, and starts the next two in their slots
	ft.want("1:ready 2:ready 3:killed 4:killed 5:booting 6:booting")
	if c := ft.f.counts; c.BootTimeouts != 2 {
		t.Errorf("%d boot timeouts, want 2", c.BootTimeouts)
	}
}

// timeout is for workers that are ready: a worker still booting after
// many times timeout is left alone unless boot_timeout is set.
func TestTimeoutIsNotABootTimeout(t *testing.T) {
	ft := newFleetTest(t, policy{timeout: time.Second}, 1)
	ft.sys.advance(time.Hour)
	ft.f.checkTimeouts(ft.sys.now)
	ft.step()
	ft.want("1:booting")
}

// The master reads both settings into the fleet's policy, and a HUP
// changes them for the workers it starts from then on.
func TestBootSettingsReachTheFleet(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nworkers = 4\nmax_concurrent_boots = 1\n")
	mt.want("1:booting")
	mt.ready(1)
	mt.step()
	mt.want("1:ready 2:booting")

	mt.write("bind = [\"127.0.0.1:0\"]\nworkers = 4\nmax_concurrent_boots = 3\nboot_timeout = 2.5\n")
	mt.m.reload()
	if p := mt.f.policy; p.maxBoots != 3 || p.bootTimeout != 2500*time.Millisecond {
		t.Fatalf("policy after HUP has max_concurrent_boots %d, boot_timeout %s; want 3 and 2.5s", p.maxBoots, p.bootTimeout)
	}
	mt.wantLog("Reload: boot_timeout changed from 0.0 to 2.5")
	mt.step()
	mt.want("1:retiring 2:retiring 3:booting 4:booting")
}

// A stop does not wait for a worker still booting past boot_timeout: it
// is killed at the boot_timeout as while running, not at the end of
// graceful_timeout.
func TestStopKillsABootPastBootTimeout(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nboot_timeout = 2\n")
	mt.m.handleSignal(syscall.SIGTERM)
	mt.sys.advance(2 * time.Second)
	mt.step()
	mt.wantLog(fmt.Sprintf("Worker (pid:%d) did not boot within 2s (boot_timeout); killed after 2.0s", mt.pid(1)))
	if code, done := mt.m.step(); !done || code != 0 {
		t.Fatalf("the master did not stop with code 0 once its booting worker was killed (done %t, code %d)", done, code)
	}
}

// The master's loop is woken when the next booting worker reaches
// boot_timeout, one timer per deadline, and none once no worker boots.
func TestBootTimeoutWakesTheLoop(t *testing.T) {
	ft := newFleetTest(t, policy{bootTimeout: 5 * time.Second, maxBoots: 1}, 2)
	ft.step()
	ft.sys.advance(2 * time.Second)
	ft.step() // the same deadline: no new timer
	ft.ready(1)
	ft.step() // starts worker 2
	ft.sys.advance(time.Second)
	ft.step()
	want := []time.Duration{5 * time.Second, 4 * time.Second}
	if !slices.Equal(ft.sys.timers, want) || ft.f.bootWake == nil {
		t.Fatalf("timers %v (armed %t), want %v", ft.sys.timers, ft.f.bootWake != nil, want)
	}
	ft.ready(2)
	ft.step()
	if ft.f.bootWake != nil || len(ft.sys.timers) != 2 {
		t.Errorf("a timer is armed with no worker booting: %v", ft.sys.timers)
	}
}
