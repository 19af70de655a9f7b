package main

// The room view's commands and the reporting hook. The server, protocol,
// page and client are in scripts/room; this file only wires them to the
// runner: `room serve|join|leave|status`, and reportRoom, which check and
// watch (and drill) call after each run.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"strings"

	"github.com/grpclabs/labs/scripts/room"
)

// reportRoom sends a run's step states to the attendee's room, if they
// joined one: in the background, never slowing or failing the command. A
// command that calls it needs nothing else: a.main waits for the last
// report (at most room.Timeout) before the process exits.
func (a *app) reportRoom(repo *Repo, r *LabReport) {
	if a.room == nil {
		a.room = room.NewReporter(a.dataDir(repo.Root), a.errOut.W)
	}
	a.room.Send(roomProgress(r))
}

// closeRoom waits briefly for the report in flight; a.main calls it.
func (a *app) closeRoom() {
	if a.room != nil {
		a.room.Close()
		a.room = nil
	}
}

// roomProgress is all a report says about a run: the lab, each numbered
// step's status and the first failing test's name. Test output, file
// names and code stay on the attendee's machine.
func roomProgress(r *LabReport) room.Progress {
	p := room.Progress{Lab: r.Lab.ID, Build: r.Pkg != nil && r.Pkg.FailedBuild != ""}
	for _, s := range r.Steps {
		if s.N == 0 {
			continue // "other tests": not a README step
		}
		p.Steps = append(p.Steps, room.Step{N: len(p.Steps) + 1, Status: s.Status})
		if s.Status != stFailing || p.Failing != "" || p.Build {
			continue
		}
		for _, name := range s.Tests {
			if r.Pkg.Outcome(name) == Fail {
				p.Failing = r.Pkg.FirstLeafFailure(name)
				break
			}
		}
	}
	return p
}

func cmdRoom(ctx context.Context, a *app, args []string) error {
	subs := []string{"serve", "join", "leave", "status"}
	if len(args) == 0 {
		return usagef("room: which? %s (e.g. `room serve` for the instructor, `room join ADDR CODE` for an attendee)", strings.Join(subs, ", "))
	}
	switch args[0] {
	case "serve":
		return roomServe(ctx, a, args[1:])
	case "join":
		return roomJoin(ctx, a, args[1:])
	case "leave":
		return roomLeave(ctx, a, args[1:])
	case "status":
		return roomStatus(a, args[1:])
	case "-h", "-help", "--help":
		a.out.Printf("usage: go run ./scripts/lab room serve [-addr host:port] [-code CODE] [-max N]\n" +
			"       go run ./scripts/lab room join [-name NAME] ADDR CODE\n" +
			"       go run ./scripts/lab room leave | status\n\n" +
			"A workshop's room view. The instructor serves it and projects its page; an\n" +
			"attendee who joins has each check, watch and drill report their name, lab\n" +
			"and step states (nothing else: no code, no output) until they leave.\n")
		return nil
	}
	msg := fmt.Sprintf("room: unknown subcommand %q", args[0])
	if s := suggest(args[0], subs); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return usagef("%s\nsubcommands: %s", msg, strings.Join(subs, ", "))
}

func roomServe(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("room serve", "[-addr host:port] [-code CODE] [-max N]",
		"Serve the room view: a page to project, showing live which step of the\n"+
			"current lab each attendee is on, who is stuck and the most common\n"+
			"failing test. It prints the page's address and a join code for the\n"+
			"attendees. Loopback by default; -addr 0.0.0.0:7077 serves the room's\n"+
			"network. Attendees are kept in memory only. Ctrl-C stops it.")
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	code := fs.String("code", "", "the join code (default: a new random one; give the old one to restart a room)")
	maxN := fs.Int("max", room.DefaultMaxAttendees, "most attendees at once")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *code == "" {
		*code = room.NewCode()
	}
	digits, err := room.NormalizeCode(*code)
	if err != nil {
		return usagef("room serve -code: %v", err)
	}
	if *maxN < 1 {
		return usagef("room serve -max: want 1 or more")
	}
	repo, _, err := a.open()
	if err != nil {
		return err
	}
	var labs []room.Lab
	for _, l := range repo.Labs {
		g, _ := readGuide(l.Dir)
		rl := room.Lab{ID: l.ID}
		for _, s := range g.Steps {
			rl.Steps = append(rl.Steps, s.Title)
		}
		labs = append(labs, rl)
	}
	srv, err := room.NewServer(room.Config{Code: digits, MaxAttendees: *maxN, Labs: labs})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("room serve: %w", err)
	}
	hosts, loopback := joinHosts(ln.Addr().(*net.TCPAddr))
	pretty := room.FormatCode(digits)
	o := a.out
	o.Printf("%s serving %s for up to %d attendees\n", o.paint(bold, "room:"), plural(len(labs), "lab"), *maxN)
	o.Printf("  page:      %s   (open it on the projector)\n", o.paint(cyan, "http://"+hosts[0]+"/#"+pretty))
	o.Printf("  join code: %s\n", o.paint(bold, pretty))
	o.Printf("  attendees run:\n")
	for _, h := range hosts {
		o.Printf("    go run ./scripts/lab room join %s %s\n", h, pretty)
	}
	if loopback {
		o.Printf("%s\n", o.paint(dim, "  loopback only: other machines cannot reach it; -addr 0.0.0.0:7077 serves the room's network"))
	}
	again := ln.Addr().String()
	if h, _, err := net.SplitHostPort(*addr); err == nil {
		again = net.JoinHostPort(h, fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)) // as given, with the port it got
	}
	o.Printf("%s\n", o.paint(dim, fmt.Sprintf("  to restart this room: go run ./scripts/lab room serve -addr %s -code %s; Ctrl-C stops it", again, pretty)))
	err = srv.Serve(ctx, ln)
	if ctx.Err() != nil {
		o.Println("room closed.")
		return nil
	}
	return err
}

