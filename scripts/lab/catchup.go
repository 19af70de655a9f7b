package main

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// cmdCatchup brings an exercise to "steps 1..N done" for a learner who
// fell behind (a workshop attendee, say): every declaration the README's
// steps 1..N list on their Code: lines gets the solution's code, and
// everything else stays as the learner wrote it.
func cmdCatchup(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("catchup", "<lab> <step>", a.tr("Bring your exercise to \"steps 1..N done\": each function that the README's\n"+
		"steps 1 to N list on their Code: lines gets the solution's code; every\n"+
		"other function stays as you wrote it. Your exercise is backed up first\n"+
		"(restore undoes it), and check runs at the end."))
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	repo, st, lab, err := a.openLab(pos[:1])
	if err != nil {
		return err
	}
	g, gerr := readGuide(lab.Dir)
	n, err := strconv.Atoi(pos[1])
	if err != nil || n < 1 || n > len(g.Steps) {
		if gerr != nil && len(g.Steps) == 0 {
			return fmt.Errorf("%s: %v", lab.ID, gerr)
		}
		return usagef("catchup: the step is a number from 1 to %d (the steps of %s), not %q", len(g.Steps), lab.ID, pos[1])
	}
	ex, err := readSrc(lab.ExerciseDir(), nil)
	if err != nil {
		return err
	}
	sol, err := readSrc(lab.SolutionDir(), nil)
	if err != nil {
		return err
	}
	res, err := catchup(ex, sol, g.Steps[:n])
	if err != nil {
		return fmt.Errorf(a.tr("cannot catch %s up: %v (nothing was changed)"), lab.ID, err)
	}
	backup, err := backupExercise(a.dataDir(repo.Root), lab, a.now().Format("20060102-150405"))
	if err != nil {
		return fmt.Errorf(a.tr("%w, so nothing was changed"), err)
	}
	a.out.Printf(a.tr("your exercise is saved in %s\n"), relSlash(repo.Root, backup))
	for _, name := range res.order {
		p := filepath.Join(lab.ExerciseDir(), name)
		if err := writeAtomic(p, res.files[name]); err != nil {
			return fmt.Errorf(a.tr("writing %s: %w (undo with restore)"), relSlash(repo.Root, p), err)
		}
	}
	printCatchup(a, lab, a.localGuide(lab, g).Steps[:n], res)
	a.out.Printf(a.tr("undo: %s\n\n"), a.out.paint(cyan, "go run ./scripts/lab restore "+repo.ShortName(lab)))
	_, err = a.check(ctx, repo, st, lab, true)
	return err
}

// printCatchup says what catchup replaced, step by step.
func printCatchup(a *app, lab *Lab, steps []StepDef, res *catchupResult) {
	o := a.out
	o.Printf("%s\n", o.paint(bold, fmt.Sprintf(a.tr("%s caught up to step %d: the solution's code for"), lab.ID, len(steps))))
	for _, s := range steps {
		var names []string
		for _, c := range s.Code {
			names = append(names, c+" ("+res.where[c]+")")
		}
		if len(names) == 0 {
			names = []string{o.paint(dim, a.tr("nothing to write: it checks the steps before it"))}
		}
		o.Printf("  %d. %s: %s\n", s.N, s.Title, strings.Join(names, ", "))
	}
	if len(res.added) > 0 {
		var names []string
		for _, h := range res.added {
			names = append(names, h+" ("+res.where[h]+")")
		}
		o.Printf(a.tr("  and the solution's helpers they use: %s\n"), strings.Join(names, ", "))
	}
	o.Printf("%s", a.tr("every other function is as you left it.\n"))
}

// srcPkg is the Go source of one package directory, test files aside.
type srcPkg struct {
	fset   *token.FileSet
	files  map[string][]byte    // base name → content
	parsed map[string]*ast.File // base name → syntax
	decls  map[string]*decl     // declaration name → where it is
}

// decl is one top-level declaration: a function, a method (Type.Method),
// or one type, var or const spec.
type decl struct {
	name       string
	file       string
	start, end int      // what catchup replaces: the declaration, its doc comment aside
	doc        int      // where its doc comment starts (start if none)
	node       ast.Node // the FuncDecl or spec
	// For a spec inside a parenthesised group (const ( ... )): its
	// keyword, which the range above leaves out, and the whole group with
	// its doc comment and names: a const spec may depend on the ones
	// before it (iota, an omitted value), so constants move as a group.
	grouped    string
	group      [2]int
	groupNames []string
}

