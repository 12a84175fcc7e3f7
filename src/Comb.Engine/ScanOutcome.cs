using Comb.Contracts;

namespace Comb.Engine;

/// <summary>
/// One finished scan: <paramref name="Report"/> holds every finding (what the history keeps), <paramref name="Presented"/>
/// what the user's filters leave (what is printed), and <paramref name="Verdict"/> the decision taken on the presented report.
/// </summary>
public sealed record ScanOutcome(ScanReport Report, ScanReport Presented, ScanVerdict Verdict);
