package train

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/syntx/syntx/store"
)

// Report is what `syntx report` shows: acceptance over time, the adapter
// history and the loss curves of the last runs.
type Report struct {
	Generated time.Time
	// From and Bucket describe the time axis of the acceptance series:
	// bucket i covers [From + i·Bucket, From + (i+1)·Bucket).
	From    time.Time
	Bucket  time.Duration
	Buckets int
	// ByCategory and ByPersona are acceptance series (suggestions shown in
	// each bucket, and how many of them were applied).
	ByCategory []Series
	ByPersona  []Series
	// Runs are the training runs, newest first, with their adapters' states.
	Runs []RunSummary
	// Status is the store's summary.
	Status store.Status
}

// Series is one acceptance curve.
type Series struct {
	Name    string
	Offered []int
	Applied []int
}

// Rate returns applied/offered in bucket i, or NaN when nothing was shown.
func (s Series) Rate(i int) float64 {
	if s.Offered[i] == 0 {
		return math.NaN()
	}
	return float64(s.Applied[i]) / float64(s.Offered[i])
}

// RunSummary is one run of the adapter history.
type RunSummary struct {
	store.Run
	Hyper        Hyperparams
	Data         DataCounts
	Metrics      Metrics
	AdapterState string
}

// ReportOptions tune BuildReport.
type ReportOptions struct {
	Now     time.Time // the report's date; time.Now if zero
	Buckets int       // time buckets of the acceptance series; 24 if 0
}

// BuildReport reads the store. A suggestion counts as shown when it has an
// offered event (or was applied, which implies it was shown) and as applied
// when it was accepted, kept, edited or undone, as in store.Status; it
// falls in the bucket of its first event, under its category and the
// persona of that event.
func BuildReport(ctx context.Context, db *store.DB, opt ReportOptions) (Report, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Buckets <= 0 {
		opt.Buckets = 24
	}
	r := Report{Generated: opt.Now}
	st, err := db.Status(ctx)
	if err != nil {
		return r, fmt.Errorf("report: %w", err)
	}
	r.Status = st
	shown, err := shownSuggestions(ctx, db)
	if err != nil {
		return r, fmt.Errorf("report: %w", err)
	}
	r.series(shown, opt.Buckets)
	if r.Runs, err = runSummaries(ctx, db); err != nil {
		return r, fmt.Errorf("report: %w", err)
	}
	return r, nil
}

// shownSuggestion is a suggestion the report counts: when its first event
// was, that event's persona, its category and whether it was applied.
type shownSuggestion struct {
	first    time.Time
	persona  string
	shown    bool
	applied  bool
	category string
}

