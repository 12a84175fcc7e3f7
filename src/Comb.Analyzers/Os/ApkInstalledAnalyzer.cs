using Comb.Contracts;

namespace Comb.Analyzers.Os;

/// <summary>Installed Alpine (and Wolfi/Chainguard) packages from lib/apk/db/installed.</summary>
public sealed class ApkInstalledAnalyzer : IFileAnalyzer
{
    private const string DbPath = "lib/apk/db/installed";

    public string Id => "apk-installed";
    public int Version => 2;

    public bool IsRequired(FileMeta meta) => meta.Kind == FileKind.Regular && meta.Path == DbPath;

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await AnalyzerSupport.ReadTextAsync(input, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            return AnalyzerSupport.Packages(input, "apk", [], [AnalyzerSupport.Warning(input, Id, "cannot read apk database: " + ex.Message)]);
        }

        var diagnostics = new List<Diagnostic>();
        var records = Parse(text, input, diagnostics);
        var packages = Link(records).Select(r => ToPackage(r, input)).ToList();
        var details = records.Where(r => r.Digests.Count > 0)
            .Select(r => new PackageDetail { Path = input.Path, Kind = "apk", PackageName = r.Name!, Arch = r.Arch, FileDigests = r.Digests })
            .ToList();
        return AnalyzerSupport.Packages(input, "apk", packages, diagnostics) with { Details = details };
    }

    private sealed class Record
    {
        public string? Name;
        public string? Version;
        public string? Arch;
        public string? Origin;
        public string? License;
        public string? Maintainer;
        public string? Url;
        public string? Commit;
        public string? BuildTime;
        public readonly List<string> Depends = [];
        public readonly List<string> Provides = [];
        public readonly List<string> Files = [];
        public readonly SortedDictionary<string, string> Digests = new(StringComparer.Ordinal);
        public List<string>? DependsOn;
    }

    private List<Record> Parse(string text, AnalysisInput input, List<Diagnostic> diagnostics)
    {
        var records = new List<Record>();
        var current = new Record();
        var dir = "";
        var lineNo = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNo++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                Flush();
                continue;
            }

            if (line.Length < 2 || line[1] != ':')
            {
                diagnostics.Add(AnalyzerSupport.Warning(input, Id, $"line {lineNo}: not a 'X:value' field, ignored"));
                continue;
            }

            var value = line[2..];
            switch (line[0])
            {
                case 'P': current.Name = value; break;
                case 'V': current.Version = value; break;
                case 'A': current.Arch = value; break;
                case 'o': current.Origin = value; break;
                case 'L': current.License = value; break;
                case 'm': current.Maintainer = value; break;
                case 'U': current.Url = value; break;
                case 'c': current.Commit = value; break;
                case 't': current.BuildTime = value; break;
                case 'D': current.Depends.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries)); break;
                case 'p': current.Provides.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries)); break;
                case 'F': dir = value; break;
                case 'R': current.Files.Add("/" + (dir.Length == 0 ? value : dir + "/" + value)); break;
                case 'Z' when current.Files.Count > 0 && ApkChecksum(value) is { } sha1: current.Digests[current.Files[^1][1..]] = sha1; break;
                default: break;
            }
        }

        Flush();
        return records;

        void Flush()
        {
            if (current.Name is { Length: > 0 } && current.Version is { Length: > 0 })
            {
                records.Add(current);
            }
            else if (current.Name is not null || current.Version is not null)
            {
                diagnostics.Add(AnalyzerSupport.Warning(input, Id, $"record '{current.Name}' without name or version skipped"));
            }

            current = new Record();
            dir = "";
        }
    }

    /// <summary>Resolves D: entries (names, so:, cmd:, file paths) to the installed package that provides them.</summary>
    private static List<Record> Link(List<Record> records)
    {
        var providers = new Dictionary<string, Record>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            providers.TryAdd(record.Name!, record);
            foreach (var provide in record.Provides)
            {
                providers.TryAdd(StripConstraint(provide), record);
            }

            foreach (var file in record.Files)
            {
                providers.TryAdd(file, record);
            }
        }

        foreach (var record in records)
        {
            var deps = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var dep in record.Depends)
            {
                if (dep.StartsWith('!'))
                {
                    continue;
                }

                if (providers.TryGetValue(StripConstraint(dep), out var provider) && provider != record)
                {
                    deps.Add(provider.Name + "@" + provider.Version);
                }
            }

            record.DependsOn = deps.Count == 0 ? null : [.. deps];
        }

        return records;
    }

    /// <summary>"Q1" + base64 of a file's SHA-1, apk's checksum of installed files, as "sha1:HEX"; null for other forms.</summary>
    internal static string? ApkChecksum(string value)
    {
        if (!value.StartsWith("Q1", StringComparison.Ordinal))
        {
            return null;
        }

        Span<byte> digest = stackalloc byte[24];
        return Convert.TryFromBase64String(value[2..], digest, out var written) && written == 20
            ? "sha1:" + Convert.ToHexStringLower(digest[..20])
            : null;
    }

    private static string StripConstraint(string entry)
    {
        var cut = entry.IndexOfAny(['=', '<', '>', '~']);
        return cut < 0 ? entry : entry[..cut];
    }

    private Package ToPackage(Record r, AnalysisInput input)
    {
        var qualifiers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(r.Arch))
        {
            qualifiers["arch"] = r.Arch;
        }

        if (!string.IsNullOrEmpty(r.Origin))
        {
            qualifiers["upstream"] = r.Origin;
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        AddIf(metadata, "maintainer", r.Maintainer);
        AddIf(metadata, "url", r.Url);
        AddIf(metadata, "gitCommit", r.Commit);
        AddIf(metadata, "buildTime", r.BuildTime);
        return new Package
        {
            Name = r.Name!,
            Version = r.Version!,
            Type = PackageTypes.Apk,
            Purl = PackageUrl.Create("apk", "alpine", r.Name!, r.Version, qualifiers),
            SourceName = r.Origin ?? r.Name,
            SourceVersion = r.Version,
            Arch = r.Arch,
            Licenses = string.IsNullOrWhiteSpace(r.License) ? null : [r.License],
            LayerDiffId = input.LayerDiffId,
            Path = input.Path,
            FoundBy = Id,
            Metadata = metadata,
            DependsOn = r.DependsOn,
            InstalledFiles = r.Files.Count == 0 ? null : r.Files,
        };
    }

    private static void AddIf(Dictionary<string, string> map, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            map[key] = value;
        }
    }
}