// readSrc reads a package's non-test Go files. read, if set, supplies a
// file's content (verify reads exercises as committed); it returns
// os.ErrNotExist for a file that is to be treated as absent.
func readSrc(dir string, files map[string][]byte) (*srcPkg, error) {
	if files == nil {
		files = map[string][]byte{}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !isSource(e.Name()) || !e.Type().IsRegular() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			files[e.Name()] = b
		}
	}
	return parseSrc(filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir), files)
}

// isSource is a Go file the package builds from, tests aside.
func isSource(name string) bool {
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && !ignoredName(name)
}

// parseSrc parses files (base name → content); where names them in errors.
func parseSrc(where string, files map[string][]byte) (*srcPkg, error) {
	p := &srcPkg{fset: token.NewFileSet(), files: files, parsed: map[string]*ast.File{}, decls: map[string]*decl{}}
	for _, name := range sortedKeys(files) {
		f, err := parser.ParseFile(p.fset, name, files[name], parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("%s/%s does not parse: %v", where, name, err)
		}
		p.parsed[name] = f
		for _, d := range topDecls(p.fset, name, f) {
			if _, dup := p.decls[d.name]; !dup { // files for other platforms may repeat one
				p.decls[d.name] = d
			}
		}
	}
	return p, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// topDecls lists a file's declarations with their byte ranges.
func topDecls(fset *token.FileSet, file string, f *ast.File) []*decl {
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	var out []*decl
	add := func(name string, node ast.Node, doc *ast.CommentGroup, from, to token.Pos, grouped string) {
		d := &decl{name: name, file: file, start: off(from), end: off(to), node: node, grouped: grouped}
		d.doc = d.start
		if doc != nil {
			d.doc = off(doc.Pos())
		}
		out = append(out, d)
	}
	for _, gd := range f.Decls {
		switch gd := gd.(type) {
		case *ast.FuncDecl:
			add(funcName(gd), gd, gd.Doc, gd.Pos(), gd.End(), "")
		case *ast.GenDecl:
			if gd.Tok == token.IMPORT {
				continue
			}
			first := len(out)
			for _, spec := range gd.Specs {
				from, to, doc, grouped := spec.Pos(), spec.End(), (*ast.CommentGroup)(nil), gd.Tok.String()
				if !gd.Lparen.IsValid() { // `type X ...`: the keyword and the doc belong to it
					from, to, doc, grouped = gd.Pos(), gd.End(), gd.Doc, ""
				}
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					if doc == nil {
						doc = spec.Doc
					}
					add(spec.Name.Name, spec, doc, from, to, grouped)
				case *ast.ValueSpec:
					if doc == nil {
						doc = spec.Doc
					}
					for _, n := range spec.Names {
						if n.Name != "_" {
							add(n.Name, spec, doc, from, to, grouped)
						}
					}
				}
			}
			if gd.Lparen.IsValid() {
				from := gd.Pos()
				if gd.Doc != nil {
					from = gd.Doc.Pos()
				}
				var names []string
				for _, d := range out[first:] {
					names = append(names, d.name)
				}
				for _, d := range out[first:] {
					d.group, d.groupNames = [2]int{off(from), off(gd.End())}, names
				}
			}
		}
	}
	return out
}

// funcName is Name for a function and Type.Name for a method, whatever
// the receiver's pointer or type parameters.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.ParenExpr:
			t = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + fd.Name.Name
		}
		return fd.Name.Name
	}
}

// text is the source of a declaration, from its doc comment when withDoc.
func (p *srcPkg) text(d *decl, withDoc bool) []byte {
	from := d.start
	if withDoc {
		from = d.doc
	}
	return p.files[d.file][from:d.end]
}

// textFor is the source of d (from p) to put where dest is: a spec alone
// into a group, a whole declaration anywhere else (dest nil: appended).
func (p *srcPkg) textFor(d, dest *decl) []byte {
	switch {
	case dest != nil && dest.grouped != "" && d.grouped == "":
		// `const X = 1` into a group: the spec without its keyword.
		spec := d.node.(ast.Spec)
		return p.files[d.file][p.fset.Position(spec.Pos()).Offset:d.end]
	case (dest == nil || dest.grouped == "") && d.grouped != "":
		// A spec out of its group: give it its keyword back.
		return slices.Concat(commentBefore(p, d, dest == nil), []byte(d.grouped+" "), p.files[d.file][d.start:d.end])
	}
	return p.text(d, dest == nil)
}

// commentBefore is d's doc comment and the line break after it, when
// withDoc.
func commentBefore(p *srcPkg, d *decl, withDoc bool) []byte {
	if !withDoc || d.doc == d.start {
		return nil
	}
	return p.files[d.file][d.doc:d.start]
}

