using System.Globalization;
using Comb.Storage;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>Open vulnerabilities by severity per day as an inline SVG line chart, with the numbers in a table beside it.</summary>
public static class TrendChart
{
    private const int Width = 760, Height = 240, Left = 48, Right = 12, Top = 12, Bottom = 28;

    public static Markup Render(IReadOnlyList<TrendPoint> points)
    {
        if (points.Count == 0)
        {
            return H($"<p class=\"muted\">No scans yet.</p>");
        }

        var series = new (string Name, Func<TrendPoint, long> Value)[]
        {
            ("critical", p => p.Critical), ("high", p => p.High), ("medium", p => p.Medium), ("low", p => p.Low), ("unknown", p => p.Unknown),
        };
        var max = Math.Max(1, points.Max(p => series.Max(s => s.Value(p))));
        double X(int i) => Left + (points.Count == 1 ? 0 : i * (Width - Left - Right) / (double)(points.Count - 1));
        double Y(long v) => Top + (Height - Top - Bottom) * (1 - v / (double)max);
        static string F(double d) => d.ToString("0.#", CultureInfo.InvariantCulture);

        var lines = Join(series, s =>
        {
            var path = string.Join(' ', points.Select((p, i) => F(X(i)) + "," + F(Y(s.Value(p)))));
            return H($"<polyline class=\"line-{new Markup(s.Name)}\" fill=\"none\" stroke-width=\"2\" points=\"{path}\"><title>{s.Name}</title></polyline>");
        });
        var labels = Join(new[] { 0, points.Count / 2, points.Count - 1 }.Distinct(), i =>
            H($"<text x=\"{F(X(i))}\" y=\"{Height - 8}\" text-anchor=\"middle\">{points[i].Day.ToString("MM-dd", CultureInfo.InvariantCulture)}</text>"));
        var legend = Join(series.Select((s, i) => (s, i)), x =>
            H($"<g><line class=\"line-{new Markup(x.s.Name)}\" x1=\"{Left + 10 + x.i * 90}\" y1=\"{Top + 4}\" x2=\"{Left + 30 + x.i * 90}\" y2=\"{Top + 4}\" stroke-width=\"3\"/><text x=\"{Left + 34 + x.i * 90}\" y=\"{Top + 8}\">{x.s.Name}</text></g>"));
        var rows = Join(points, p => H($"<tr><td>{p.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}</td><td class=\"num\">{p.Critical}</td><td class=\"num\">{p.High}</td><td class=\"num\">{p.Medium}</td><td class=\"num\">{p.Low}</td><td class=\"num\">{p.Unknown}</td></tr>"));
        return H($"""
            <svg class="chart" viewBox="0 0 {Width} {Height}" role="img" aria-labelledby="trend-title">
            <title id="trend-title">Open vulnerabilities by severity per day, {points[0].Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} to {points[^1].Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}</title>
            <line class="axis" x1="{Left}" y1="{Height - Bottom}" x2="{Width - Right}" y2="{Height - Bottom}"/>
            <line class="axis" x1="{Left}" y1="{Top}" x2="{Left}" y2="{Height - Bottom}"/>
            <text x="{Left - 6}" y="{Top + 10}" text-anchor="end">{max}</text><text x="{Left - 6}" y="{Height - Bottom}" text-anchor="end">0</text>
            {labels}{lines}{legend}
            </svg>
            <details><summary>Numbers</summary><table><thead><tr><th>Day</th><th class="num">Critical</th><th class="num">High</th><th class="num">Medium</th><th class="num">Low</th><th class="num">Unknown</th></tr></thead><tbody>{rows}</tbody></table></details>
            """);
    }
}