// shownSuggestions returns the suggestions that were shown and are still
// stored, in the order of their first events.
func shownSuggestions(ctx context.Context, db *store.DB) ([]*shownSuggestion, error) {
	by := map[string]*shownSuggestion{}
	var order []string
	err := db.Events(ctx, store.EventFilter{}, func(e store.Event) error {
		s := by[e.SuggestionID]
		if s == nil {
			s = &shownSuggestion{first: e.At, persona: e.Persona}
			by[e.SuggestionID] = s
			order = append(order, e.SuggestionID)
		}
		switch e.Outcome {
		case store.Offered:
			s.shown = true
		case store.Accepted, store.Kept, store.Edited, store.Undone:
			s.shown, s.applied = true, true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []*shownSuggestion
	for _, id := range order {
		s := by[id]
		if !s.shown {
			continue
		}
		sg, err := db.Suggestion(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.category = sg.Category
		out = append(out, s)
	}
	return out, nil
}

// series sets the report's time axis (From, Bucket, Buckets) to span the
// first events of shown in n buckets, and counts them by category and by
// persona (ByCategory, ByPersona, sorted by name).
func (r *Report) series(shown []*shownSuggestion, n int) {
	var lo, hi time.Time
	for _, s := range shown {
		if lo.IsZero() || s.first.Before(lo) {
			lo = s.first
		}
		if s.first.After(hi) {
			hi = s.first
		}
	}
	span := hi.Sub(lo)
	r.Buckets = n
	r.Bucket = max(time.Minute, (span+time.Duration(n)-1)/time.Duration(n)+1)
	r.From = lo
	cats := map[string]*Series{}
	pers := map[string]*Series{}
	get := func(m map[string]*Series, name string) *Series {
		s := m[name]
		if s == nil {
			s = &Series{Name: name, Offered: make([]int, r.Buckets), Applied: make([]int, r.Buckets)}
			m[name] = s
		}
		return s
	}
	for _, s := range shown {
		if s.category == "" {
			continue
		}
		b := min(r.Buckets-1, int(s.first.Sub(lo)/r.Bucket))
		for _, ser := range []*Series{get(cats, s.category), get(pers, s.persona)} {
			ser.Offered[b]++
			if s.applied {
				ser.Applied[b]++
			}
		}
	}
	flatten := func(m map[string]*Series) []Series {
		var out []Series
		for _, s := range m {
			out = append(out, *s)
		}
		slices.SortFunc(out, func(a, b Series) int { return cmp.Compare(a.Name, b.Name) })
		return out
	}
	r.ByCategory, r.ByPersona = flatten(cats), flatten(pers)
}

// runSummaries returns every training run with the state of the adapter
// it produced and its settings, data counts and metrics decoded.
func runSummaries(ctx context.Context, db *store.DB) ([]RunSummary, error) {
	runs, err := db.Runs(ctx, 0)
	if err != nil {
		return nil, err
	}
	ads, err := db.Adapters(ctx)
	if err != nil {
		return nil, err
	}
	state := map[string]string{}
	for _, a := range ads {
		state[a.Version] = a.State
	}
	var out []RunSummary
	for _, run := range runs {
		rs := RunSummary{Run: run, AdapterState: state[run.AdapterVersion]}
		_ = json.Unmarshal(run.Hyperparams, &rs.Hyper)
		_ = json.Unmarshal(run.DataCounts, &rs.Data)
		_ = json.Unmarshal(run.Metrics, &rs.Metrics)
		out = append(out, rs)
	}
	return out, nil
}

// palette holds the series colours (colour-blind safe, Okabe–Ito).
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"}

// WriteHTML writes the report as one self-contained HTML page: inline CSS
// and SVG, no scripts, no external resources.
func (r Report) WriteHTML(w io.Writer) error {
	var b strings.Builder
	esc := html.EscapeString
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SyntX report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.accepted{color:#00734d;font-weight:600}.rejected{color:#b34700;font-weight:600}.failed{color:#a00;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.muted{color:#777}
svg text{font:11px system-ui,sans-serif;fill:#333}
.legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}
</style></head><body>
`)
	fmt.Fprintf(&b, "<h1>SyntX report</h1>\n<p class=\"muted\">Generated %s. %d suggestions, %d preferences, %d training runs; active adapter: %s.</p>\n",
		esc(r.Generated.UTC().Format("2006-01-02 15:04 MST")), r.Status.Suggestions, r.Status.Preferences, len(r.Runs), esc(activeName(r.Status.Adapter)))

	b.WriteString("<h2>Acceptance rate over time</h2>\n")
	if len(r.ByCategory) == 0 {
		b.WriteString("<p class=\"muted\">No suggestions were shown yet.</p>\n")
	} else {
		fmt.Fprintf(&b, "<p class=\"muted\">Share of shown suggestions that were applied, per %s from %s.</p>\n<div class=\"charts\">\n",
			esc(humanDuration(r.Bucket)), esc(r.From.UTC().Format("2006-01-02 15:04")))
		b.WriteString(r.rateChart("By category", r.ByCategory))
		b.WriteString(r.rateChart("By persona", r.ByPersona))
		b.WriteString("</div>\n")
	}

	r.writeRuns(&b)
	r.writeLossCurves(&b)
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// writeRuns writes the adapter history: a table row per training run.
func (r Report) writeRuns(b *strings.Builder) {
	esc := html.EscapeString
	b.WriteString("<h2>Adapter history</h2>\n")
	if len(r.Runs) == 0 {
		b.WriteString("<p class=\"muted\">No training runs yet.</p>\n")
		return
	}
	b.WriteString("<table><tr><th>Run</th><th>Finished</th><th>Objective</th><th>Adapter</th><th>Decision</th>" +
		"<th>Held-out accuracy<br>new / active</th><th>Held-out log-loss<br>new / active</th><th>Data (train / held out)</th><th>Reason</th></tr>\n")
	for _, run := range r.Runs {
		m := run.Metrics
		ad := esc(run.AdapterVersion)
		if ad != "" && run.AdapterState != "" {
			ad += " (" + esc(run.AdapterState) + ")"
		}
		if run.AdapterSHA256 != "" {
			ad += fmt.Sprintf("<br><span class=\"muted\">%s</span>", esc(run.AdapterSHA256[:min(12, len(run.AdapterSHA256))]))
		}
		var personas []string
		for name, c := range run.Data.ByPersona {
			personas = append(personas, fmt.Sprintf("%s %d/%d", esc(name), c.Train, c.Holdout))
		}
		slices.Sort(personas)
		fmt.Fprintf(b, "<tr><td class=\"n\">%d</td><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td>"+
			"<td class=\"n\">%.3f / %.3f</td><td class=\"n\">%.3f / %.3f</td><td>%d / %d<br><span class=\"muted\">%s</span></td><td>%s</td></tr>\n",
			run.ID, esc(run.FinishedAt.UTC().Format("2006-01-02 15:04")), esc(run.Objective), ad,
			esc(string(run.Decision)), esc(string(run.Decision)),
			m.Holdout.New.Accuracy, m.Holdout.Active.Accuracy, m.Holdout.New.LogLoss, m.Holdout.Active.LogLoss,
			run.Data.Train, run.Data.Holdout, strings.Join(personas, ", "), esc(m.Reason))
	}
	b.WriteString("</table>\n")
}

// writeLossCurves writes the loss charts of the six newest runs that
// recorded losses.
func (r Report) writeLossCurves(b *strings.Builder) {
	b.WriteString("<h2>Loss curves of the last runs</h2>\n")
	shown := 0
	b.WriteString("<div class=\"charts\">\n")
	for _, run := range r.Runs {
		if shown == 6 {
			break
		}
		if len(run.Metrics.PolicyLoss) == 0 && len(run.Metrics.RewardLoss) == 0 {
			continue
		}
		b.WriteString(lossChart(run))
		shown++
	}
	b.WriteString("</div>\n")
	if shown == 0 {
		b.WriteString("<p class=\"muted\">No loss curves recorded yet.</p>\n")
	}
}

func activeName(v *string) string {
	if v == nil {
		return "none (base policy)"
	}
	return *v
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	case d >= 2*time.Hour:
		return fmt.Sprintf("%.1f hours", d.Hours())
	default:
		return fmt.Sprintf("%.0f minutes", d.Minutes())
	}
}

// chart geometry.
const (
	chartW, chartH = 500, 260
	padL, padR     = 44, 12
	padT, padB     = 26, 30
)

func svgOpen(b *strings.Builder, title string) {
	fmt.Fprintf(b, "<figure style=\"margin:0\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
		chartW, chartH, chartW, chartH, html.EscapeString(title))
	fmt.Fprintf(b, "<text x=\"%d\" y=\"16\" style=\"font-weight:600;font-size:13px\">%s</text>\n", padL, html.EscapeString(title))
}

// axes draws the frame and y ticks for [ylo, yhi].
func axes(b *strings.Builder, ylo, yhi float64, label func(float64) string) {
	x0, x1 := padL, chartW-padR
	for i := 0; i <= 4; i++ {
		v := ylo + (yhi-ylo)*float64(i)/4
		y := yPos(v, ylo, yhi)
		fmt.Fprintf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n", x0, x1, y, y)
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", x0-4, y+4, label(v))
	}
	fmt.Fprintf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", x0, x1, chartH-padB, chartH-padB)
}

func yPos(v, lo, hi float64) float64 {
	if hi <= lo {
		hi = lo + 1
	}
	return float64(chartH-padB) - (v-lo)/(hi-lo)*float64(chartH-padT-padB)
}

func xPos(i, n int) float64 {
	if n <= 1 {
		return float64(padL)
	}
	return float64(padL) + float64(i)/float64(n-1)*float64(chartW-padL-padR)
}

// polyline draws ys (NaN breaks the line) in colour c.
func polyline(b *strings.Builder, ys []float64, lo, hi float64, c string, dash bool) {
	var pts []string
	flush := func() {
		if len(pts) == 1 {
			var x, y float64
			fmt.Sscanf(pts[0], "%f,%f", &x, &y)
			fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", x, y, c)
		} else if len(pts) > 1 {
			extra := ""
			if dash {
				extra = " stroke-dasharray=\"5 3\""
			}
			fmt.Fprintf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>\n", c, extra, strings.Join(pts, " "))
		}
		pts = pts[:0]
	}
	for i, v := range ys {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			flush()
			continue
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", xPos(i, len(ys)), yPos(v, lo, hi)))
	}
	flush()
}

func legend(b *strings.Builder, names []string) {
	b.WriteString("<figcaption class=\"legend\">")
	for i, n := range names {
		fmt.Fprintf(b, "<span><i style=\"background:%s\"></i>%s</span>", palette[i%len(palette)], html.EscapeString(n))
	}
	b.WriteString("</figcaption></figure>\n")
}

func (r Report) rateChart(title string, series []Series) string {
	var b strings.Builder
	svgOpen(&b, title)
	axes(&b, 0, 1, func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) })
	names := make([]string, len(series))
	for i, ser := range series {
		ys := make([]float64, r.Buckets)
		for k := range ys {
			ys[k] = ser.Rate(k)
		}
		polyline(&b, ys, 0, 1, palette[i%len(palette)], false)
		total, applied := 0, 0
		for k := range ser.Offered {
			total += ser.Offered[k]
			applied += ser.Applied[k]
		}
		names[i] = fmt.Sprintf("%s (%d/%d)", ser.Name, applied, total)
	}
	fmt.Fprintf(&b, "<text x=\"%d\" y=\"%d\">%s</text>\n", padL, chartH-8, html.EscapeString(r.From.UTC().Format("Jan 2 15:04")))
	end := r.From.Add(r.Bucket * time.Duration(r.Buckets))
	fmt.Fprintf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", chartW-padR, chartH-8, html.EscapeString(end.UTC().Format("Jan 2 15:04")))
	b.WriteString("</svg>\n")
	legend(&b, names)
	return b.String()
}

func lossChart(run RunSummary) string {
	var b strings.Builder
	title := fmt.Sprintf("Run %d (%s, %s)", run.ID, run.Objective, run.Decision)
	svgOpen(&b, title)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range [][]float64{run.Metrics.RewardLoss, run.Metrics.PolicyLoss} {
		for _, v := range c {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-0.5, hi+0.5
	}
	pad := (hi - lo) * 0.05
	lo, hi = lo-pad, hi+pad
	axes(&b, lo, hi, func(v float64) string { return fmt.Sprintf("%.3g", v) })
	var names []string
	if len(run.Metrics.RewardLoss) > 0 {
		polyline(&b, run.Metrics.RewardLoss, lo, hi, palette[0], true)
		names = append(names, fmt.Sprintf("reward model (%d epochs)", run.Metrics.RewardEpochs))
	} else {
		names = append(names, "reward model (none)")
	}
	polyline(&b, run.Metrics.PolicyLoss, lo, hi, palette[1], false)
	names = append(names, fmt.Sprintf("policy (%d epochs)", run.Metrics.PolicyEpochs))
	fmt.Fprintf(&b, "<text x=\"%d\" y=\"%d\">epoch 1</text>\n", padL, chartH-8)
	fmt.Fprintf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">last epoch</text>\n", chartW-padR, chartH-8)
	b.WriteString("</svg>\n")
	legend(&b, names)
	return b.String()
}