// catchupResult is what catchup would write.
type catchupResult struct {
	files map[string][]byte // exercise files that change or appear, by base name
	order []string          // their names, sorted
	added []string          // the solution's helpers copied along, in order
	where map[string]string // declaration → the file it is in now
}

// edit replaces [start, end) of a file, or appends when start < 0.
type edit struct {
	start, end int
	text       []byte
}

// catchup computes the exercise after steps: every declaration on their
// Code: lines becomes the solution's (the exercise's doc comment stays),
// declarations the solution has and the exercise lacks are copied when the
// new code uses them, and imports follow. Nothing else changes.
func catchup(ex, sol *srcPkg, steps []StepDef) (*catchupResult, error) {
	res := &catchupResult{files: map[string][]byte{}, where: map[string]string{}}
	edits := map[string][]edit{}
	sources := map[string][]string{} // exercise file → solution files its new code came from
	var queue []*decl                // solution declarations whose references to follow
	planned := map[string]bool{}

	put := func(sd *decl, into string) {
		planned[sd.name] = true
		queue = append(queue, sd)
		if !slices.Contains(sources[into], sd.file) {
			sources[into] = append(sources[into], sd.file)
		}
		res.where[sd.name] = into
	}
	// target is the exercise file for a declaration the exercise lacks: the
	// file of the solution's name, else the file of the code that uses it.
	target := func(sd *decl, fallback string) string {
		if _, ok := ex.files[sd.file]; ok || fallback == "" {
			return sd.file
		}
		return fallback
	}
	for _, s := range steps {
		for _, name := range s.Code {
			sd := sol.decls[name]
			if sd == nil {
				return nil, fmt.Errorf("step %d lists %s on its Code: line, which solution/ does not declare", s.N, name)
			}
			if planned[name] {
				continue // a var spec declaring several names
			}
			if ed := ex.decls[name]; ed != nil {
				if sameKind(ed.node, sd.node) == false {
					return nil, fmt.Errorf("%s is a %s in exercise/ and a %s in solution/", name, kind(ed.node), kind(sd.node))
				}
				edits[ed.file] = append(edits[ed.file], edit{ed.start, ed.end, sol.textFor(sd, ed)})
				put(sd, ed.file)
				continue
			}
			into := target(sd, "")
			edits[into] = append(edits[into], edit{-1, -1, sol.textFor(sd, nil)})
			put(sd, into)
		}
	}
	// Follow what the new code uses into the solution's other declarations.
	for len(queue) > 0 {
		sd := queue[0]
		queue = queue[1:]
		idents, sels := references(sd.node)
		for _, name := range sortedKeys(sol.decls) {
			hd := sol.decls[name]
			if planned[name] || ex.decls[name] != nil {
				continue
			}
			typ, method, isMethod := strings.Cut(name, ".")
			used := idents[name]
			if isMethod {
				used = sels[method] && (ex.decls[typ] != nil || planned[typ])
			}
			if !used {
				continue
			}
			into := target(hd, res.where[sd.name])
			if hd.grouped == "const" && leansOnGroup(sol, hd) {
				// The whole group: its specs may lean on one another.
				edits[into] = append(edits[into], edit{-1, -1, sol.files[hd.file][hd.group[0]:hd.group[1]]})
				for _, n := range hd.groupNames {
					if !planned[n] && ex.decls[n] == nil {
						put(sol.decls[n], into)
						res.added = append(res.added, n)
					}
				}
				continue
			}
			edits[into] = append(edits[into], edit{-1, -1, sol.textFor(hd, nil)})
			put(hd, into)
			res.added = append(res.added, name)
			if _, isType := hd.node.(*ast.TypeSpec); isType {
				// A new type comes with its methods: an interface it
				// satisfies may be the only thing that calls them.
				for _, m := range sortedKeys(sol.decls) {
					if strings.HasPrefix(m, name+".") && !planned[m] && ex.decls[m] == nil {
						md := sol.decls[m]
						edits[into] = append(edits[into], edit{-1, -1, sol.textFor(md, nil)})
						put(md, into)
						res.added = append(res.added, m)
					}
				}
			}
		}
	}
	for _, file := range sortedKeys(edits) {
		out, err := apply(ex.files[file], edits[file], sol, sources[file])
		if err != nil {
			return nil, fmt.Errorf("exercise/%s: %v", file, err)
		}
		if !bytes.Equal(out, ex.files[file]) {
			res.files[file] = out
			res.order = append(res.order, file)
		}
	}
	return res, nil
}

