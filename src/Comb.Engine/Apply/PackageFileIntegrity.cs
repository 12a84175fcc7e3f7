using Comb.Contracts;

namespace Comb.Engine.Apply;

/// <summary>
/// Integrity beats guessing: compares the digests of files the malware scanner read with the digests the package
/// databases record (dpkg md5sums, apk checksums). A file that still matches its package is the distribution's own:
/// a web-shell verdict on it (a model's guess) is not reported but noted. A package file whose content differs is
/// a finding of its own ("modified-package-file"). Files under etc/ are configuration and expected to change.
/// </summary>
public static class PackageFileIntegrity
{
    public const string Category = "modified-package-file";

    private static readonly string[] MergedUsrDirs = ["bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"];

    public sealed record Outcome(IReadOnlyList<MalwareFinding> Malware, IReadOnlyList<Diagnostic> Diagnostics);

    /// <param name="details">Package details still visible after stacking.</param>
    /// <param name="digestNotes">Visible <see cref="FileDigestNote"/> notes: the content of each file as the image has it.</param>
    public static Outcome Apply(IReadOnlyList<MalwareFinding> malware, IReadOnlyList<PackageDetail> details, IReadOnlyList<FileNote> digestNotes)
    {
        // Nothing was read to compare (no malware scanner): the recorded digests are not even decoded (a layer cache
        // entry keeps them apart until asked for).
        if (digestNotes.Count == 0)
        {
            return new Outcome(malware, []);
        }

        // A path may be recorded by several packages (rpm multilib pairs such as glibc.i686 and glibc.x86_64 share
        // paths, and rpm keeps the preferred architecture's file): matching any of them verifies the file.
        var recorded = new Dictionary<string, List<(string Digest, string Kind, string Package)>>(StringComparer.Ordinal);
        foreach (var detail in details.OrderBy(d => d.Path, StringComparer.Ordinal).ThenBy(d => d.PackageName, StringComparer.Ordinal))
        {
            foreach (var (path, digest) in detail.FileDigests ?? new Dictionary<string, string>())
            {
                if (!recorded.TryGetValue(path, out var entries))
                {
                    recorded[path] = entries = [];
                }

                entries.Add((digest, detail.Kind, detail.PackageName));
            }
        }

        if (recorded.Count == 0)
        {
            return new Outcome(malware, []);
        }

        var verified = new Dictionary<string, string>(StringComparer.Ordinal);
        var modified = new List<MalwareFinding>();
        foreach (var note in digestNotes.OrderBy(n => n.Path, StringComparer.Ordinal))
        {
            if (Lookup(recorded, note.Path) is not { } entries)
            {
                continue;
            }

            var compared = entries.Select(e =>
            {
                var colon = e.Digest.IndexOf(':', StringComparison.Ordinal);
                var algorithm = e.Digest[..colon];
                return (Entry: e, Algorithm: algorithm, Expected: e.Digest[(colon + 1)..], Actual: FileDigestNote.Digest(note, algorithm));
            }).Where(c => c.Actual is not null).ToList();
            if (compared.Count == 0)
            {
                continue;
            }

            var match = compared.FindIndex(c => c.Actual!.Equals(c.Expected, StringComparison.OrdinalIgnoreCase));
            var (entry, algorithm, expected, actual) = compared[Math.Max(match, 0)];
            if (match >= 0)
            {
                verified[note.Path] = $"{entry.Kind} package {entry.Package}";
            }
            else if (!note.Path.StartsWith("etc/", StringComparison.Ordinal))
            {
                modified.Add(new MalwareFinding
                {
                    Path = note.Path,
                    Engines = ["package-db"],
                    Signatures = [$"modified package file ({entry.Kind} package {entry.Package})"],
                    Category = Category,
                    Severity = Severity.Medium,
                    Sha256 = FileDigestNote.Digest(note, "sha256") ?? "",
                    Evidence = [$"{algorithm} {actual} differs from {expected} recorded by {entry.Kind} for package {entry.Package}"],
                });
            }
        }

        var diagnostics = new List<Diagnostic>();
        var kept = new List<MalwareFinding>();
        foreach (var finding in malware)
        {
            if (!finding.DeletedInLaterLayer && IsGuess(finding) && verified.TryGetValue(finding.Path, out var owner))
            {
                diagnostics.Add(new Diagnostic
                {
                    Message = $"web-shell verdict ({string.Join(", ", finding.Signatures)}) not reported: the file's digest matches the one recorded by {owner}",
                    Path = finding.Path,
                    LayerDiffId = finding.LayerDiffId,
                    Source = "package-integrity",
                });
                continue;
            }

            kept.Add(finding);
        }

        // A file both modified and flagged is reported once, with both reasons.
        foreach (var change in modified)
        {
            var index = kept.FindIndex(f => f.Path == change.Path && !f.DeletedInLaterLayer);
            if (index >= 0)
            {
                var f = kept[index];
                kept[index] = f with
                {
                    Engines = [.. f.Engines, .. change.Engines],
                    Signatures = [.. f.Signatures, .. change.Signatures],
                    Evidence = [.. f.Evidence, .. change.Evidence],
                };
            }
            else
            {
                kept.Add(change);
            }
        }

        return new Outcome([.. kept.OrderBy(m => m.Path, StringComparer.Ordinal)], diagnostics);
    }

    /// <summary>Only heuristic web-shell verdicts yield to integrity; a blocklisted digest or a ClamAV signature stays reported.</summary>
    private static bool IsGuess(MalwareFinding finding) =>
        finding.Category == "webshell" && finding.Engines.All(e => e is "webshell" or "yara");

    /// <summary>The record for a path as written, or under its other name on a merged-/usr system.</summary>
    private static List<(string Digest, string Kind, string Package)>? Lookup(Dictionary<string, List<(string Digest, string Kind, string Package)>> recorded, string path)
    {
        if (recorded.TryGetValue(path, out var entry))
        {
            return entry;
        }

        if (path.StartsWith("usr/", StringComparison.Ordinal) && MergedUsrDirs.Any(d => path.AsSpan(4).StartsWith(d, StringComparison.Ordinal)))
        {
            return recorded.TryGetValue(path[4..], out entry) ? entry : null;
        }

        return MergedUsrDirs.Any(d => path.StartsWith(d, StringComparison.Ordinal)) && recorded.TryGetValue("usr/" + path, out entry) ? entry : null;
    }
}
