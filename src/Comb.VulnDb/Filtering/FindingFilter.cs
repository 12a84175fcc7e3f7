using Comb.Contracts;

namespace Comb.VulnDb.Filtering;

/// <summary>
/// The user's post-filters, applied after matching: ignore file, OpenVEX statements, <c>--ignore-unfixed</c> and
/// <c>--severity</c>. Returns what is left and a note for each expired ignore entry.
/// </summary>
internal sealed class FindingFilter
{
    private readonly IReadOnlyList<IgnoreEntry> _ignores;
    private readonly IReadOnlyList<VexStatement> _vex;
    private readonly IReadOnlySet<Severity> _severities;
    private readonly bool _ignoreUnfixed;

    public FindingFilter(IReadOnlyList<IgnoreEntry> activeIgnores, IReadOnlyList<VexStatement> vex, IReadOnlySet<Severity> severities, bool ignoreUnfixed)
    {
        _ignores = activeIgnores;
        _vex = vex;
        _severities = severities;
        _ignoreUnfixed = ignoreUnfixed;
    }

    /// <summary>Builds the filter from scan options (ignore file, VEX files) as of <paramref name="today"/>.</summary>
    public static FindingFilter FromOptions(ScanOptions options, DateOnly today, List<Diagnostic> diagnostics)
    {
        var ignores = new List<IgnoreEntry>();
        if (options.IgnoreDocument is { } document)
        {
            var path = document.Name;
            var file = IgnoreFile.Load(document);
            ignores.AddRange(file.Active(today));
            foreach (var expired in file.Expired(today))
            {
                diagnostics.Add(new Diagnostic
                {
                    Source = "ignore-file",
                    Path = path,
                    Message = $"ignore entry {expired.Id} expired on {expired.Expires:yyyy-MM-dd}; the finding is reported again",
                });
            }
        }

        var vex = new List<VexStatement>();
        foreach (var vexDocument in options.VexDocuments)
        {
            vex.AddRange(VexDocument.Load(vexDocument, vex.Count));
        }

        return new FindingFilter(ignores, vex, options.Severities, options.IgnoreUnfixed);
    }

    public List<VulnerabilityFinding> Apply(IEnumerable<VulnerabilityFinding> findings, ImageMetadata? image) =>
        [.. findings.Where(f => Keep(f, image))];

    public bool Keep(VulnerabilityFinding finding, ImageMetadata? image)
    {
        if (_severities.Count > 0 && !_severities.Contains(finding.Severity))
        {
            return false;
        }

        if (_ignoreUnfixed && finding.FixedVersions.Count == 0)
        {
            return false;
        }

        if (_ignores.Any(i => Names(finding, i.Id)))
        {
            return false;
        }

        return !SuppressedByVex(finding, image);
    }

    private bool SuppressedByVex(VulnerabilityFinding finding, ImageMetadata? image)
    {
        if (_vex.Count == 0)
        {
            return false;
        }

        var package = PurlPattern.Parse(finding.PackagePurl);
        VexStatement? last = null;
        foreach (var statement in _vex)
        {
            if (!statement.VulnerabilityIds.Any(id => Names(finding, id)) || !AppliesTo(statement, package, image))
            {
                continue;
            }

            if (last is null || Later(statement, last))
            {
                last = statement;
            }
        }

        return last?.Suppresses == true;
    }

    private static bool Later(VexStatement a, VexStatement b)
    {
        var ta = a.Timestamp ?? DateTimeOffset.MinValue;
        var tb = b.Timestamp ?? DateTimeOffset.MinValue;
        return ta != tb ? ta > tb : a.Sequence > b.Sequence;
    }

    /// <summary>
    /// A product that is the image (pkg:oci, or a sha-256 hash) applies to the image's findings, narrowed by its
    /// subcomponents when it lists any; a product that is a package purl applies to that package.
    /// </summary>
    private static bool AppliesTo(VexStatement statement, PurlPattern? package, ImageMetadata? image)
    {
        foreach (var product in statement.Products)
        {
            var isImage = product.Purl is { Type: "oci" } || (product.Purl is null && product.Sha256 is not null);
            if (isImage)
            {
                if (!ImageMatches(product, image))
                {
                    continue;
                }

                if (product.Subcomponents.Count == 0 || (package is not null && product.Subcomponents.Any(s => s.Matches(package))))
                {
                    return true;
                }
            }
            else if (package is not null && (product.Purl?.Matches(package) == true || product.Subcomponents.Any(s => s.Matches(package))))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ImageMatches(VexProduct product, ImageMetadata? image)
    {
        var digest = product.Purl?.Version ?? (product.Sha256 is { } h ? "sha256:" + h : null);
        if (digest is null || image is null)
        {
            return true;
        }

        return string.Equals(digest, image.ManifestDigest, StringComparison.OrdinalIgnoreCase)
            || string.Equals(digest, image.ConfigDigest, StringComparison.OrdinalIgnoreCase);
    }

    private static bool Names(VulnerabilityFinding finding, string id) =>
        string.Equals(finding.Id, id, StringComparison.OrdinalIgnoreCase)
        || finding.Aliases.Any(a => string.Equals(a, id, StringComparison.OrdinalIgnoreCase));
}
