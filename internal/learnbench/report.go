package learnbench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// WriteTable prints one row per curve and checkpoint, and the verdict on
// the target: at 30 events, precision@1 within 90% of the oracle and noise
// at most half the base's (Curve.Target).
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "%d sites (%d for feedback, %d held out), %.0f s\n\n", r.Sites, r.Training, r.HeldOut, r.Seconds)
	fmt.Fprintf(w, "%-22s %-4s %-5s %7s %7s %7s %7s %7s %7s %8s %7s %7s  %s\n", "persona", "obj", "noise", "events", "P@1", "wanted", "noise", "shown", "rejected", "rej/site", "silence", "a.recall", "training")
	for _, c := range r.Curves {
		for _, p := range c.Points {
			fmt.Fprintf(w, "%-22s %-4s %-5.2f %7d %7.2f %7d %7.2f %7d %7d %8.3f %7.2f %7.2f  %s %s\n", c.Persona, c.Objective, c.Noise, p.Events, p.PrecisionAt1, p.Wanted, p.Noise, p.Shown, p.Rejected, p.PerSite, p.SilenceRecall, p.AutoRecall, p.TrainDecision, p.Adapter)
		}
		fmt.Fprintf(w, "%-22s %-4s %-5.2f %7s %7.2f %7d %7.2f %7s %7s %8s %7.2f %7.2f\n", c.Persona, c.Objective, c.Noise, "oracle", c.Oracle.PrecisionAt1, c.Oracle.Wanted, c.Oracle.Noise, "", "", "", c.Oracle.SilenceRecall, c.Oracle.AutoRecall)
		ok, why := c.Target()
		verdict := "MET"
		if !ok {
			verdict = "NOT MET"
		}
		_, swhy := c.Stable()
		fmt.Fprintf(w, "%-22s target %s: %s; %s\n", c.Persona, verdict, why, swhy)
		if c.Mismatch != "" {
			fmt.Fprintf(w, "%-22s recorded ≠ played: %s\n", c.Persona, c.Mismatch)
		}
		fmt.Fprintln(w)
	}
}

// Target checks the target on a curve at 30 feedback events (the
// last checkpoint at or below 30): precision@1 at least 0.9 × the oracle's
// and noise at most half the base's. A curve that met it at 10 or 20
// events and lost it by 30 does not meet it. When no held-out site is one
// the persona wants something at (Oracle.Wanted is 0), precision@1 is not
// measured (0 of 0) and only the noise is judged.
func (c Curve) Target() (bool, string) {
	if len(c.Points) == 0 {
		return false, "no points"
	}
	base, at := c.Points[0], -1
	for i, p := range c.Points {
		if p.Events > 0 && p.Events <= 30 {
			at = i
		}
	}
	if at < 0 {
		return false, "no checkpoint after feedback at or below 30 events"
	}
	p := c.Points[at]
	precOK := c.Oracle.Wanted == 0 || p.PrecisionAt1 >= 0.9*c.Oracle.PrecisionAt1
	noiseOK := p.Noise <= base.Noise/2
	var prec string
	switch {
	case c.Oracle.Wanted == 0:
		prec = "P@1 not measured (no held-out site wanted)"
	case precOK:
		prec = fmt.Sprintf("P@1 %.2f ≥ %.2f", p.PrecisionAt1, 0.9*c.Oracle.PrecisionAt1)
	default:
		prec = fmt.Sprintf("P@1 %.2f (need %.2f)", p.PrecisionAt1, 0.9*c.Oracle.PrecisionAt1)
	}
	noise := fmt.Sprintf("noise %.2f ≤ %.2f [%s; base %s]", p.Noise, base.Noise/2, p.rejectedCount(), base.rejectedCount())
	if !noiseOK {
		noise = fmt.Sprintf("noise %.2f (need ≤ %.2f) [%s; base %s]", p.Noise, base.Noise/2, p.rejectedCount(), base.rejectedCount())
	}
	return precOK && noiseOK, fmt.Sprintf("at %d events %s, %s", p.Events, prec, noise)
}

// Stable checks the stability target on a curve: from one
// checkpoint after feedback to the next (10, 20, 30, ... events), noise
// never rises by more than 0.05.
func (c Curve) Stable() (bool, string) {
	for i := 1; i+1 < len(c.Points); i++ {
		a, b := c.Points[i], c.Points[i+1]
		if a.Events == 0 {
			continue
		}
		if b.Noise > a.Noise+0.05+1e-9 {
			return false, fmt.Sprintf("noise rose %.2f → %.2f from %d to %d events [%s → %s]%s", a.Noise, b.Noise, a.Events, b.Events, a.rejectedCount(), b.rejectedCount(), b.topLeak())
		}
	}
	return true, "noise never rose by more than 0.05 between checkpoints"
}

// rejectedCount says what a noise figure is made of: "2 rejected of 2
// shown, 0.01 per site". In a mean curve the counts are the seeds' totals
// and the rate their mean.
func (m Metrics) rejectedCount() string {
	return fmt.Sprintf("%d rejected of %d shown, %.3f per site", m.Rejected, m.Shown, m.PerSite)
}