// leansOnGroup reports whether a const group has a spec that means
// nothing alone: one with iota, or without values (it repeats the one
// before). Such a group is copied whole; none of its names may be in the
// exercise already.
func leansOnGroup(p *srcPkg, d *decl) bool {
	for _, n := range d.groupNames {
		vs, ok := p.decls[n].node.(*ast.ValueSpec)
		if !ok {
			continue
		}
		if len(vs.Values) == 0 {
			return true
		}
		for _, v := range vs.Values {
			if idents, _ := references(v); idents["iota"] {
				return true
			}
		}
	}
	return false
}

func kind(n ast.Node) string {
	switch n := n.(type) {
	case *ast.FuncDecl:
		if n.Recv != nil {
			return "method"
		}
		return "function"
	case *ast.TypeSpec:
		return "type"
	}
	return "variable or constant"
}

func sameKind(a, b ast.Node) bool { return kind(a) == kind(b) }

// references collects the identifiers a declaration uses, and the names
// after a dot (methods and fields, or a package's members).
func references(n ast.Node) (idents, sels map[string]bool) {
	idents, sels = map[string]bool{}, map[string]bool{}
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			sels[x.Sel.Name] = true
			ast.Inspect(x.X, visit) // the name after the dot is not an identifier of ours
			return false
		case *ast.Ident:
			idents[x.Name] = true
		}
		return true
	}
	ast.Inspect(n, visit)
	return idents, sels
}

// apply splices edits into src (nil for a new file), then brings the
// imports in line: the solution's imports that the new code uses are
// added, and imports the file no longer uses are dropped. The result is
// gofmt'd.
func apply(src []byte, edits []edit, sol *srcPkg, from []string) ([]byte, error) {
	before := src
	if src == nil {
		src = []byte("package exercise\n")
	}
	var appends [][]byte
	var splices []edit
	for _, e := range edits {
		if e.start < 0 {
			appends = append(appends, e.text)
		} else {
			splices = append(splices, e)
		}
	}
	slices.SortFunc(splices, func(a, b edit) int { return b.start - a.start })
	out := slices.Clone(src)
	for _, e := range splices {
		out = slices.Concat(out[:e.start], e.text, out[e.end:])
	}
	for _, t := range appends {
		out = append(bytes.TrimRight(out, "\n"), '\n', '\n')
		out = append(out, t...)
		out = append(out, '\n')
	}
	// Imports: what the file used before, what it uses now, and the names
	// the solution's files give their imports.
	wasUsed := map[string]bool{}
	if before != nil {
		if f, err := parser.ParseFile(token.NewFileSet(), "", before, parser.SkipObjectResolution); err == nil {
			wasUsed = qualifiers(f)
		}
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", out, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("the new code does not parse: %v", err)
	}
	used := qualifiers(f)
	have := map[string]bool{}
	var drop [][2]int
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for _, spec := range gd.Specs {
			im := spec.(*ast.ImportSpec)
			name := importName(im)
			have[name] = true
			if name == "_" || name == "." || !wasUsed[name] || used[name] {
				continue
			}
			var from, to token.Pos = im.Pos(), im.End()
			if !gd.Lparen.IsValid() { // import "x": the whole declaration goes
				from, to = gd.Pos(), gd.End()
			}
			drop = append(drop, lineRange(out, fset.Position(from).Offset, fset.Position(to).Offset))
		}
	}
	var add []string
	for _, sf := range from {
		for _, im := range sol.parsed[sf].Imports {
			name := importName(im)
			if used[name] && !have[name] {
				have[name] = true
				spec := im.Path.Value
				if im.Name != nil || path.Base(strings.Trim(im.Path.Value, `"`)) != name {
					spec = name + " " + spec
				}
				add = append(add, spec)
			}
		}
	}
	slices.SortFunc(drop, func(a, b [2]int) int { return b[0] - a[0] })
	for _, r := range drop {
		out = slices.Concat(out[:r[0]], out[r[1]:])
	}
	if len(add) > 0 {
		out = addImports(out, add)
	}
	formatted, err := format.Source(out)
	if err != nil {
		return nil, fmt.Errorf("the new code does not format: %v", err)
	}
	return removeEmptyImports(formatted), nil
}

// qualifiers are the names used before a dot: packages, among others.
func qualifiers(f *ast.File) map[string]bool {
	used := map[string]bool{}
	for _, d := range f.Decls {
		ast.Inspect(d, func(n ast.Node) bool {
			if s, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := s.X.(*ast.Ident); ok {
					used[id.Name] = true
				}
			}
			return true
		})
	}
	return used
}

