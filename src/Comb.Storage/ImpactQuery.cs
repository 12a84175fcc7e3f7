using System.Text.RegularExpressions;

namespace Comb.Storage;

/// <summary>
/// What `comb impact` and the server's impact query ask: a vulnerability id (CVE, GHSA, distro advisory) or a package
/// name with an optional "@version".
/// </summary>
public sealed partial record ImpactQuery(string Text, bool IsVulnerabilityId, string? PackageName, string? PackageVersion)
{
    public static ImpactQuery Parse(string text)
    {
        if (VulnerabilityIdPattern().IsMatch(text))
        {
            return new ImpactQuery(text, true, null, null);
        }

        var at = text.LastIndexOf('@');
        return at > 0 ? new ImpactQuery(text, false, text[..at], text[(at + 1)..]) : new ImpactQuery(text, false, text, null);
    }

    /// <summary>Every stored image (latest scan per digest) the query hits.</summary>
    public Task<IReadOnlyList<ImpactHit>> RunAsync(ScanStore store, CancellationToken cancellationToken) =>
        IsVulnerabilityId ? store.ImpactByVulnerabilityAsync(Text, cancellationToken) : store.ImpactByPackageAsync(PackageName!, PackageVersion, cancellationToken);

    [GeneratedRegex("^(CVE-\\d{4}-\\d+|GHSA(-[0-9a-z]{4}){3}|[A-Z][A-Z0-9]+-[0-9A-Za-z:.-]+\\d)$")]
    private static partial Regex VulnerabilityIdPattern();
}