// topLeak names the rule most of m's noise comes from: " (12 of 17
// actions shown: python.raise-from)", or "" when nothing leaked. A rise
// that rests on one rule is one rule's score crossing the threshold.
func (m Metrics) topLeak() string {
	by := map[string]int{}
	for k, n := range m.Leaks {
		by[strings.TrimSuffix(k, "(test)")] += n
	}
	top, most := "", 0
	for r, n := range by {
		if n > most || (n == most && r < top) {
			top, most = r, n
		}
	}
	if most == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d of %d actions shown: %s)", most, m.Shown, top)
}

// Summary aggregates the same curves (persona, objective, noise) over runs
// with different seeds: which held-out files, which sites the persona meets
// and when it errs all change with the seed.
type Summary struct {
	Seeds  []uint64       `json:"seeds"`
	Curves []SummaryCurve `json:"curves"`
}

// SummaryCurve is the mean of one curve over seeds, with the target's
// verdict on the mean curve and on each seed's.
type SummaryCurve struct {
	Persona   string    `json:"persona"`
	Objective string    `json:"objective"`
	Noise     float64   `json:"noise"`
	Mean      Curve     `json:"mean"`
	Met       int       `json:"met"`    // seeds whose curve meets the target
	Stable    int       `json:"stable"` // seeds whose curve is stable (Curve.Stable)
	Runs      int       `json:"runs"`
	Verdicts  []string  `json:"verdicts"`
	NoiseAt   []float64 `json:"noise_at_30"` // each seed's noise at the last checkpoint ≤ 30
	measured  int       // seeds with a held-out site the persona wants
}

// Summarize averages reports made with the same configuration and
// different seeds, checkpoint by checkpoint. Precision@1 and automatic
// recall are averaged over the seeds whose held-out sites include one the
// persona wants something at (the others have none to measure them on);
// noise and silence recall over every seed. The mean curve's oracle is the
// mean of the seeds' oracles, its Wanted their total.
func Summarize(seeds []uint64, reps []*Report) Summary {
	sum := Summary{Seeds: seeds}
	type key struct {
		p, o string
		n    float64
	}
	idx := map[key]int{}
	for _, r := range reps {
		for _, c := range r.Curves {
			k := key{c.Persona, c.Objective, c.Noise}
			i, ok := idx[k]
			if !ok {
				i = len(sum.Curves)
				idx[k] = i
				sum.Curves = append(sum.Curves, SummaryCurve{Persona: c.Persona, Objective: c.Objective, Noise: c.Noise,
					Mean: Curve{Persona: c.Persona, Objective: c.Objective, Noise: c.Noise, Points: make([]Metrics, len(c.Points))}})
			}
			sc := &sum.Curves[i]
			sc.Runs++
			o := &sc.Mean.Oracle
			o.Wanted += c.Oracle.Wanted
			o.Noise += c.Oracle.Noise
			o.SilenceRecall += c.Oracle.SilenceRecall
			if c.Oracle.Wanted > 0 {
				sc.measured++
				o.PrecisionAt1 += c.Oracle.PrecisionAt1
				o.AutoRecall += c.Oracle.AutoRecall
			}
			ok, why := c.Target()
			if ok {
				sc.Met++
			}
			st, swhy := c.Stable()
			if st {
				sc.Stable++
			}
			v := why + "; " + swhy
			if c.Mismatch != "" {
				v += "; recorded ≠ played: " + c.Mismatch
			}
			sc.Verdicts = append(sc.Verdicts, v)
			sc.addPoints(c)
		}
	}
	for i := range sum.Curves {
		sc := &sum.Curves[i]
		n, k := float64(sc.Runs), float64(max(1, sc.measured))
		sc.Mean.Oracle.Noise /= n
		sc.Mean.Oracle.SilenceRecall /= n
		sc.Mean.Oracle.PrecisionAt1 /= k
		sc.Mean.Oracle.AutoRecall /= k
		for j := range sc.Mean.Points {
			m := &sc.Mean.Points[j]
			m.PrecisionAt1 /= k
			m.Noise /= n
			m.PerSite /= n
			m.SilenceRecall /= n
			m.AutoRecall /= k
		}
	}
	return sum
}

// addPoints adds one seed's curve to the sums of the mean curve's points
// (totals for the counts) and records its noise at 30 events.
func (sc *SummaryCurve) addPoints(c Curve) {
	at := 0.0
	for j, p := range c.Points {
		if j >= len(sc.Mean.Points) {
			break
		}
		m := &sc.Mean.Points[j]
		m.Events = p.Events
		m.Noise += p.Noise
		m.Rejected += p.Rejected
		m.Shown += p.Shown
		m.Sites += p.Sites
		m.PerSite += p.PerSite
		m.SilenceRecall += p.SilenceRecall
		if c.Oracle.Wanted > 0 {
			m.PrecisionAt1 += p.PrecisionAt1
			m.AutoRecall += p.AutoRecall
			m.Wanted += p.Wanted
		}
		if p.Events <= 30 {
			at = p.Noise
		}
	}
	sc.NoiseAt = append(sc.NoiseAt, at)
}

