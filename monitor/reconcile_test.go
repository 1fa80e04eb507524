package monitor

import (
	"slices"
	"strings"
	"testing"
	"time"

	"qualstate"
)

var opened = testNow.Add(-24 * time.Hour)

// deviation is an active deviation as the store would return it.
func deviation(id string, kind qualstate.DeviationKind, logicalID, reqOrPath string, state qualstate.DeviationState) qualstate.Deviation {
	d := qualstate.Deviation{
		ID: id, InstanceID: "records", Key: qualstate.DeviationKey(kind, logicalID, reqOrPath), Kind: kind,
		LogicalID: logicalID, Trigger: "schedule", Opened: opened, Evidence: []string{"sha256:old"},
	}
	switch kind {
	case qualstate.DeviationCheck:
		d.RequirementID = reqOrPath
	case qualstate.DeviationDrift:
		d.Path = reqOrPath
	}
	d.Move(opened, "system", qualstate.DeviationOpen, "opened", "seen")
	if state != qualstate.DeviationOpen {
		d.Move(opened, "alice", state, string(state), "")
	}
	if state == qualstate.DeviationAccepted {
		d.Waiver = &qualstate.WaiverRef{ID: "W-1", Expires: testNow.Add(time.Hour)}
	}
	return d
}

func observation(kind qualstate.DeviationKind, logicalID, reqOrPath string, waiver string) Observation {
	o := Observation{Key: qualstate.DeviationKey(kind, logicalID, reqOrPath), Kind: kind, LogicalID: logicalID,
		ResourceType: "AWS::Logs::LogGroup", PhysicalID: "records-logs-xyz", Expected: "365", Actual: "7",
		Reason: "it differs", Evidence: []string{"sha256:new"}}
	switch kind {
	case qualstate.DeviationCheck:
		o.RequirementID, o.Risk = reqOrPath, qualstate.RiskHigh
	case qualstate.DeviationDrift:
		o.Path = reqOrPath
	}
	if waiver != "" {
		o.Waiver = &qualstate.WaiverRef{ID: waiver, Expires: testNow.Add(time.Hour)}
	}
	return o
}

func outcome(evaluated []string, obs ...Observation) Outcome {
	out := Outcome{Observations: obs, Evaluated: map[string]bool{}, Undecided: map[string]bool{},
		Evidence: map[string]string{}}
	for _, id := range evaluated {
		out.Evaluated[id] = true
		out.Evidence[id] = "sha256:read-" + id
	}
	return out
}

