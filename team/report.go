package team

import (
	"context"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"time"
)

// Report is what `syntx team report` shows: only what the hub publishes to
// every member. Contributions and acceptance come from the hub's
// k-anonymous functions, which leave out every group with fewer than k
// contributing members (k = the larger of the hub's min_members and
// Report.K); no member id appears.
type Report struct {
	Generated    time.Time
	Target       string
	K            int // the k applied
	Members      int64
	Contributors int64
	Records      int64
	Head         string
	Contrib      []Contribution
	Acceptance   []WeekAcceptance
	Weights      Weights
	Adapters     []Published
	Withdrawn    map[int64]bool // adapters withdrawn after a member forgot records
	Layer        string         // this machine's team layer, "" for none
}

// Contribution is one role and category's share of the shared records.
type Contribution struct {
	Role, Category       string
	Members, Preferences int64
	Desirable, Labels    int64
}

// WeekAcceptance is one week's acceptance of a category: the share of
// labels that were desirable (a suggestion kept) rather than undesirable
// (undone, ignored, dismissed).
type WeekAcceptance struct {
	Week              time.Time
	Category          string
	Members           int64
	Labels, Desirable int64
}

// BuildReport reads the published statistics with k (raised to the hub's
// own minimum by the hub).
func (h *Hub) BuildReport(ctx context.Context, k int) (Report, error) {
	hi, err := h.Info(ctx)
	if err != nil {
		return Report{}, err
	}
	r := Report{Generated: time.Now().UTC(), Target: h.Place, K: max(k, hi.MinMembers)}
	if err := h.conn.QueryRow(ctx, `SELECT members, contributors, preferences FROM syntx.team_size()`).Scan(&r.Members, &r.Contributors, &r.Records); err != nil {
		return r, fmt.Errorf("team report: %w", err)
	}
	rows, err := h.conn.Query(ctx, `SELECT role, category, members, preferences, desirable, labels FROM syntx.contributions($1)`, k)
	if err != nil {
		return r, fmt.Errorf("team report: %w", err)
	}
	for rows.Next() {
		var c Contribution
		if err := rows.Scan(&c.Role, &c.Category, &c.Members, &c.Preferences, &c.Desirable, &c.Labels); err != nil {
			rows.Close()
			return r, err
		}
		r.Contrib = append(r.Contrib, c)
	}
	rows.Close()
	rows, err = h.conn.Query(ctx, `SELECT week, category, members, labels, desirable FROM syntx.acceptance($1)`, k)
	if err != nil {
		return r, fmt.Errorf("team report: %w", err)
	}
	for rows.Next() {
		var a WeekAcceptance
		if err := rows.Scan(&a.Week, &a.Category, &a.Members, &a.Labels, &a.Desirable); err != nil {
			rows.Close()
			return r, err
		}
		r.Acceptance = append(r.Acceptance, a)
	}
	rows.Close()
	if r.Weights, err = h.Weights(ctx); err != nil {
		return r, err
	}
	if r.Adapters, err = h.Adapters(ctx, false); err != nil {
		return r, err
	}
	if r.Withdrawn, err = h.Withdrawn(ctx); err != nil {
		return r, err
	}
	if r.Head, err = h.Head(ctx); err != nil {
		return r, err
	}
	return r, nil
}

// WriteHTML writes the report as one self-contained page (inline CSS and
// SVG, no scripts, nothing fetched).
func (r Report) WriteHTML(w io.Writer) error {
	var b strings.Builder
	b.WriteString(reportHead)
	fmt.Fprintf(&b, "<h1>SyntX team report</h1>\n<p class=\"muted\">Hub %s, generated %s. %d members, %d of them contributed %d preferences. "+
		"Statistics over fewer than %d members are not shown (k-anonymity). Chain head %s.</p>\n",
		esc(r.Target), esc(r.Generated.Format("2006-01-02 15:04 MST")), r.Members, r.Contributors, r.Records, r.K, esc(r.Head))
	r.writeContributions(&b)
	r.writeAcceptance(&b)
	r.writeWeights(&b)
	r.writeAdapters(&b)
	b.WriteString("</body></html>\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write team report: %w", err)
	}
	return nil
}

func esc(s string) string { return html.EscapeString(s) }