// WriteTable prints the mean curves and the verdicts.
func (s Summary) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "mean over seeds %v\n\n", s.Seeds)
	fmt.Fprintf(w, "rejected, shown: totals over the seeds; rej/site: the mean of the seeds' rejected automatic actions per held-out site\n\n")
	fmt.Fprintf(w, "%-22s %-4s %-5s %7s %7s %7s %8s %7s %8s %7s %7s\n", "persona", "obj", "noise", "events", "P@1", "noise", "rejected", "shown", "rej/site", "silence", "a.recall")
	for _, c := range s.Curves {
		for _, p := range c.Mean.Points {
			fmt.Fprintf(w, "%-22s %-4s %-5.2f %7d %7.2f %7.2f %8d %7d %8.3f %7.2f %7.2f\n", c.Persona, c.Objective, c.Noise, p.Events, p.PrecisionAt1, p.Noise, p.Rejected, p.Shown, p.PerSite, p.SilenceRecall, p.AutoRecall)
		}
		ok, why := c.Mean.Target()
		verdict := "MET"
		if !ok {
			verdict = "NOT MET"
		}
		fmt.Fprintf(w, "%-22s mean curve: target %s: %s\n", c.Persona, verdict, why)
		fmt.Fprintf(w, "%-22s seeds: target met in %d of %d runs, stable in %d\n", c.Persona, c.Met, c.Runs, c.Stable)
		for i, v := range c.Verdicts {
			fmt.Fprintf(w, "%-22s   seed %d: %s\n", "", s.Seeds[i%len(s.Seeds)], v)
		}
		fmt.Fprintln(w)
	}
}

// WriteSVG plots the mean curves, as Report.WriteSVG does for one run.
func (s Summary) WriteSVG(path string) error {
	r := Report{}
	for _, c := range s.Curves {
		r.Curves = append(r.Curves, c.Mean)
	}
	return r.WriteSVG(path)
}

// WriteJSON writes the summary.
func (s Summary) WriteJSON(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteJSON writes the report.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteSVG plots precision@1, noise and silence recall against feedback
// events, one line per curve, with the oracle dashed.
func (r *Report) WriteSVG(path string) error {
	const (
		pw, ph   = 320.0, 220.0 // one panel
		margin   = 40.0
		legendW  = 260.0
		maxEvent = 200.0
	)
	panels := []struct {
		title string
		get   func(Metrics) float64
	}{
		{"precision@1", func(m Metrics) float64 { return m.PrecisionAt1 }},
		{"noise (automatic)", func(m Metrics) float64 { return m.Noise }},
		{"silence recall", func(m Metrics) float64 { return m.SilenceRecall }},
	}
	colors := []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"}
	width := float64(len(panels))*(pw+margin) + margin + legendW
	height := ph + 2*margin + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="11">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	xOf := func(ev int) float64 { return math.Sqrt(float64(ev)) / math.Sqrt(maxEvent) * pw }
	for pi, pan := range panels {
		ox := margin + float64(pi)*(pw+margin)
		oy := margin
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-weight="bold">%s</text>`+"\n", ox, oy-10, pan.title)
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#888"/>`+"\n", ox, oy, pw, ph)
		for _, v := range []float64{0, 0.5, 1} {
			y := oy + ph - v*ph
			fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%.1f</text>`+"\n", ox-4, y+4, v)
		}
		for _, ev := range []int{0, 10, 20, 30, 50, 100, 200} {
			x := ox + xOf(ev)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#eee"/>`+"\n", x, oy, x, oy+ph)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">%d</text>`+"\n", x, oy+ph+14, ev)
		}
		for ci, c := range r.Curves {
			col := colors[ci%len(colors)]
			var pts []string
			for _, p := range c.Points {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", ox+xOf(p.Events), oy+ph-pan.get(p)*ph))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", col, strings.Join(pts, " "))
			y := oy + ph - pan.get(c.Oracle)*ph
			fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="%s" stroke-dasharray="3,3" opacity="0.5"/>`+"\n", ox, y, ox+pw, y, col)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">feedback events</text>`+"\n", ox+pw/2, oy+ph+30)
	}
	lx := margin + float64(len(panels))*(pw+margin)
	for ci, c := range r.Curves {
		y := margin + float64(ci)*14
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2"/>`+"\n", lx, y, lx+16, y, colors[ci%len(colors)])
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f">%s %s p=%.1f</text>`+"\n", lx+20, y+4, c.Persona, c.Objective, c.Noise)
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" fill="#666">dashed: oracle</text>`+"\n", lx, margin+float64(len(r.Curves))*14+10)
	b.WriteString("</svg>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