// joinHosts is what attendees should type for the listening address: the
// machine's own addresses when it listens on all of them (IPv4 first, as
// they are easier to read out), and whether only loopback can reach it.
func joinHosts(ta *net.TCPAddr) (hosts []string, loopback bool) {
	port := fmt.Sprint(ta.Port)
	if !ta.IP.IsUnspecified() {
		return []string{net.JoinHostPort(ta.IP.String(), port)}, ta.IP.IsLoopback()
	}
	var v6 []string
	if ifs, err := net.InterfaceAddrs(); err == nil {
		for _, ia := range ifs {
			ipn, ok := ia.(*net.IPNet)
			if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
				continue
			}
			if ipn.IP.To4() != nil {
				hosts = append(hosts, net.JoinHostPort(ipn.IP.String(), port))
			} else {
				v6 = append(v6, net.JoinHostPort(ipn.IP.String(), port))
			}
		}
	}
	hosts = append(hosts, v6...)
	if len(hosts) == 0 {
		return []string{net.JoinHostPort("127.0.0.1", port)}, true
	}
	return hosts, false
}

func roomJoin(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("room join", "[-name NAME] ADDR CODE",
		"Join the instructor's room: from now on each check, watch and drill sends\n"+
			"your name, the lab and each step's status (done, to do, failing) and the\n"+
			"failing test's name to it. Nothing else leaves your machine: no code, no\n"+
			"test output, no file names. 'room leave' stops it.")
	name := fs.String("name", "", "the name the instructor sees (default: asked, or your user name)")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		if errors.As(err, new(*usageError)) {
			return usagef("room join: want ADDR CODE, as the instructor's room serve printed them")
		}
		return err
	}
	// Say what is wrong with the address or code before asking anything.
	if _, err := room.BaseURL(pos[0]); err != nil {
		return usagef("room join: %v", err)
	}
	if _, err := room.NormalizeCode(pos[1]); err != nil {
		return usagef("room join: %v", err)
	}
	repo, st, err := a.open()
	if err != nil {
		return err
	}
	if *name == "" {
		*name = askName(a)
	}
	var first room.Progress
	if l := nextLab(repo, st, nil); l != nil {
		first.Lab = l.ID
		if rec := loadRecord(a.dataDir(repo.Root), l); rec != nil {
			first = roomProgress(reportFrom(l, rec, fromStale))
		}
	}
	m, err := room.Join(ctx, a.dataDir(repo.Root), pos[0], pos[1], *name, first)
	if err != nil {
		return err
	}
	a.out.Printf("%s joined the room at %s as %s.\n", a.out.paint(green, "✓"), strings.TrimPrefix(m.URL, "http://"), a.out.paint(bold, m.Name))
	a.out.Printf("Each check, watch and drill now reports your name, lab and step states (no code, no output).\n")
	a.out.Printf("Stop with: go run ./scripts/lab room leave\n")
	return nil
}

// askName asks on a terminal, with the user name as the default.
func askName(a *app) string {
	def := "attendee"
	if u, err := user.Current(); err == nil && u.Username != "" {
		def = u.Username
		if i := strings.LastIndexAny(def, `\`); i >= 0 {
			def = def[i+1:] // DOMAIN\name on Windows
		}
	}
	if !isTerminal(os.Stdin) {
		return def
	}
	a.out.Printf("your name, as the instructor will see it [%s]: ", def)
	line, err := bufio.NewReader(io.LimitReader(os.Stdin, 400)).ReadString('\n')
	if err != nil {
		a.out.Println() // no line typed (end of input): end the prompt's line
	}
	if s := strings.TrimSpace(line); s != "" {
		return s
	}
	return def
}

func roomLeave(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("room leave", "", "Leave the room: stop reporting, and ask the room to forget you.")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	root, err := findRoot(a.dir)
	if err != nil {
		return err
	}
	m, err := room.Leave(ctx, a.dataDir(root))
	if err != nil {
		return err
	}
	if m == nil {
		a.out.Println("not in a room: nothing is reported.")
		return nil
	}
	a.out.Printf("left the room at %s: nothing is reported any more.\n", strings.TrimPrefix(m.URL, "http://"))
	return nil
}

func roomStatus(a *app, args []string) error {
	fs := a.newFlags("room status", "", "Say whether this checkout reports to a room, and how the last report went.")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	root, err := findRoot(a.dir)
	if err != nil {
		return err
	}
	m, err := room.Load(a.dataDir(root))
	if err != nil {
		return err
	}
	if m == nil {
		a.out.Println("not in a room: nothing is reported. Join one with: go run ./scripts/lab room join ADDR CODE")
		return nil
	}
	a.out.Printf("in the room at %s as %s since %s.\n", strings.TrimPrefix(m.URL, "http://"), m.Name, m.Joined.Local().Format("Jan 2 15:04"))
	if !m.FailedAt.IsZero() {
		a.out.Printf("%s the last report failed at %s: %s\n", a.out.paint(yellow, "note:"), m.FailedAt.Local().Format("15:04:05"), m.Failure)
	}
	return nil
}
