using Comb.Contracts;
using Comb.Engine.Walk;

namespace Comb.Engine.Apply;

/// <summary>
/// Stacks layer facts in order the way an overlay filesystem would: a later layer that writes, whites out or
/// makes opaque a path hides what earlier layers said about it. Packages keep the layer that last changed their
/// record; secrets and malware in hidden files stay reported, flagged as deleted in a later layer.
/// </summary>
public static class LayerApplier
{
    private sealed record Placed<T>(T Item, int Layer);

    public static ImageInventory Apply(ImageMetadata image, IReadOnlyList<LayerFacts> layers, IEnumerable<AnalysisResult> configResults, Func<IReadOnlyList<OsCandidate>, OsInfo?>? osMerger = null)
    {
        var sets = new Dictionary<(string Kind, string Path), Placed<PackageSet>>();
        var osFiles = new Dictionary<string, Placed<OsInfo>>(StringComparer.Ordinal);
        var notes = new Dictionary<string, List<Placed<FileNote>>>(StringComparer.Ordinal);
        var details = new Dictionary<string, List<PackageDetail>>(StringComparer.Ordinal);
        var secrets = new List<Placed<SecretFinding>>();
        var malware = new List<Placed<MalwareFinding>>();
        var diagnostics = new List<Diagnostic>();
        var layerNotes = new List<LayerNote>();

        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            // Built only when something from an earlier layer could be hidden: never for the first layer, whose path
            // list (the largest, a base image's) then stays unread in its cache entry.
            HashSet<string>? written = null;
            bool Hidden(string path) => (written ??= new HashSet<string>(layer.Paths, StringComparer.Ordinal)).Contains(path)
                || layer.Whiteouts.Any(w => ImagePaths.IsUnder(path, w))
                || layer.OpaqueDirs.Any(d => path != d && ImagePaths.IsUnder(path, d));

            var previous = new Dictionary<(string, string), Placed<PackageSet>>(sets);
            foreach (var key in sets.Keys.Where(k => Hidden(k.Path)).ToList())
            {
                sets.Remove(key);
            }

            foreach (var path in osFiles.Keys.Where(Hidden).ToList())
            {
                osFiles.Remove(path);
            }

            foreach (var path in notes.Keys.Where(Hidden).ToList())
            {
                notes.Remove(path);
            }

            foreach (var path in details.Keys.Where(Hidden).ToList())
            {
                details.Remove(path);
            }

            for (var s = 0; s < secrets.Count; s++)
            {
                if (!secrets[s].Item.DeletedInLaterLayer && !IsConfigPath(secrets[s].Item.Path) && Hidden(secrets[s].Item.Path))
                {
                    secrets[s] = secrets[s] with { Item = secrets[s].Item with { DeletedInLaterLayer = true } };
                }
            }

            for (var m = 0; m < malware.Count; m++)
            {
                if (!malware[m].Item.DeletedInLaterLayer && Hidden(ArchiveRoot(malware[m].Item.Path)))
                {
                    malware[m] = malware[m] with { Item = malware[m].Item with { DeletedInLaterLayer = true } };
                }
            }

            foreach (var set in layer.PackageSets)
            {
                var key = (set.Kind, set.FilePath);
                var attributed = previous.TryGetValue(key, out var before) ? Attribute(set, before.Item) : set;
                sets[key] = new Placed<PackageSet>(attributed, i);
            }

            foreach (var detail in layer.Details)
            {
                if (!details.TryGetValue(detail.Path, out var list))
                {
                    details[detail.Path] = list = [];
                }

                list.Add(detail);
            }

            foreach (var candidate in layer.OsCandidates)
            {
                osFiles[candidate.Path] = new Placed<OsInfo>(candidate.Os, i);
            }

            foreach (var note in layer.Notes)
            {
                if (!notes.TryGetValue(note.Path, out var list))
                {
                    notes[note.Path] = list = [];
                }

                list.Add(new Placed<FileNote>(note, i));
                layerNotes.Add(new LayerNote(layer.DiffId, i, note));
            }

            secrets.AddRange(layer.Secrets.Select(s => new Placed<SecretFinding>(s, i)));
            malware.AddRange(layer.Malware.Select(m => new Placed<MalwareFinding>(m, i)));
            diagnostics.AddRange(layer.Diagnostics);
        }