var versionRe = regexp.MustCompile(`^v[0-9]+$`)

// importName is the name an import is used by: its explicit name, else
// the package name its path suggests (the last element, past a /vN
// suffix and a go- prefix, up to a dot).
func importName(im *ast.ImportSpec) string {
	if im.Name != nil {
		return im.Name.Name
	}
	p, _ := strconv.Unquote(im.Path.Value)
	parts := strings.Split(p, "/")
	name := parts[len(parts)-1]
	if versionRe.MatchString(name) && len(parts) > 1 {
		name = parts[len(parts)-2]
	}
	name = strings.TrimPrefix(name, "go-")
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return strings.ReplaceAll(name, "-", "")
}

// lineRange widens [from, to) to whole lines when nothing else is on them.
func lineRange(b []byte, from, to int) [2]int {
	s, e := from, to
	for s > 0 && (b[s-1] == ' ' || b[s-1] == '\t') {
		s--
	}
	for e < len(b) && (b[e] == ' ' || b[e] == '\t') {
		e++
	}
	if (s == 0 || b[s-1] == '\n') && e < len(b) && b[e] == '\n' {
		return [2]int{s, e + 1}
	}
	return [2]int{from, to}
}

// addImports puts specs into the file's first import block, the standard
// library's beside the standard library's and the others beside the
// others (gofmt then sorts each group), or into a new block after the
// package clause.
func addImports(src []byte, specs []string) []byte {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return src
	}
	var block *ast.GenDecl
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			block = gd
			break
		}
	}
	if block == nil {
		at := fset.Position(f.Name.End()).Offset
		return slices.Concat(src[:at], []byte("\n\nimport (\n\t"+strings.Join(specs, "\n\t")+"\n)\n"), src[at:])
	}
	if !block.Lparen.IsValid() { // import "x": make it a block first
		from, to := fset.Position(block.Pos()).Offset, fset.Position(block.End()).Offset
		one := strings.TrimSpace(strings.TrimPrefix(string(src[from:to]), "import"))
		return addImports(slices.Concat(src[:from], []byte("import (\n\t"+one+"\n)"), src[to:]), specs)
	}
	type insert struct {
		at   int
		text string
	}
	var ins []insert
	for _, spec := range specs {
		std := isStdImport(spec)
		at := -1
		for _, s := range block.Specs {
			if isStdImport(s.(*ast.ImportSpec).Path.Value) == std {
				at = fset.Position(s.End()).Offset
			}
		}
		switch {
		case at >= 0:
			ins = append(ins, insert{at, "\n\t" + spec})
		case std:
			ins = append(ins, insert{fset.Position(block.Lparen).Offset + 1, "\n\t" + spec + "\n"})
		default:
			ins = append(ins, insert{fset.Position(block.Rparen).Offset, "\n\t" + spec + "\n"})
		}
	}
	slices.SortStableFunc(ins, func(a, b insert) int { return b.at - a.at })
	for _, i := range ins {
		src = slices.Concat(src[:i.at], []byte(i.text), src[i.at:])
	}
	return src
}

// isStdImport tells a standard library path (no dot in its first element)
// from the others; spec may carry a name before the quoted path.
func isStdImport(spec string) bool {
	p := spec[strings.IndexByte(spec, '"')+1:]
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

var emptyImportRe = regexp.MustCompile(`\nimport \(\s*\)\n`)

// removeEmptyImports drops an import block left empty.
func removeEmptyImports(b []byte) []byte {
	out := emptyImportRe.ReplaceAll(b, []byte("\n"))
	if f, err := format.Source(out); err == nil {
		return f
	}
	return b
}

// todoFuncs lists the exercise's declarations that return the TODO signal
// (a call to labkit.TODO anywhere inside), and TODO calls outside any.
func todoFuncs(p *srcPkg) (names []string, stray []string) {
	for _, file := range sortedKeys(p.parsed) {
		f := p.parsed[file]
		for _, d := range f.Decls {
			found := false
			ast.Inspect(d, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok && isTODOCall(c) {
					found = true
				}
				return !found
			})
			if !found {
				continue
			}
			if fd, ok := d.(*ast.FuncDecl); ok {
				names = append(names, funcName(fd))
				continue
			}
			stray = append(stray, fmt.Sprintf("%s:%d", file, p.fset.Position(d.Pos()).Line))
		}
	}
	return names, stray
}

func isTODOCall(c *ast.CallExpr) bool {
	s, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || s.Sel.Name != "TODO" {
		return false
	}
	id, ok := s.X.(*ast.Ident)
	return ok && id.Name == "labkit"
}
