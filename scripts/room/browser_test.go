package room

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/grpclabs/labs/scripts/labkit"
)

var screenshot = flag.String("screenshot", "", "TestPageInChromium also writes its screenshot to this file")

// The window the page is loaded in: a projector's 1280×800.
const winW, winH = 1280, 800

// browserLimit bounds a Chromium run that hangs; it is not a time budget
// (a cold start on a busy machine takes several seconds).
const browserLimit = 2 * time.Minute

// TestPageInChromium loads the room's page in a real headless Chromium
// with four attendees reporting over loopback (three on the lab shown,
// one elsewhere), and checks both what the page's script built (the DOM
// after it ran) and what it drew (a screenshot).
func TestPageInChromium(t *testing.T) {
	chromium := labkit.LookTool(t, "chromium", "chromium")

	c := newClock()
	srv, err := NewServer(Config{Code: testCode, Labs: testLabs, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLoopback(t, srv)

	// Attendees join and report as the runner does, each from a data
	// directory of its own. Alice has been on step 2 for 14 minutes.
	const us, wire = "ch01-overview/userservice", "ch02-grpc-core/wire"
	attend := func(name string, p Progress) {
		t.Helper()
		dir := t.TempDir()
		if _, err := Join(context.Background(), dir, addr, FormatCode(testCode), name, Progress{}); err != nil {
			t.Fatal(err)
		}
		var hint bytes.Buffer
		Report(context.Background(), dir, p, &hint)
		if hint.Len() > 0 {
			t.Fatalf("%s's report: %s", name, hint.String())
		}
	}
	attend("Alice", Progress{Lab: us, Steps: []Step{{1, Done}, {2, Failing}, {3, TODO}, {4, TODO}}, Failing: "TestStatus/not_found"})
	c.Advance(14 * time.Minute)
	attend("Bob <b>", Progress{Lab: us, Steps: []Step{{1, Done}, {2, Done}, {3, Done}, {4, Done}}})
	attend("陈静", Progress{Lab: us, Steps: []Step{{1, Done}, {2, Failing}, {3, TODO}, {4, TODO}}, Failing: "TestStatus/not_found"})
	attend("Dan", Progress{Lab: wire, Steps: []Step{{1, TODO}, {2, TODO}}})

	dir := t.TempDir()
	shot := filepath.Join(dir, "room.png")
	bctx, bcancel := context.WithTimeout(context.Background(), browserLimit)
	defer bcancel()
	cmd := exec.CommandContext(bctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		// Without these Chromium phones home at start, and on a closed
		// network its own connections are then refused.
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		fmt.Sprintf("--window-size=%d,%d", winW, winH), "--hide-scrollbars",
		// Virtual time: the page's first poll and render finish before the
		// dump, however slow the machine, with no waiting in the test.
		"--virtual-time-budget=5000",
		"--screenshot="+shot, "--dump-dom",
		"http://"+addr+"/#"+FormatCode(testCode))
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_CACHE_HOME="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 20))
	}

	doc, err := html.Parse(&stdout)
	if err != nil {
		t.Fatal(err)
	}
	checkGrid(t, doc)
	checkScreenshot(t, shot)
}

// checkGrid reads the grid the page's script built.
func checkGrid(t *testing.T, doc *html.Node) {
	t.Helper()
	if got := text(byID(doc, "lab")); got != "· ch01-overview/userservice" {
		t.Errorf("lab shown = %q, want the one most attendees are on", got)
	}
	grid := byID(doc, "grid")
	if grid == nil || hasAttr(grid, "hidden") {
		t.Fatalf("no grid shown; the page's status says %q", text(byID(doc, "status")))
	}
	var heads []string
	for _, th := range all(byID(doc, "head"), "th") {
		heads = append(heads, text(th))
	}
	if want := []string{"Attendee", "1Answer GetUser3/3 done", "2Status codes1/3 done", "3Deadlines1/3 done", "4The <b>client</b>1/3 done", "Now on", "Failing test"}; strings.Join(heads, "|") != strings.Join(want, "|") {
		t.Errorf("header cells:\n got %q\nwant %q", heads, want)
	}
	type row struct{ name, steps, at, test string }
	var rows []row
	for _, tr := range all(byID(doc, "rows"), "tr") {
		r := row{name: attr(tr, "data-attendee")}
		var steps []string
		for _, td := range all(tr, "td") {
			switch {
			case hasAttr(td, "data-status"):
				steps = append(steps, attr(td, "data-status"))
			case attr(td, "class") == "at":
				r.at = text(td)
			case attr(td, "class") == "test":
				r.test = text(td)
			}
		}
		r.steps = strings.Join(steps, ",")
		if strings.Contains(attr(tr, "class"), "stuck") {
			r.name += " (stuck)"
		}
		rows = append(rows, r)
	}
	want := []row{
		{"Alice (stuck)", "done,failing,todo,todo", "step 2 · 14 min", "TestStatus/not_found"},
		{"Bob <b>", "done,done,done,done", "all done", ""},
		{"陈静", "done,failing,todo,todo", "step 2 · 0 s", "TestStatus/not_found"},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("grid rows:\n got %q\nwant %q", rows, want)
	}
	if len(all(doc, "b")) != 0 {
		t.Error("text from the wire or the README became markup")
	}
	for _, id := range []string{"failing", "stuck"} {
		if n := byID(doc, id); n == nil || hasAttr(n, "hidden") {
			t.Errorf("#%s is not shown", id)
		}
	}
	if !hasAttr(byID(doc, "codeform"), "hidden") {
		t.Error("the form asking for the code is shown, although the address has it")
	}
	if got := text(byID(doc, "failing")); got != "Most common failing test: TestStatus/not_found (2 of 3)" {
		t.Errorf("failing callout = %q", got)
	}
	if got := text(byID(doc, "stuck")); got != "Stuck for 10 min or more: Alice (step 2, 14 min)" {
		t.Errorf("stuck callout = %q", got)
	}
	var options []string
	for _, o := range all(byID(doc, "choose"), "option") {
		options = append(options, text(o))
	}
	if want := []string{"the one most attendees are on", "ch01-overview/userservice (3)", "ch02-grpc-core/wire (1)"}; fmt.Sprint(options) != fmt.Sprint(want) {
		t.Errorf("lab chooser: %q, want %q", options, want)
	}
	if got := text(byID(doc, "joincmd")); !strings.HasPrefix(got, "go run ./scripts/lab room join 127.0.0.1:") || !strings.HasSuffix(got, " 4829-1736") {
		t.Errorf("join line = %q", got)
	}
}

// checkScreenshot: a PNG of the window's size, mostly page background
// but not blank, with the grid's done (green) and failing (red) cells
// drawn.
func checkScreenshot(t *testing.T, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if *screenshot != "" {
		if err := os.WriteFile(*screenshot, b, 0o644); err != nil {
			t.Error(err)
		}
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if got := img.Bounds().Size(); got != image.Pt(winW, winH) {
		t.Errorf("screenshot is %v, want %dx%d", got, winW, winH)
	}
	// The page's colours (room.css): --done #0b6b2e, --failing #b00020.
	var white, done, failing, other int
	colours := map[color.RGBA]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			p := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
			colours[p] = true
			switch {
			case p == color.RGBA{255, 255, 255, 255}:
				white++
			case near(p, 0x0b, 0x6b, 0x2e):
				done++
			case near(p, 0xb0, 0x00, 0x20):
				failing++
			default:
				other++
			}
		}
	}
	total := winW * winH
	t.Logf("screenshot: %d bytes; %.1f%% white, %d done-green and %d failing-red pixels, %d colours",
		len(b), 100*float64(white)/float64(total), done, failing, len(colours))
	if white == total || len(colours) < 16 {
		t.Errorf("the screenshot is blank (%d colours)", len(colours))
	}
	if white < total/2 {
		t.Errorf("only %d of %d pixels are the page's white background", white, total)
	}
	// Seven done cells and two failing cells of about 40×30 pixels each.
	if done < 7*400 || failing < 2*400 {
		t.Errorf("the grid's cells are not drawn: %d done-green, %d failing-red pixels", done, failing)
	}
}

func near(p color.RGBA, r, g, b uint8) bool {
	d := func(a, b uint8) int { return max(int(a), int(b)) - min(int(a), int(b)) }
	return d(p.R, r) <= 8 && d(p.G, g) <= 8 && d(p.B, b) <= 8
}

func byID(n *html.Node, id string) *html.Node {
	if n == nil {
		return nil
	}
	if n.Type == html.ElementNode && attr(n, "id") == id {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := byID(c, id); f != nil {
			return f
		}
	}
	return nil
}

func all(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == tag {
				out = append(out, c)
			}
			walk(c)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

// text is the visible text: what screen readers alone get (.sr) and what
// they skip (aria-hidden) are left out, so it reads as the eye does.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && (attr(n, "class") == "sr" || n.Data == "small") {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	if n == nil {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