        foreach (var result in configResults)
        {
            secrets.AddRange(result.Secrets.Select(s => new Placed<SecretFinding>(s, -1)));
            diagnostics.AddRange(result.Diagnostics);
        }

        var candidates = osFiles.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => new OsCandidate(o.Key, o.Value.Item)).ToList();
        var stacked = sets.Values.Select(p => p.Item).OrderBy(s => s.FilePath, StringComparer.Ordinal).ThenBy(s => s.Kind, StringComparer.Ordinal).ToList();
        var visibleDetails = details.Values.SelectMany(d => d).ToList();
        var joined = PackageDetails.Join(stacked, visibleDetails);
        var visibleNotes = notes.Values.SelectMany(l => l).Select(n => n.Item).ToList();
        var integrity = PackageFileIntegrity.Apply(
            [.. malware.Select(m => m.Item).DistinctBy(m => (m.Path, m.Sha256, m.DeletedInLaterLayer)).OrderBy(m => m.Path, StringComparer.Ordinal)],
            visibleDetails,
            [.. visibleNotes.Where(n => n.Kind == FileDigestNote.Kind)]);
        diagnostics.AddRange(integrity.Diagnostics);
        return new ImageInventory
        {
            Image = image,
            Os = osMerger is not null ? osMerger(candidates) : candidates.FirstOrDefault()?.Os,
            PackageSets = InstalledOverDeclared.Resolve(GoSumBesideGoMod.Resolve(OsOwnedFiles.DropLanguageSetsOwnedByOs(joined))),
            Secrets = DedupeSecrets(secrets),
            Malware = integrity.Malware,
            Notes = [.. visibleNotes.Where(n => n.Kind != FileDigestNote.Kind).OrderBy(n => n.Path, StringComparer.Ordinal).ThenBy(n => n.Kind, StringComparer.Ordinal)],
            LayerNotes = [.. layerNotes.Where(n => n.Note.Kind != FileDigestNote.Kind)],
            Diagnostics = diagnostics,
        };
    }

    private static bool IsConfigPath(string path) => path is "ENV" or "LABEL" || path.StartsWith("history[", StringComparison.Ordinal);

    /// <summary>"app.jar!/inner/x.class" lives in "app.jar".</summary>
    private static string ArchiveRoot(string path)
    {
        var bang = path.IndexOf('!', StringComparison.Ordinal);
        return bang > 0 ? path[..bang] : path;
    }

    /// <summary>Packages whose record did not change keep the layer that introduced them.</summary>
    private static PackageSet Attribute(PackageSet current, PackageSet before)
    {
        var earlier = new Dictionary<(string, string, string?), string?>();
        foreach (var p in before.Packages)
        {
            earlier.TryAdd((p.Name, p.Version, p.Arch), p.LayerDiffId);
        }

        return current with
        {
            Packages = [.. current.Packages.Select(p => earlier.TryGetValue((p.Name, p.Version, p.Arch), out var layer) && layer is not null ? p with { LayerDiffId = layer } : p)],
        };
    }

    /// <summary>The same secret seen in several layers is reported once: the visible copy if any, else the earliest.</summary>
    private static List<SecretFinding> DedupeSecrets(List<Placed<SecretFinding>> secrets) =>
        [.. secrets
            .GroupBy(s => (s.Item.Path, s.Item.RuleId, s.Item.Masked, s.Item.Line))
            .Select(g => g.OrderBy(s => s.Item.DeletedInLaterLayer).ThenBy(s => s.Layer).First().Item)
            .OrderBy(s => s.Path, StringComparer.Ordinal).ThenBy(s => s.Line).ThenBy(s => s.RuleId, StringComparer.Ordinal)];
}
