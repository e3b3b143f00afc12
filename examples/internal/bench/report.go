package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteTable writes the results as a Markdown table: throughput ratio with
// its per-round spread, the goal, and each server's throughput and CPU per
// request, and the CPU per request of the rest of the machine (load
// generator and upstream) while each side was measured.
func WriteTable(w io.Writer, results []Result) {
	fmt.Fprintln(w, "| comparison | shape | ratio (B/A) | rounds min-max | goal | A req/s | A CPU/req | B req/s | B CPU/req | rest CPU/req A / B |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		lo, hi := r.Spread()
		goal := r.Comparison.GoalFor(r.Shape)
		mark, goalText := "", "-"
		if goal > 0 {
			goalText = fmt.Sprintf("%.2f", goal)
			if r.Ratio() < goal {
				mark = " (below goal)"
			}
		}
		fmt.Fprintf(w, "| %s | %s | %.3f%s | %.3f-%.3f | %s | %s %.0f | %s | %s %.0f | %s | %s / %s |\n",
			shortName(r.Comparison), r.Shape, r.Ratio(), mark, lo, hi, goalText,
			r.A.Role, r.A.PerSecond(), us(r.A.CPUPerRequest().Seconds()),
			r.B.Role, r.B.PerSecond(), us(r.B.CPUPerRequest().Seconds()),
			us(r.A.RestPerRequest().Seconds()), us(r.B.RestPerRequest().Seconds()))
	}
}

func us(sec float64) string { return fmt.Sprintf("%.1f µs", sec*1e6) }

func shortName(c Comparison) string {
	name, _, _ := strings.Cut(c.Name, ":")
	return name
}

// WriteSVG draws the ratios as a bar chart, one group per comparison, one
// bar per shape, with a line at 1.0 and a dashed tick at each goal (a
// comparison without one has none). It is
// plain SVG so the chart in the README is regenerated, diffed and reviewed
// like code.
func WriteSVG(w io.Writer, results []Result, caption string) error {
	const (
		height            = 360
		left, right, top  = 60, 20, 56
		bottom            = 84
		barW, barGap, gap = 64, 14, 90
	)
	groups := 0
	for i, r := range results {
		if i == 0 || shortName(r.Comparison) != shortName(results[i-1].Comparison) {
			groups++
		}
	}
	width := max(760, left+30+len(results)*(barW+barGap)+max(groups-1, 0)*gap+right)
	top1 := 1.25
	for _, r := range results {
		top1 = max(top1, r.Ratio()+0.1)
	}
	maxRatio := math.Ceil(top1*4) / 4
	plotH := float64(height - top - bottom)
	y := func(v float64) float64 {
		v = min(max(v, 0), maxRatio)
		return float64(top) + plotH*(1-v/maxRatio)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	title, sub, _ := strings.Cut(caption, "\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", left, xmlEscape(title))
	fmt.Fprintf(&b, `<text x="%d" y="38" fill="#555">%s</text>`+"\n", left, xmlEscape(sub))
	for v := 0.0; v <= maxRatio+1e-9; v += 0.25 {
		stroke := "#ddd"
		if v == 1 {
			stroke = "#444"
		}
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`+"\n", left, width-right, y(v), y(v), stroke)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%.2f</text>`+"\n", left-6, y(v)+4, v)
	}
	colors := []string{"#4e79a7", "#f28e2b", "#59a14f"}
	x := float64(left + 30)
	var group string
	var groupStart float64
	shapeIdx := 0
	endGroup := func(label string) {
		mid := (groupStart + x - barGap) / 2
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-weight="bold">%s</text>`+"\n", mid, height-bottom+36, xmlEscape(label))
	}
	var label string
	for _, r := range results {
		name := shortName(r.Comparison)
		if name != group {
			if group != "" {
				endGroup(label)
				x += gap
			}
			group, label, groupStart, shapeIdx = name, groupLabel(r.Comparison), x, 0
		}
		ratio, goal := r.Ratio(), r.Comparison.GoalFor(r.Shape)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%d" height="%.1f" fill="%s"/>`+"\n",
			x, y(ratio), barW, y(0)-y(ratio), colors[shapeIdx%len(colors)])
		// The value stands above the bar or the goal, whichever is higher.
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%.3f</text>`+"\n", x+barW/2, y(max(ratio, goal))-5, ratio)
		if goal > 0 {
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#c00" stroke-width="2" stroke-dasharray="4 2"/>`+"\n", x-4, x+barW+4, y(goal), y(goal))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x+barW/2, height-bottom+16, xmlEscape(r.Shape))
		x += barW + barGap
		shapeIdx++
	}
	if group != "" {
		endGroup(label)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#c00">dashed: goal</text>`+"\n", left, height-12)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// groupLabel is the comparison's name after its colon, short enough to
// stand under its bars.
func groupLabel(c Comparison) string {
	_, rest, ok := strings.Cut(c.Name, ":")
	if !ok {
		return c.Name
	}
	return strings.TrimSpace(rest)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// WriteCounts writes counts as a markdown table, one row per shape and
// role, with each event's difference from the first role of its shape.
func WriteCounts(w io.Writer, counts []Count) {
	fmt.Fprintf(w, "| shape | role | instructions | I1 misses | data reads | D1 read misses | data writes | D1 write misses |\n")
	fmt.Fprintf(w, "|---|---|---:|---:|---:|---:|---:|---:|\n")
	var first Count
	for _, c := range counts {
		if c.Shape != first.Shape {
			first = c
		}
		fmt.Fprintf(w, "| %s | %s |", c.Shape, c.Role)
		for k, v := range c.PerRequest {
			if c.Role == first.Role {
				fmt.Fprintf(w, " %.0f |", v)
			} else {
				fmt.Fprintf(w, " %.0f (%+.0f) |", v, v-first.PerRequest[k])
			}
		}
		fmt.Fprintln(w)
	}
}
