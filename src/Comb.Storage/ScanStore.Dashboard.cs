namespace Comb.Storage;

/// <summary>Every figure of the console's dashboard that comes from the stored scans.</summary>
public sealed record FleetDashboard(FleetOverview Overview, IReadOnlyList<CveCount> Top, IReadOnlyList<ScanSummary> Riskiest, IReadOnlyList<TrendPoint> Trend);

public sealed partial class ScanStore
{
    private readonly SemaphoreSlim _dashboardGate = new(1, 1);
    private (long Changes, DateOnly Today, int Days, int Top, FleetDashboard Figures)? _dashboard;

    /// <summary>
    /// The dashboard's figures, computed once per change of the stored scans (and per day) and kept in memory: a page
    /// view costs one indexed read of the change counter while nothing is recorded. Figures computed while a scan
    /// commits are kept under the older counter value, so the next view computes them again; figures computed while a
    /// PostgreSQL writer that has marked its change is yet to commit are not kept at all.
    /// </summary>
    public async Task<FleetDashboard> DashboardAsync(DateOnly today, int days, int top, CancellationToken cancellationToken)
    {
        var changes = await ChangesAsync(cancellationToken).ConfigureAwait(false);
        if (changes is { } known && Fresh(known, today, days, top) is { } cached)
        {
            return cached;
        }

        // One computation at a time: views that arrive meanwhile take its result instead of repeating it.
        await _dashboardGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            changes = await ChangesAsync(cancellationToken).ConfigureAwait(false);
            if (changes is { } settled && Fresh(settled, today, days, top) is { } computed)
            {
                return computed;
            }

            // Scans were recorded since: the tables may have outgrown the statistics the image filters are planned by.
            await RefreshStatisticsAsync(cancellationToken).ConfigureAwait(false);
            var figures = new FleetDashboard(
                await OverviewAsync(cancellationToken).ConfigureAwait(false),
                await TopVulnerabilitiesAsync(top, cancellationToken).ConfigureAwait(false),
                await RiskiestAsync(top, cancellationToken).ConfigureAwait(false),
                await TrendAsync(today, days, cancellationToken).ConfigureAwait(false));
            if (changes is { } mark)
            {
                _dashboard = (mark, today, days, top, figures);
            }

            return figures;
        }
        finally
        {
            _dashboardGate.Release();
        }
    }

    private FleetDashboard? Fresh(long changes, DateOnly today, int days, int top) =>
        _dashboard is { } d && d.Changes == changes && d.Today == today && d.Days == days && d.Top == top ? d.Figures : null;
}
