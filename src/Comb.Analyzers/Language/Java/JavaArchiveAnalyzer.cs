using System.IO.Compression;
using System.Security.Cryptography;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Java;

/// <summary>
/// Java archives (JAR, WAR, EAR, JPI/HPI Jenkins plugins, PAR) read as ZIP. Each archive yields the
/// artifacts its pom.properties files declare; when none of them is the archive itself, its MANIFEST.MF
/// (Implementation-Vendor-Id/Title/Version, Bundle-*) or, last, its file name (name-1.2.3.jar) names it.
/// Nested archives are opened recursively within depth, entry-count and size budgets, so a zip bomb
/// ends with a diagnostic rather than exhausting memory.
/// </summary>
internal sealed class JavaArchiveAnalyzer : LanguageAnalyzer
{
    internal const int MaxDepth = 16;
    internal const int MaxEntries = 200_000;
    internal const long MaxExpandedBytes = 1L << 30;
    internal const long MaxNestedArchiveBytes = 256L * 1024 * 1024;

    private static readonly string[] ArchiveExtensions = [".jar", ".war", ".ear", ".jpi", ".hpi", ".par"];

    public override string Id => "java-archive";

    public override int Version => 2;

    protected override string Kind => "jar";

    protected override long MaxFileSize => 512L * 1024 * 1024;

    public override bool IsRequired(FileMeta meta) => IsArchiveName(meta.Path);

