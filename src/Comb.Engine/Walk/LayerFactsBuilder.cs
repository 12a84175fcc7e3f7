using Comb.Contracts;

namespace Comb.Engine.Walk;

/// <summary>Collects analyzer results of one layer (thread-safe) and produces sorted, deterministic facts.</summary>
internal sealed class LayerFactsBuilder(LayerDescriptor layer)
{
    private readonly object _gate = new();
    private readonly List<(string Path, OsInfo Os)> _os = [];
    private readonly Dictionary<string, PackageSet> _sets = new(StringComparer.Ordinal);
    private readonly List<SecretFinding> _secrets = [];
    private readonly List<MalwareFinding> _malware = [];
    private readonly List<FileNote> _notes = [];
    private readonly List<Diagnostic> _diagnostics = [];
    private readonly List<PackageDetail> _details = [];
    private readonly List<string> _whiteouts = [];
    private readonly List<string> _opaque = [];
    private readonly List<string> _paths = [];

    public string DiffId => layer.DiffId;

    public void AddPath(string path)
    {
        lock (_gate)
        {
            _paths.Add(path);
        }
    }

    public void AddWhiteout(string path)
    {
        lock (_gate)
        {
            _whiteouts.Add(path);
        }
    }

    public void AddOpaque(string dir)
    {
        lock (_gate)
        {
            _opaque.Add(dir);
        }
    }

    public void Add(string path, AnalysisResult result)
    {
        if (result.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            if (result.Os is { } os)
            {
                _os.Add((path, os));
            }

            foreach (var set in result.PackageSets)
            {
                var packages = set.Packages.Select(p => p with { LayerDiffId = p.LayerDiffId ?? layer.DiffId, Path = p.Path ?? set.FilePath }).ToList();
                var key = set.Kind + "\0" + set.FilePath;
                _sets[key] = _sets.TryGetValue(key, out var existing)
                    ? existing with { Packages = [.. existing.Packages, .. packages] }
                    : set with { Packages = packages };
            }

            _secrets.AddRange(result.Secrets.Select(s => s with { LayerDiffId = s.LayerDiffId ?? layer.DiffId }));
            _malware.AddRange(result.Malware.Select(m => m with { LayerDiffId = m.LayerDiffId ?? layer.DiffId }));
            _notes.AddRange(result.Notes);
            _diagnostics.AddRange(result.Diagnostics.Select(d => d with { LayerDiffId = d.LayerDiffId ?? layer.DiffId }));
            _details.AddRange(result.Details);
        }
    }

    public void AddDiagnostic(Diagnostic diagnostic)
    {
        lock (_gate)
        {
            _diagnostics.Add(diagnostic with { LayerDiffId = diagnostic.LayerDiffId ?? layer.DiffId });
        }
    }

    public LayerFacts Build(long uncompressedSize)
    {
        lock (_gate)
        {
            return new LayerFacts
            {
                DiffId = layer.DiffId,
                Digest = layer.Digest,
                UncompressedSize = uncompressedSize,
                OsCandidates = [.. _os.OrderBy(o => o.Path, StringComparer.Ordinal).Select(o => new OsCandidate(o.Path, o.Os))],
                PackageSets = [.. _sets.Values
                    .Select(s => s with { Packages = [.. s.Packages.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Version, StringComparer.Ordinal).ThenBy(p => p.Path, StringComparer.Ordinal)] })
                    .OrderBy(s => s.FilePath, StringComparer.Ordinal).ThenBy(s => s.Kind, StringComparer.Ordinal)],
                Secrets = [.. _secrets.OrderBy(s => s.Path, StringComparer.Ordinal).ThenBy(s => s.Line).ThenBy(s => s.RuleId, StringComparer.Ordinal)],
                Malware = [.. _malware.OrderBy(m => m.Path, StringComparer.Ordinal)],
                Notes = [.. _notes.OrderBy(n => n.Path, StringComparer.Ordinal).ThenBy(n => n.Kind, StringComparer.Ordinal)],
                Diagnostics = [.. _diagnostics.OrderBy(d => d.Path, StringComparer.Ordinal).ThenBy(d => d.Message, StringComparer.Ordinal)],
                Details = [.. _details.OrderBy(d => d.Path, StringComparer.Ordinal).ThenBy(d => d.Kind, StringComparer.Ordinal)
                    .ThenBy(d => d.PackageName, StringComparer.Ordinal).ThenBy(d => d.Arch, StringComparer.Ordinal)],
                Whiteouts = [.. _whiteouts.Order(StringComparer.Ordinal)],
                OpaqueDirs = [.. _opaque.Order(StringComparer.Ordinal)],
                Paths = [.. _paths.Order(StringComparer.Ordinal)],
            };
        }
    }
}
