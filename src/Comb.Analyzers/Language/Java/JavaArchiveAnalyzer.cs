using System.Security.Cryptography;
using Comb.Contracts;
using Comb.Contracts.Archives;

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

    /// <summary>How the analyzer walks nested archives: zip only, opening what is named like a Java archive.</summary>
    internal static readonly NestedArchiveOptions WalkOptions = new()
    {
        Limits = new ArchiveLimits { MaxDepth = MaxDepth, MaxEntries = MaxEntries, MaxEntryBytes = MaxNestedArchiveBytes, MaxTotalBytes = MaxExpandedBytes },
        Formats = ArchiveFormats.Zip,
        ArchiveNames = IsArchiveName,
        Separator = "/",
    };

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

        // Each archive collects what its own entries say; it is named once the walk is over, outermost first.
        var archives = new List<JavaArchive> { new(context.Path, bytes) };
        var byPath = new Dictionary<string, JavaArchive>(StringComparer.Ordinal) { [context.Path] = archives[0] };
        var walker = new NestedArchiveWalker(WalkOptions);
        await foreach (var entry in walker.WalkAsync(context.Path, bytes, cancellationToken).ConfigureAwait(false))
        {
            if (entry.IsArchive)
            {
                var archive = new JavaArchive(entry.Path, (await entry.ReadAsync(cancellationToken).ConfigureAwait(false))!);
                archives.Add(archive);
                byPath[entry.Path] = archive;
            }
            else if (entry.Name.EndsWith("pom.properties", StringComparison.Ordinal) && PathMatch.FileName(entry.Name) == "pom.properties")
            {
                if (await ReadTextAsync(entry, cancellationToken).ConfigureAwait(false) is { } text && PomProperties.Parse(text) is { } p)
                {
                    byPath[entry.ArchivePath].Properties.Add(p);
                }
            }
            else if (string.Equals(entry.Name, "META-INF/MANIFEST.MF", StringComparison.OrdinalIgnoreCase))
            {
                if (await ReadTextAsync(entry, cancellationToken).ConfigureAwait(false) is { } text)
                {
                    byPath[entry.ArchivePath].Manifest = Manifest.Parse(text);
                }
            }
        }

        foreach (var note in walker.Notes)
        {
            context.Warn(note);
        }

        return Dedupe([.. archives.SelectMany(a => a.Packages(context))]);
    }

    /// <summary>One archive of the walk: its path, the SHA-1 of its bytes, and the pom.properties and manifest found in it.</summary>
    private sealed class JavaArchive(string path, byte[] bytes)
    {
        private readonly string _sha1 = Convert.ToHexStringLower(SHA1.HashData(bytes));

        public List<PomProperties> Properties { get; } = [];

        public Manifest? Manifest { get; set; }

        public IEnumerable<Package> Packages(ParseContext context)
        {
            var fileName = PathMatch.FileName(path);
            var fromName = FileNameArtifact.Parse(fileName);
            var own = Properties.FirstOrDefault(p => fromName is not null && p.ArtifactId == fromName.Value.ArtifactId && p.Version == fromName.Value.Version)
                ?? (Properties.Distinct().ToList() is [var single] && single.ArtifactId == FileNameArtifact.Stem(fileName) ? single : null);
            foreach (var p in Properties.Distinct())
            {
                yield return Make(context, p.GroupId, p.ArtifactId, p.Version, path, p == own ? _sha1 : null, Manifest?.Licenses);
            }

            // A jar with pom.properties is what they say (a distribution-built "slf4j-api.jar" included): its
            // manifest would only add a guessed second name for the same thing. The manifest, then the file
            // name, name only a jar that carries nothing better.
            if (Properties.Count == 0)
            {
                if (Manifest?.Artifact(fromName?.ArtifactId ?? FileNameArtifact.Stem(fileName), fromName?.Version) is { } m)
                {
                    yield return Make(context, m.GroupId, m.ArtifactId, m.Version, path, _sha1, Manifest.Licenses);
                }
                else if (fromName is { } f)
                {
                    // Nothing inside names the archive: fall back to "artifact-1.2.3.jar", group unknown.
                    yield return Make(context, null, f.ArtifactId, f.Version, path, _sha1, Manifest?.Licenses);
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

    private static async ValueTask<string?> ReadTextAsync(NestedEntry entry, CancellationToken cancellationToken) =>
        entry.Size > 1024 * 1024 ? null
        : await entry.ReadAsync(cancellationToken).ConfigureAwait(false) is { } bytes ? TextDecoding.Decode(bytes) : null;

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
