package proc

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// Every move a worker can make, and only those: a worker never boots
// again, never comes back once told to go, and only gone is final.
func TestWorkerStateMoves(t *testing.T) {
	allowed := map[string]bool{}
	for _, m := range strings.Fields(`
		booting>ready booting>retiring booting>stopping booting>killed booting>gone
		ready>retiring ready>stopping ready>aborting ready>killed ready>gone
		retiring>stopping retiring>aborting retiring>killed retiring>gone
		stopping>aborting stopping>killed stopping>gone
		aborting>killed aborting>gone
		killed>gone`) {
		allowed[m] = true
	}
	for from := booting; from <= gone; from++ {
		for to := booting; to <= gone; to++ {
			move := fmt.Sprintf("%s>%s", from, to)
			if got := from.canBecome(to); got != allowed[move] {
				t.Errorf("%s: canBecome = %t, want %t", move, got, allowed[move])
			}
		}
	}
}

// move is the one place a state changes: it stamps the time, and refuses
// and logs a move the machine does not allow.
func TestMoveRefusesImpossibleMoves(t *testing.T) {
	var log logBuffer
	sys := newFakeSystem()
	f := newFleet(sys, newTestLogger(&log, slog.LevelDebug), fleetHooks{}, basePolicy)
	w := &worker{pid: 7, state: booting}
	if !f.move(w, ready) || w.state != ready || !w.since.Equal(sys.now) {
		t.Fatalf("booting -> ready: state %s since %s", w.state, w.since)
	}
	sys.advance(1)
	if f.move(w, booting) || w.state != ready || !w.since.Before(sys.now) {
		t.Fatalf("ready -> booting was allowed: state %s", w.state)
	}
	if !log.has("[ERROR] Worker (pid:7) cannot go from ready to booting; it stays ready") {
		t.Errorf("the refusal was not logged:\n%s", log.String())
	}
}