    internal static bool IsArchiveName(string path) =>
        ArchiveExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        byte[] bytes;
        await using (var stream = context.OpenRead())
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            bytes = buffer.ToArray();
        }

        var budget = new Budget(new ArchiveBudget(MaxEntries, MaxNestedArchiveBytes, MaxExpandedBytes));
        var packages = new List<Package>();
        ReadArchive(context, bytes, context.Path, depth: 0, budget, packages, cancellationToken, outer: true);
        return Dedupe(packages);
    }

    /// <summary>The shared archive budget, and whether the depth and size warnings were given (once each per archive).</summary>
    private sealed class Budget(ArchiveBudget archives)
    {
        public ArchiveBudget Archives => archives;
        public bool DepthReported;
        public bool SizeReported;
    }

    private static void ReadArchive(ParseContext context, byte[] bytes, string archivePath, int depth, Budget budget,
        List<Package> packages, CancellationToken cancellationToken, bool outer)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException) when (!outer)
        {
            context.Warn($"{archivePath}: not a readable zip archive; skipped");
            return;
        }

        using (zip)
        {
            var sha1 = Convert.ToHexStringLower(SHA1.HashData(bytes));
            var properties = new List<PomProperties>();
            Manifest? manifest = null;
            var nested = new List<ZipArchiveEntry>();
            foreach (var entry in zip.Entries)
            {
                if (!budget.Archives.CountEntry())
                {
                    context.Warn($"{archivePath}: more than {MaxEntries} zip entries in total; rest skipped");
                    break;
                }

                var name = entry.FullName;
                if (name.EndsWith("pom.properties", StringComparison.Ordinal) && PathMatch.FileName(name) == "pom.properties")
                {
                    if (ReadText(context, entry, archivePath, budget) is { } text && PomProperties.Parse(text) is { } p)
                    {
                        properties.Add(p);
                    }
                }
                else if (string.Equals(name, "META-INF/MANIFEST.MF", StringComparison.OrdinalIgnoreCase))
                {
                    if (ReadText(context, entry, archivePath, budget) is { } text)
                    {
                        manifest = Manifest.Parse(text);
                    }
                }
                else if (IsArchiveName(name) && entry.Length > 0)
                {
                    nested.Add(entry);
                }
            }

            var fileName = PathMatch.FileName(archivePath);
            var fromName = FileNameArtifact.Parse(fileName);
            var own = properties.FirstOrDefault(p => fromName is not null && p.ArtifactId == fromName.Value.ArtifactId && p.Version == fromName.Value.Version)
                ?? (properties.Distinct().ToList() is [var single] && single.ArtifactId == FileNameArtifact.Stem(fileName) ? single : null);
            foreach (var p in properties.Distinct())
            {
                packages.Add(Make(context, p.GroupId, p.ArtifactId, p.Version, archivePath, p == own ? sha1 : null, manifest?.Licenses));
            }

            // A jar with pom.properties is what they say (a distribution-built "slf4j-api.jar" included): its
            // manifest would only add a guessed second name for the same thing. The manifest, then the file
            // name, name only a jar that carries nothing better.
            if (properties.Count == 0)
            {
                if (manifest?.Artifact(fromName?.ArtifactId ?? FileNameArtifact.Stem(fileName), fromName?.Version) is { } m)
                {
                    packages.Add(Make(context, m.GroupId, m.ArtifactId, m.Version, archivePath, sha1, manifest.Licenses));
                }
                else if (fromName is { } f)
                {
                    // Nothing inside names the archive: fall back to "artifact-1.2.3.jar", group unknown.
                    packages.Add(Make(context, null, f.ArtifactId, f.Version, archivePath, sha1, manifest?.Licenses));
                }
            }

            foreach (var entry in nested)
            {
                var nestedPath = $"{archivePath}/{entry.FullName}";
                if (depth + 1 >= MaxDepth)
                {
                    if (!budget.DepthReported)
                    {
                        context.Warn($"{nestedPath}: archives nested more than {MaxDepth} deep; not opened");
                        budget.DepthReported = true;
                    }

                    continue;
                }

                if (!budget.Archives.Fits(entry.Length))
                {
                    if (!budget.SizeReported)
                    {
                        context.Warn($"{nestedPath}: nested archive too large ({entry.Length} bytes, {budget.Archives.Bytes} already expanded); skipped");
                        budget.SizeReported = true;
                    }

                    continue;
                }

                if (ReadBytes(context, entry, nestedPath, budget) is { } inner)
                {
                    ReadArchive(context, inner, nestedPath, depth + 1, budget, packages, cancellationToken, outer: false);
                }
            }
        }
    }

    private static Package Make(ParseContext context, string? groupId, string artifactId, string version, string archivePath, string? sha1,
        IReadOnlyList<string>? licenses)
    {
        var name = groupId is { Length: > 0 } ? $"{groupId}:{artifactId}" : artifactId;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["artifactId"] = artifactId };
        if (groupId is { Length: > 0 })
        {
            metadata["groupId"] = groupId;
        }

        if (sha1 is not null)
        {
            metadata["sha1"] = sha1;
        }

        return context.Package(PackageTypes.Maven, name, version,
            PackageUrl.Create(PackageTypes.Maven, groupId is { Length: > 0 } ? groupId : null, artifactId, version),
            licenses, metadata: metadata, path: archivePath);
    }

    private static byte[]? ReadBytes(ParseContext context, ZipArchiveEntry entry, string path, Budget budget)
    {
        try
        {
            using var stream = entry.Open();
            var read = budget.Archives.Read(stream);
            if (read.TooLarge)
            {
                context.Warn($"{path}: expands beyond the size budget; skipped");
            }

            return read.Content;
        }
        catch (InvalidDataException ex)
        {
            context.Warn($"{path}: corrupt zip entry ({ex.Message}); skipped");
            return null;
        }
    }

    private static string? ReadText(ParseContext context, ZipArchiveEntry entry, string archivePath, Budget budget)
    {
        if (entry.Length > 1024 * 1024)
        {
            return null;
        }

        var bytes = ReadBytes(context, entry, $"{archivePath}/{entry.FullName}", budget);
        return bytes is null ? null : TextDecoding.Decode(bytes);
    }

    private static IEnumerable<Package> Dedupe(List<Package> packages) =>
        packages.GroupBy(p => (p.Name, p.Version, p.Path)).Select(g => g.First());
}

internal sealed record PomProperties(string GroupId, string ArtifactId, string Version)
{
    public static PomProperties? Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }

            var sep = line.IndexOfAny(['=', ':']);
            if (sep > 0)
            {
                values[line[..sep].Trim()] = line[(sep + 1)..].Trim();
            }
        }

        return values.GetValueOrDefault("groupId") is { Length: > 0 } g && values.GetValueOrDefault("artifactId") is { Length: > 0 } a
            && values.GetValueOrDefault("version") is { Length: > 0 } v
            ? new PomProperties(g, a, v)
            : null;
    }
}

