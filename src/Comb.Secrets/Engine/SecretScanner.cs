using Comb.Contracts;
using Comb.Secrets.Files;

namespace Comb.Secrets.Engine;

/// <summary>
/// Everything the secret analyzer does with one file: file-name rules and content rules over the same
/// bytes, read once. Holds only compiled, immutable state, so one instance serves all layers in parallel.
/// </summary>
public sealed class SecretScanner
{
    private readonly CompiledFileRule[] _fileRules;

    public SecretScanner(DetectorSettings content, IReadOnlyList<SensitiveFileRule> fileRules)
    {
        Detector = new SecretDetector(content);
        _fileRules = [.. fileRules.Select(r => new CompiledFileRule(r))];
    }

    public SecretDetector Detector { get; }

    public long MaxFileBytes => Detector.Settings.MaxFileBytes;

    /// <summary>True when the file is worth opening: a file rule names it, or it may hold text secrets.</summary>
    public bool IsRequired(FileMeta meta)
    {
        // Allow-listed paths (package-manager trees, bundled test data, the user's own) are out for file rules too:
        // a private key under site-packages or a runtime's test folder is the vendor's test fixture.
        if (meta.Kind != FileKind.Regular || Detector.IsPathAllowed(meta.Path))
        {
            return false;
        }

        if (_fileRules.Any(r => r.MatchesPath(meta.Path)))
        {
            return true;
        }

        return meta.Size > 0 && meta.Size <= MaxFileBytes && !BinaryContent.HasBinaryExtension(meta.Path);
    }

    /// <summary>How many bytes the scan needs: all of a text file within the cap, else only the head for file rules.</summary>
    public int BytesNeeded(FileMeta meta) =>
        WantsContent(meta) ? (int)Math.Min(meta.Size, MaxFileBytes) : (int)Math.Min(meta.Size, SensitiveFileRules.SniffBytes);

    /// <summary>Scans one file. <paramref name="content"/> holds the first <see cref="BytesNeeded"/> bytes.</summary>
    public IReadOnlyList<SecretFinding> Scan(FileMeta meta, ReadOnlySpan<byte> content, string? layerDiffId)
    {
        // An allow-listed path is out for content and file rules alike.
        if (Detector.IsPathAllowed(meta.Path))
        {
            return [];
        }

        var findings = new List<SecretFinding>();
        if (IsTextWithinCap(meta))
        {
            findings.AddRange(Detector.ScanBytes(meta.Path, content, layerDiffId));
        }

        foreach (var rule in _fileRules)
        {
            if (!rule.MatchesPath(meta.Path) || !rule.Confirms(meta.Size, content))
            {
                continue;
            }

            if (rule.Rule.YieldsToCategory is { } category && findings.Any(f => f.Category == category))
            {
                continue;
            }

            findings.Add(new SecretFinding
            {
                RuleId = rule.Rule.Id,
                Title = rule.Rule.Title,
                Category = rule.Rule.Category,
                Severity = rule.Rule.Severity,
                Path = meta.Path,
                LayerDiffId = layerDiffId,
                Masked = "(file)",
            });
        }

        return findings;
    }

    private bool WantsContent(FileMeta meta) => IsTextWithinCap(meta) && !Detector.IsPathAllowed(meta.Path);

    private bool IsTextWithinCap(FileMeta meta) => meta.Size <= MaxFileBytes && !BinaryContent.HasBinaryExtension(meta.Path);
}
