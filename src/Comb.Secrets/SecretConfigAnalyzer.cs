using System.Globalization;
using Comb.Contracts;
using Comb.Secrets.Engine;

namespace Comb.Secrets;

/// <summary>
/// Finds secrets in the image config: ENV values, LABEL values and the build history (RUN lines,
/// ARG values recorded as "|N NAME=value", ENV instructions). These survive any file deletion.
/// </summary>
public sealed class SecretConfigAnalyzer : IConfigAnalyzer
{
    private readonly Lazy<SecretScanner> _scanner;

    public SecretConfigAnalyzer(SecretScanner scanner)
        : this(new Lazy<SecretScanner>(scanner), "")
    {
    }

    /// <param name="scanner">Built on first use: a scan that finds this analysis cached never asks for it.</param>
    /// <param name="configFingerprint">The rule set's fingerprint, part of <see cref="CacheKey"/>.</param>
    public SecretConfigAnalyzer(Lazy<SecretScanner> scanner, string configFingerprint)
    {
        _scanner = scanner;
        CacheKey = $"{Id}@{Version}+{configFingerprint}";
    }

    public string Id => "secret-config";

    public int Version => 1;

    public string CacheKey { get; }

    public ValueTask<AnalysisResult> AnalyzeAsync(ImageMetadata image, CancellationToken cancellationToken)
    {
        var findings = new List<SecretFinding>();
        var config = image.Config.Config;
        foreach (var env in config?.Env ?? [])
        {
            cancellationToken.ThrowIfCancellationRequested();
            Collect(findings, "ENV", env, SplitAssignment(env, '='));
        }

        foreach (var (key, value) in (config?.Labels ?? new Dictionary<string, string>()).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            Collect(findings, "LABEL", key + "=" + value, [(key, value)]);
        }

        var history = image.Config.History ?? [];
        for (var i = 0; i < history.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (history[i].CreatedBy is { Length: > 0 } createdBy)
            {
                Collect(findings, "history[" + i.ToString(CultureInfo.InvariantCulture) + "]", createdBy, HistoryAssignments.Parse(createdBy));
            }
        }

        return ValueTask.FromResult(findings.Count == 0 ? AnalysisResult.Empty : new AnalysisResult { Secrets = findings });
    }

    private void Collect(List<SecretFinding> findings, string location, string text, IEnumerable<(string Name, string Value)> assignments)
    {
        var found = _scanner.Value.Detector.ScanText(location, text).Select(f => f with { Line = null }).ToList();
        foreach (var (name, value) in assignments)
        {
            if (found.Count == 0 && SecretVariables.IsSecret(name, value))
            {
                found.Add(SecretVariables.Finding(location, name, value, text));
            }
        }

        findings.AddRange(found);
    }

    private static IEnumerable<(string, string)> SplitAssignment(string text, char separator)
    {
        var i = text.IndexOf(separator, StringComparison.Ordinal);
        return i > 0 ? [(text[..i], text[(i + 1)..])] : [];
    }
}
