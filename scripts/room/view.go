package room

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// StuckAfter is how long without a step change marks an attendee as stuck
// on the page: a step's time estimate is 5 to 15 minutes.
const StuckAfter = 10 * time.Minute

// Lab is what the server knows of a lab from the course itself: its id and
// its steps' titles, in order. Reports carry step numbers only.
type Lab struct {
	ID    string   `json:"id"`
	Steps []string `json:"steps"`
}

// View is what the page shows, computed on the server so that the page is
// a plain renderer and the rules are tested in Go.
type View struct {
	Lab       string     `json:"lab"`    // the lab shown; "" when nobody is on one yet
	Chosen    bool       `json:"chosen"` // picked by the instructor rather than by the majority
	Steps     []StepHead `json:"steps"`
	Rows      []Row      `json:"rows"`
	Failing   *Count     `json:"failing,omitempty"` // the most common failing test among Rows
	Labs      []Count    `json:"labs"`              // every lab someone is on, most attendees first
	Attendees int        `json:"attendees"`         // everyone in the room
	Waiting   int        `json:"waiting"`           // joined, no lab reported yet
	Max       int        `json:"max"`
}

// StepHead is a column of the grid.
type StepHead struct {
	N     int    `json:"n"`
	Title string `json:"title"`
	Done  int    `json:"done"` // attendees with the step done
	Here  int    `json:"here"` // attendees whose first unfinished step it is
}

// Row is one attendee on the lab shown.
type Row struct {
	Name    string   `json:"name"`
	Steps   []string `json:"steps"` // a status per column
	At      int      `json:"at"`    // the first unfinished step; 0 when all are done
	Since   int64    `json:"since"` // seconds since the last step change
	Seen    int64    `json:"seen"`  // seconds since the last report
	Stuck   bool     `json:"stuck"` // on a step for StuckAfter or more
	Failing string   `json:"failing,omitempty"`
	Build   bool     `json:"build,omitempty"`
}

// Count is a name and how many attendees it applies to.
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// attendee is the server's record of one attendee.
type attendee struct {
	Update
	seen    time.Time // last report
	changed time.Time // last change of lab or of any step's status
}

// sameProgress is whether two reports show the same place in the course.
func sameProgress(a, b Update) bool {
	return a.Lab == b.Lab && slices.Equal(a.Steps, b.Steps)
}

// view builds the page's data for the lab chosen ("" picks the lab most
// attendees are on; ties go to the earlier lab in the course).
func view(all []*attendee, catalog []Lab, chosen string, now time.Time, limit int) View {
	v := View{Attendees: len(all), Max: limit, Steps: []StepHead{}, Rows: []Row{}, Labs: []Count{}}
	order := map[string]int{}
	for i, l := range catalog {
		order[l.ID] = i
	}
	counts := map[string]int{}
	for _, a := range all {
		if a.Lab == "" {
			v.Waiting++
			continue
		}
		counts[a.Lab]++
	}
	for id, n := range counts {
		v.Labs = append(v.Labs, Count{id, n})
	}
	rank := func(id string) int {
		if i, ok := order[id]; ok {
			return i
		}
		return len(order)
	}
	slices.SortFunc(v.Labs, func(a, b Count) int {
		return cmp.Or(b.Count-a.Count, rank(a.Name)-rank(b.Name), strings.Compare(a.Name, b.Name))
	})
	switch {
	case chosen != "":
		v.Lab, v.Chosen = chosen, true
	case len(v.Labs) > 0:
		v.Lab = v.Labs[0].Name
	default:
		return v
	}

	// Columns: the course's steps, or as many as the attendees report for
	// a lab the course does not have (an attendee on another version).
	var titles []string
	if i, ok := order[v.Lab]; ok {
		titles = catalog[i].Steps
	}
	n := len(titles)
	var on []*attendee
	for _, a := range all {
		if a.Lab == v.Lab {
			on = append(on, a)
			n = max(n, len(a.Steps))
		}
	}
	for i := range n {
		h := StepHead{N: i + 1}
		if i < len(titles) {
			h.Title = titles[i]
		}
		v.Steps = append(v.Steps, h)
	}
	slices.SortFunc(on, func(a, b *attendee) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.ID, b.ID))
	})
	failing := map[string]int{}
	for _, a := range on {
		r := Row{Name: a.Name, Failing: a.Failing, Build: a.Build,
			Since: seconds(now.Sub(a.changed)), Seen: seconds(now.Sub(a.seen))}
		for i := range n {
			st := NotRun
			if i < len(a.Steps) {
				st = a.Steps[i].Status
			}
			r.Steps = append(r.Steps, st)
			if st == Done {
				v.Steps[i].Done++
			} else if r.At == 0 {
				r.At = i + 1
				v.Steps[i].Here++
			}
		}
		r.Stuck = r.At > 0 && now.Sub(a.changed) >= StuckAfter
		if a.Failing != "" {
			failing[a.Failing]++
		}
		v.Rows = append(v.Rows, r)
	}
	for name, c := range failing {
		if v.Failing == nil || c > v.Failing.Count || c == v.Failing.Count && name < v.Failing.Name {
			v.Failing = &Count{name, c}
		}
	}
	return v
}

func seconds(d time.Duration) int64 { return max(0, int64(d/time.Second)) }