func TestReconcile(t *testing.T) {
	const (
		drift  = qualstate.DeviationDrift
		check  = qualstate.DeviationCheck
		open   = qualstate.DeviationOpen
		ack    = qualstate.DeviationAcknowledged
		treat  = qualstate.DeviationTreated
		accept = qualstate.DeviationAccepted
		closed = qualstate.DeviationClosed
	)
	type want struct {
		action string
		key    string
		state  qualstate.DeviationState
		waiver string
		// note is a part of the history entry's note.
		note string
	}
	tests := []struct {
		name   string
		active []qualstate.Deviation
		out    Outcome
		want   []want
	}{
		{name: "new observation opens",
			out:  outcome([]string{"Logs"}, observation(drift, "Logs", "/RetentionInDays", "")),
			want: []want{{"opened", "drift|Logs|/RetentionInDays", open, "", "it differs"}}},
		{name: "new waived observation opens accepted",
			out:  outcome([]string{"Logs"}, observation(check, "Logs", "LOGS.RETENTION", "W-7")),
			want: []want{{"opened", "check|Logs|LOGS.RETENTION", accept, "W-7", "accepted: waived by W-7"}}},
		{name: "still observed: nothing changes",
			active: []qualstate.Deviation{deviation("D-1", drift, "Logs", "/RetentionInDays", open)},
			out:    outcome([]string{"Logs"}, observation(drift, "Logs", "/RetentionInDays", ""))},
		{name: "no longer observed on an evaluated resource: closed",
			active: []qualstate.Deviation{deviation("D-1", drift, "Logs", "/RetentionInDays", ack)},
			out:    outcome([]string{"Logs"}),
			want:   []want{{"closed", "drift|Logs|/RetentionInDays", closed, "", "back in the qualified state (event E-1)"}}},
		{name: "resource not evaluated: untouched",
			active: []qualstate.Deviation{deviation("D-1", drift, "Logs", "/RetentionInDays", open)},
			out:    outcome([]string{"Bucket"})},
		{name: "check undecided: untouched",
			active: []qualstate.Deviation{deviation("D-1", check, "Logs", "LOGS.RETENTION", open)},
			out: func() Outcome {
				o := outcome([]string{"Logs"})
				o.Undecided["check|Logs|LOGS.RETENTION"] = true
				return o
			}()},
		{name: "accepted whose waiver ended: reopened",
			active: []qualstate.Deviation{deviation("D-1", check, "Logs", "LOGS.RETENTION", accept)},
			out:    outcome([]string{"Logs"}, observation(check, "Logs", "LOGS.RETENTION", "")),
			want:   []want{{"reopened", "check|Logs|LOGS.RETENTION", open, "", "waiver W-1 no longer covers it"}}},
		{name: "accepted and still waived: untouched",
			active: []qualstate.Deviation{deviation("D-1", check, "Logs", "LOGS.RETENTION", accept)},
			out:    outcome([]string{"Logs"}, observation(check, "Logs", "LOGS.RETENTION", "W-1"))},
		{name: "accepted and no longer observed: closed",
			active: []qualstate.Deviation{deviation("D-1", check, "Logs", "LOGS.RETENTION", accept)},
			out:    outcome([]string{"Logs"}),
			want:   []want{{"closed", "check|Logs|LOGS.RETENTION", closed, "W-1", "back in the qualified state"}}},
		{name: "open now waived: accepted",
			active: []qualstate.Deviation{deviation("D-1", check, "Logs", "LOGS.RETENTION", open)},
			out:    outcome([]string{"Logs"}, observation(check, "Logs", "LOGS.RETENTION", "W-9")),
			want:   []want{{"accepted", "check|Logs|LOGS.RETENTION", accept, "W-9", "waived by W-9 until"}}},
		{name: "acknowledged now waived: accepted",
			active: []qualstate.Deviation{deviation("D-1", drift, "Logs", "/RetentionInDays", ack)},
			out:    outcome([]string{"Logs"}, observation(drift, "Logs", "/RetentionInDays", "W-9")),
			want:   []want{{"accepted", "drift|Logs|/RetentionInDays", accept, "W-9", "waived by W-9"}}},
		{name: "treated and still observed: stays treated",
			active: []qualstate.Deviation{deviation("D-1", check, "Logs", "LOGS.RETENTION", treat)},
			out:    outcome([]string{"Logs"}, observation(check, "Logs", "LOGS.RETENTION", "W-9"))},
		{name: "treated and no longer observed: closed",
			active: []qualstate.Deviation{deviation("D-1", check, "Logs", "LOGS.RETENTION", treat)},
			out:    outcome([]string{"Logs"}),
			want:   []want{{"closed", "check|Logs|LOGS.RETENTION", closed, "", "back in the qualified state"}}},
		{name: "added: closed when the listing no longer has it",
			active: []qualstate.Deviation{deviation("D-1", qualstate.DeviationAdded, "Extra", "", open)},
			out:    func() Outcome { o := outcome(nil); o.Listed = true; return o }(),
			want:   []want{{"closed", "added|Extra|", closed, "", "back in the qualified state"}}},
		{name: "added: untouched without a listing",
			active: []qualstate.Deviation{deviation("D-1", qualstate.DeviationAdded, "Extra", "", open)},
			out:    outcome([]string{"Extra"})},
		{name: "removed: closed when the resource is read again",
			active: []qualstate.Deviation{deviation("D-1", qualstate.DeviationRemoved, "Logs", "", open)},
			out:    outcome([]string{"Logs"}),
			want:   []want{{"closed", "removed|Logs|", closed, "", "back in the qualified state"}}},
		{name: "failed remediation: untouched while its check fails",
			active: []qualstate.Deviation{
				deviation("D-1", check, "Logs", "LOGS.RETENTION", open),
				func() qualstate.Deviation {
					d := deviation("D-2", qualstate.DeviationRemediation, "Logs", "D-1", open)
					d.RequirementID = "LOGS.RETENTION"
					return d
				}(),
			},
			out: outcome([]string{"Logs"}, observation(check, "Logs", "LOGS.RETENTION", ""))},
		{name: "failed remediation: closed with its check",
			active: []qualstate.Deviation{
				deviation("D-1", check, "Logs", "LOGS.RETENTION", open),
				func() qualstate.Deviation {
					d := deviation("D-2", qualstate.DeviationRemediation, "Logs", "D-1", open)
					d.RequirementID = "LOGS.RETENTION"
					return d
				}(),
			},
			out: outcome([]string{"Logs"}),
			want: []want{
				{"closed", "check|Logs|LOGS.RETENTION", closed, "", "back in the qualified state"},
				{"closed", "remediation|Logs|D-1", closed, "", "back in the qualified state"},
			}},
		{name: "failed remediation of drift: closed when the property is back",
			active: []qualstate.Deviation{func() qualstate.Deviation {
				d := deviation("D-2", qualstate.DeviationRemediation, "Logs", "D-1", open)
				d.Path = "/RetentionInDays"
				return d
			}()},
			out: outcome([]string{"Logs"}, observation(check, "Logs", "LOGS.RETENTION", "")),
			want: []want{
				{"closed", "remediation|Logs|D-1", closed, "", "back in the qualified state"},
				{"opened", "check|Logs|LOGS.RETENTION", open, "", "it differs"},
			}},
		{name: "closed deviations in the list are ignored, and their key opens anew",
			active: []qualstate.Deviation{func() qualstate.Deviation {
				d := deviation("D-1", drift, "Logs", "/RetentionInDays", open)
				d.Move(opened, "system", closed, "closed", "")
				return d
			}()},
			out:  outcome([]string{"Logs"}, observation(drift, "Logs", "/RetentionInDays", "")),
			want: []want{{"opened", "drift|Logs|/RetentionInDays", open, "", "it differs"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := make([]int, len(tt.active))
			for i, d := range tt.active {
				before[i] = len(d.History)
			}
			changes := Reconcile(tt.active, tt.out, testInstance(), testNow, "event E-1")
			if len(changes) != len(tt.want) {
				t.Fatalf("%d changes, want %d: %+v", len(changes), len(tt.want), changes)
			}
			for i, w := range tt.want {
				c, d := changes[i], changes[i].Deviation
				if c.Action != w.action || d.Key != w.key || d.State != w.state {
					t.Errorf("change %d: %s %s → %s, want %s %s → %s", i, c.Action, d.Key, d.State, w.action, w.key, w.state)
				}
				if got := waiverID(d.Waiver); got != w.waiver {
					t.Errorf("change %d: waiver %q, want %q", i, got, w.waiver)
				}
				last := d.History[len(d.History)-1]
				if last.Actor != "system" || last.To != w.state || last.Action != w.action || !last.Time.Equal(testNow) ||
					!strings.Contains(last.Note, w.note) || !d.Updated.Equal(testNow) {
					t.Errorf("change %d: history %+v, want system %s → %s noting %q at %s", i, last, w.action, w.state, w.note, testNow)
				}
				switch w.action {
				case "opened":
					if d.ID != "" || d.InstanceID != "records" || d.Trigger != "event E-1" || !d.Opened.Equal(testNow) ||
						len(d.History) != 1 || !slices.Equal(d.Evidence, []string{"sha256:new"}) || d.Expected != "365" || d.Actual != "7" {
						t.Errorf("opened deviation %+v", d)
					}
				case "closed":
					if !d.Closed.Equal(testNow) || d.Trigger != "schedule" {
						t.Errorf("closed deviation: closed %s trigger %q", d.Closed, d.Trigger)
					}
					if read := tt.out.Evidence[d.LogicalID]; read != "" && !slices.Equal(d.Evidence, []string{"sha256:old", read}) {
						t.Errorf("closed deviation's evidence %q, want the old read and %s", d.Evidence, read)
					}
				}
			}
			for i, d := range tt.active {
				if len(d.History) != before[i] {
					t.Errorf("Reconcile changed active[%d] in place", i)
				}
			}
		})
	}
}

func waiverID(w *qualstate.WaiverRef) string {
	if w == nil {
		return ""
	}
	return w.ID
}

func TestReconcileEvaluateRoundTrip(t *testing.T) {
	// A drift seen, then put right, then seen again: opened, closed, opened
	// anew as another deviation.
	var active []qualstate.Deviation
	steps := []struct {
		retention int64
		actions   []string
		status    qualstate.QSStatus
	}{
		{7, []string{"opened", "opened"}, qualstate.QSNonCompliant},
		{7, nil, qualstate.QSNonCompliant},
		{365, []string{"closed", "closed"}, qualstate.QSQualified},
		{30, []string{"opened", "opened"}, qualstate.QSNonCompliant},
	}
	for i, s := range steps {
		in := testInput(t)
		in.Live["Logs"]["RetentionInDays"] = s.retention
		changes := Reconcile(active, Evaluate(in), in.Instance, testNow.Add(time.Duration(i)*time.Hour), "schedule")
		var actions []string
		for _, c := range changes {
			actions = append(actions, c.Action)
			j := slices.IndexFunc(active, func(d qualstate.Deviation) bool { return d.Key == c.Deviation.Key && d.State.Active() })
			if j >= 0 {
				active[j] = c.Deviation
			} else {
				active = append(active, c.Deviation)
			}
		}
		active = slices.DeleteFunc(active, func(d qualstate.Deviation) bool { return !d.State.Active() })
		if !slices.Equal(actions, s.actions) {
			t.Errorf("step %d: actions %q, want %q", i, actions, s.actions)
		}
		if st, _ := Status(active); st != s.status {
			t.Errorf("step %d: status %s, want %s", i, st, s.status)
		}
	}
}

func TestStatus(t *testing.T) {
	withID := func(d qualstate.Deviation, id string) qualstate.Deviation { d.ID = id; return d }
	tests := []struct {
		name   string
		active []qualstate.Deviation
		status qualstate.QSStatus
		reason string
	}{
		{"nothing", nil, qualstate.QSQualified, "no open deviations"},
		{"only accepted", []qualstate.Deviation{deviation("D-1", qualstate.DeviationCheck, "Logs", "LOGS.RETENTION", qualstate.DeviationAccepted)},
			qualstate.QSQualified, "no open deviations; 1 accepted under a waiver"},
		{"closed ones do not count", []qualstate.Deviation{func() qualstate.Deviation {
			d := deviation("D-1", qualstate.DeviationCheck, "Logs", "LOGS.RETENTION", qualstate.DeviationOpen)
			d.Move(testNow, "system", qualstate.DeviationClosed, "closed", "")
			return d
		}()}, qualstate.QSQualified, "no open deviations"},
		{"drift only", []qualstate.Deviation{deviation("D-1", qualstate.DeviationDrift, "Logs", "/RetentionInDays", qualstate.DeviationOpen)},
			qualstate.QSDrifted, "1 open deviation: D-1 Logs/RetentionInDays drifted"},
		{"added and removed are drift", []qualstate.Deviation{
			deviation("D-1", qualstate.DeviationAdded, "Extra", "", qualstate.DeviationAcknowledged),
			deviation("D-2", qualstate.DeviationRemoved, "Logs", "", qualstate.DeviationOpen),
		}, qualstate.QSDrifted, "2 open deviations: D-1 Extra added (acknowledged); D-2 Logs removed"},
		{"a failed check decides, and is named first", []qualstate.Deviation{
			deviation("D-1", qualstate.DeviationDrift, "Logs", "/RetentionInDays", qualstate.DeviationOpen),
			deviation("D-2", qualstate.DeviationCheck, "Logs", "LOGS.RETENTION", qualstate.DeviationOpen),
		}, qualstate.QSNonCompliant, "2 open deviations: D-2 LOGS.RETENTION fails on Logs; D-1 Logs/RetentionInDays drifted"},
		{"treated still counts", []qualstate.Deviation{deviation("D-3", qualstate.DeviationCheck, "Logs", "LOGS.RETENTION", qualstate.DeviationTreated)},
			qualstate.QSNonCompliant, "1 open deviation: D-3 LOGS.RETENTION fails on Logs (treated)"},
		{"a failed remediation", []qualstate.Deviation{func() qualstate.Deviation {
			d := deviation("D-4", qualstate.DeviationRemediation, "Logs", "D-3", qualstate.DeviationOpen)
			d.RequirementID = "LOGS.RETENTION"
			return d
		}()}, qualstate.QSNonCompliant, "1 open deviation: D-4 remediation of LOGS.RETENTION on Logs failed"},
		{"many: the first few named", []qualstate.Deviation{
			withID(deviation("", qualstate.DeviationDrift, "A", "/X", qualstate.DeviationOpen), "D-1"),
			withID(deviation("", qualstate.DeviationDrift, "B", "/X", qualstate.DeviationOpen), "D-2"),
			withID(deviation("", qualstate.DeviationDrift, "C", "/X", qualstate.DeviationOpen), "D-3"),
			withID(deviation("", qualstate.DeviationDrift, "D", "/X", qualstate.DeviationOpen), "D-4"),
			withID(deviation("", qualstate.DeviationDrift, "E", "/X", qualstate.DeviationAccepted), "D-5"),
		}, qualstate.QSDrifted, "4 open deviations: D-1 A/X drifted; D-2 B/X drifted; D-3 C/X drifted; and 1 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, reason := Status(tt.active)
			if status != tt.status || reason != tt.reason {
				t.Errorf("Status = %s, %q\nwant %s, %q", status, reason, tt.status, tt.reason)
			}
		})
	}
}
