using Comb.Contracts;

namespace Comb.Storage;

/// <summary>The life of one image in the history: scans, verdict changes, and when each finding came and went.</summary>
public sealed record ImageTrace
{
    public required string Digest { get; init; }
    public DateTimeOffset? FirstSeen { get; init; }
    public IReadOnlyList<ScanSummary> Scans { get; init; } = [];
    public IReadOnlyList<TraceEvent> Events { get; init; } = [];

    public static async Task<ImageTrace> BuildAsync(ScanStore store, string digest, CancellationToken cancellationToken)
    {
        var scans = await store.TimelineAsync(digest, cancellationToken).ConfigureAwait(false);
        var events = new List<TraceEvent>();
        HashSet<string> previous = [];
        string? verdict = null;
        foreach (var scan in scans)
        {
            var report = await store.GetAsync(scan.Id, cancellationToken).ConfigureAwait(false);
            if (report is null)
            {
                continue;
            }

            var current = report.Vulnerabilities.Select(ScanDiff.VulnKey)
                .Concat(report.Secrets.Select(s => $"secret {s.RuleId} in {s.Path}"))
                .Concat(report.Malware.Select(m => $"malware {m.Path}"))
                .ToHashSet(StringComparer.Ordinal);
            events.AddRange(current.Except(previous).Order(StringComparer.Ordinal).Select(f => new TraceEvent(scan.CreatedAt, scan.Id, "appeared", f)));
            events.AddRange(previous.Except(current).Order(StringComparer.Ordinal).Select(f => new TraceEvent(scan.CreatedAt, scan.Id, "disappeared", f)));
            if (scan.Verdict != verdict && (verdict is not null || scan != scans[0]))
            {
                events.Add(new TraceEvent(scan.CreatedAt, scan.Id, "verdict", $"{verdict ?? "none"} -> {scan.Verdict ?? "none"}"));
            }

            verdict = scan.Verdict;
            previous = current;
        }

        return new ImageTrace { Digest = digest, FirstSeen = scans.Count > 0 ? scans[0].CreatedAt : null, Scans = scans, Events = events };
    }
}

public sealed record TraceEvent(DateTimeOffset At, string ScanId, string Kind, string What);