/// <summary>META-INF/MANIFEST.MF main section (continuation lines start with one space).</summary>
internal sealed class Manifest
{
    private readonly Dictionary<string, string> _main = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string>? Licenses { get; private set; }

    public static Manifest Parse(string text)
    {
        var manifest = new Manifest();
        string? lastKey = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                break; // end of the main section
            }

            if (line[0] == ' ' && lastKey is not null)
            {
                manifest._main[lastKey] += line[1..];
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                lastKey = line[..colon].Trim();
                manifest._main[lastKey] = line[(colon + 1)..].Trim();
            }
        }

        var licenses = manifest._main
            .Where(kv => kv.Key.StartsWith("Plugin-License-Name", StringComparison.OrdinalIgnoreCase) || kv.Key.Equals("Bundle-License", StringComparison.OrdinalIgnoreCase))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Value)
            .Where(v => v.Length > 0)
            .ToList();
        manifest.Licenses = licenses.Count > 0 ? licenses : null;
        return manifest;
    }

    public string? this[string key] => _main.GetValueOrDefault(key);

    /// <summary>
    /// Group, artifact and version from the manifest, for a jar with no pom.properties. The artifact is an
    /// identifier, never a display name ("Guava: Google Core Libraries for Java"): Implementation-Title or
    /// Specification-Title when it is one, else the file's artifact name, else the last part of Bundle-SymbolicName.
    /// The group is Implementation-Vendor-Id, else the whole Bundle-SymbolicName (as Syft does: the bundle plugin
    /// derives it from the groupId, e.g. com.google.guava for guava).
    /// The version is Implementation-Version, else the file name's, else Specification- or Bundle-Version
    /// (OSGi rewrites qualifiers: 31.1-jre becomes 31.1.0.jre).
    /// </summary>
    public (string? GroupId, string ArtifactId, string Version)? Artifact(string? fileArtifact, string? fileVersion)
    {
        var symbolic = this["Bundle-SymbolicName"]?.Split(';')[0].Trim() is { Length: > 0 } sn ? sn : null;
        var artifact = new[] { this["Implementation-Title"], this["Specification-Title"] }.FirstOrDefault(IsIdentifier)
            ?? (IsIdentifier(fileArtifact) ? fileArtifact : null)
            ?? (symbolic is null ? null : symbolic[(symbolic.LastIndexOf('.') + 1)..]);
        var version = First("Implementation-Version") ?? fileVersion ?? First("Specification-Version", "Bundle-Version");
        if (!IsIdentifier(artifact) || version is null)
        {
            return null;
        }

        var group = First("Implementation-Vendor-Id");
        if (group is null && symbolic is not null && symbolic.Contains('.', StringComparison.Ordinal))
        {
            group = symbolic;
        }

        return (IsIdentifier(group) ? group : null, artifact!, version);
    }

    /// <summary>Maven coordinates are identifiers: letters, digits and ._- only, no spaces or punctuation.</summary>
    private static bool IsIdentifier(string? value) =>
        !string.IsNullOrEmpty(value) && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private string? First(params string[] keys) =>
        keys.Select(k => this[k]).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}

internal static class FileNameArtifact
{
    /// <summary>"slf4j-api.jar" -> "slf4j-api": the file name without its extension.</summary>
    public static string Stem(string fileName)
    {
        var dot = fileName.LastIndexOf('.');
        return dot > 0 ? fileName[..dot] : fileName;
    }

    /// <summary>"commons-lang3-3.9.jar" -> (commons-lang3, 3.9): the version starts at the first "-digit".</summary>
    public static (string ArtifactId, string Version)? Parse(string fileName)
    {
        var dot = fileName.LastIndexOf('.');
        var stem = dot > 0 ? fileName[..dot] : fileName;
        for (var i = 1; i < stem.Length - 1; i++)
        {
            if (stem[i] == '-' && char.IsAsciiDigit(stem[i + 1]))
            {
                return (stem[..i], stem[(i + 1)..]);
            }
        }

        return null;
    }
}