// reportHead is the page's head and inline style.
const reportHead = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SyntX team report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.accepted{color:#00734d;font-weight:600}.rejected{color:#b34700;font-weight:600}.muted{color:#777}
svg text{font:11px system-ui,sans-serif;fill:#333}
</style></head><body>
`

func (r Report) writeContributions(b *strings.Builder) {
	b.WriteString("<h2>Contributions by role and category</h2>\n")
	if len(r.Contrib) == 0 {
		fmt.Fprintf(b, "<p class=\"muted\">No role and category has %d contributing members yet.</p>\n", r.K)
		return
	}
	b.WriteString("<table><tr><th>Role</th><th>Category</th><th>Members</th><th>Preferences</th><th>Kept / labelled</th><th>Weight</th></tr>\n")
	for _, c := range r.Contrib {
		fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d / %d</td><td class=\"n\">%g×</td></tr>\n",
			esc(c.Role), esc(c.Category), c.Members, c.Preferences, c.Desirable, c.Labels, r.Weights.Of(c.Role, c.Category))
	}
	b.WriteString("</table>\n")
}

func (r Report) writeAcceptance(b *strings.Builder) {
	b.WriteString("<h2>Acceptance over time</h2>\n")
	if len(r.Acceptance) == 0 {
		fmt.Fprintf(b, "<p class=\"muted\">No week has %d contributing members yet.</p>\n", r.K)
		return
	}
	b.WriteString("<p class=\"muted\">Per week and category: the share of labelled suggestions that were kept (the rest were undone, ignored or dismissed).</p>\n")
	b.WriteString(acceptanceChart(r.Acceptance))
}

func (r Report) writeWeights(b *strings.Builder) {
	b.WriteString("<h2>Role weights</h2>\n<table><tr><th>Role</th><th>Default</th><th>Per category</th></tr>\n")
	for _, role := range sortedKeys(r.Weights) {
		var per []string
		for _, cat := range sortedKeys(r.Weights[role]) {
			if cat != "*" {
				per = append(per, fmt.Sprintf("%s %g×", cat, r.Weights[role][cat]))
			}
		}
		def := 1.0
		if v, ok := r.Weights[role]["*"]; ok {
			def = v
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td class=\"n\">%g×</td><td>%s</td></tr>\n", esc(role), def, esc(strings.Join(per, ", ")))
	}
	b.WriteString("</table>\n")
}

func (r Report) writeAdapters(b *strings.Builder) {
	b.WriteString("<h2>Team adapter history</h2>\n")
	if r.Layer != "" {
		fmt.Fprintf(b, "<p>This machine's team layer: <b>%s</b>.</p>\n", esc(r.Layer))
	}
	if len(r.Adapters) == 0 {
		b.WriteString("<p class=\"muted\">No team adapter was trained yet.</p>\n")
		return
	}
	b.WriteString("<table><tr><th>Version</th><th>Published</th><th>Decision</th><th>Held-out accuracy<br>new / previous</th>" +
		"<th>Held-out log-loss<br>new / previous</th><th>Data</th><th>By role and category</th><th>SHA-256</th></tr>\n")
	for _, a := range r.Adapters {
		m := a.Metrics.Holdout
		decision := a.Decision
		if r.Withdrawn[a.Version] {
			decision += " (withdrawn)"
		}
		var parts []string
		for _, k := range sortedKeys(a.Counts.ByRoleCat) {
			parts = append(parts, fmt.Sprintf("%s %d", k, a.Counts.ByRoleCat[k].N))
		}
		fmt.Fprintf(b, "<tr><td>t%d</td><td>%s</td><td class=\"%s\">%s</td><td class=\"n\">%.3f / %.3f</td><td class=\"n\">%.3f / %.3f</td>"+
			"<td>%d records from %d members<br><span class=\"muted\">%d train, %d held out</span></td><td>%s</td><td class=\"muted\">%s</td></tr>\n",
			a.Version, esc(a.CreatedAt.UTC().Format("2006-01-02 15:04")), esc(a.Decision), esc(decision),
			m.New.Accuracy, m.Active.Accuracy, m.New.LogLoss, m.Active.LogLoss,
			a.Counts.Records, a.Counts.Members, a.Counts.Train, a.Counts.Holdout, esc(strings.Join(parts, ", ")), esc(short(a.SHA256)))
	}
	b.WriteString("</table>\n")
}

var categoryColors = map[string]string{"security": "#c0392b", "performance": "#2471a3", "correctness": "#1e8449", "style": "#b9770e"}

// acceptanceChart draws the weekly acceptance per category.
func acceptanceChart(weeks []WeekAcceptance) string {
	var all []time.Time
	by := map[string]map[time.Time]float64{}
	for _, a := range weeks {
		if !slices.ContainsFunc(all, a.Week.Equal) {
			all = append(all, a.Week)
		}
		if by[a.Category] == nil {
			by[a.Category] = map[time.Time]float64{}
		}
		if a.Labels > 0 {
			by[a.Category][a.Week] = float64(a.Desirable) / float64(a.Labels)
		}
	}
	slices.SortFunc(all, func(a, b time.Time) int { return a.Compare(b) })
	const wd, ht, pad = 640.0, 220.0, 36.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg width="%g" height="%g" role="img" aria-label="acceptance over time">`, wd, ht+30)
	for _, y := range []float64{0, 0.5, 1} {
		py := pad/2 + (1-y)*(ht-pad)
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="2" y="%.1f">%.0f%%</text>`, pad, wd, py, py, py+4, y*100)
	}
	x := func(i int) float64 {
		if len(all) < 2 {
			return pad + (wd-pad)/2
		}
		return pad + float64(i)*(wd-pad-10)/float64(len(all)-1)
	}
	li := 0
	for _, cat := range sortedKeys(by) {
		var pts []string
		for i, wk := range all {
			if v, ok := by[cat][wk]; ok {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), pad/2+(1-v)*(ht-pad)))
			}
		}
		c := categoryColors[cat]
		if c == "" {
			c = "#555"
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, c, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<rect x="%g" y="%g" width="12" height="4" fill="%s"/><text x="%g" y="%g">%s</text>`,
			pad+float64(li)*120, ht+14, c, pad+float64(li)*120+16, ht+20, html.EscapeString(cat))
		li++
	}
	if len(all) > 0 {
		fmt.Fprintf(&b, `<text x="%g" y="%g">%s</text>`, pad, ht, all[0].Format("2006-01-02"))
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="end">%s</text>`, wd-10, ht, all[len(all)-1].Format("2006-01-02"))
	}
	b.WriteString("</svg>\n")
	return b.String()
}
