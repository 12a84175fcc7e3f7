using System.Globalization;
using Comb.Contracts;

namespace Comb.Analyzers.Os.Rpm;

/// <summary>
/// Installed rpm packages from all three database formats: SQLite (rpmdb.sqlite), Berkeley DB hash (Packages)
/// and ndb (Packages.db), under var/lib/rpm or usr/lib/sysimage/rpm. The format is chosen by the file's magic.
/// Package versions are VERSION-RELEASE with the epoch kept separately.
/// </summary>
public sealed class RpmDbAnalyzer : IFileAnalyzer
{
    private static readonly string[] Dirs = ["var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/"];
    private static readonly string[] Files = ["Packages", "Packages.db", "rpmdb.sqlite"];

    public string Id => "rpm-db";
    public int Version => 2;

    public bool IsRequired(FileMeta meta)
    {
        if (meta.Kind != FileKind.Regular)
        {
            return false;
        }

        foreach (var dir in Dirs)
        {
            if (meta.Path.StartsWith(dir, StringComparison.Ordinal) && Files.Contains(meta.Path[dir.Length..], StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        var diagnostics = new List<Diagnostic>();
        List<byte[]> blobs;
        try
        {
            var file = await Os.AnalyzerSupport.ReadAllAsync(input, cancellationToken).ConfigureAwait(false);
            if (file.Length == 0)
            {
                return Os.AnalyzerSupport.Packages(input, "rpm", []);
            }

            if (SqliteRpmReader.LooksLikeSqlite(file))
            {
                blobs = await SqliteRpmReader.ReadBlobsAsync(file, cancellationToken).ConfigureAwait(false);
            }
            else if (NdbReader.LooksLikeNdb(file))
            {
                blobs = NdbReader.ReadBlobs(file);
            }
            else if (BerkeleyDbHashReader.LooksLikeBdb(file))
            {
                blobs = BerkeleyDbHashReader.ReadValues(file);
            }
            else
            {
                throw new InvalidDataException("not a recognised rpm database (neither SQLite, ndb nor Berkeley DB hash)");
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return Os.AnalyzerSupport.Packages(input, "rpm", [], [Os.AnalyzerSupport.Warning(input, Id, ex.Message)]);
        }

        var packages = new List<Package>();
        var details = new List<PackageDetail>();
        var bad = 0;
        string? firstError = null;
        foreach (var blob in blobs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (blob.Length < 8 + 16)
            {
                // Berkeley DB rpm databases keep a small bookkeeping record (key 0) that is not a header.
                continue;
            }

            try
            {
                var header = RpmHeader.Parse(blob);
                var package = ToPackage(header, input);
                if (package is not null)
                {
                    packages.Add(package);
                    if (FileDigests(header, package.InstalledFiles) is { } digests)
                    {
                        details.Add(new PackageDetail { Path = input.Path, Kind = "rpm", PackageName = package.Name, Arch = package.Arch, FileDigests = digests });
                    }
                }
            }
            catch (InvalidDataException ex)
            {
                bad++;
                firstError ??= ex.Message;
            }
        }

        if (bad > 0)
        {
            diagnostics.Add(Os.AnalyzerSupport.Warning(input, Id, $"{bad} rpm header(s) could not be read, first: {firstError}"));
        }

        return Os.AnalyzerSupport.Packages(input, "rpm", packages, diagnostics) with { Details = details };
    }

    private const long ConfigFile = 1 << 0;
    private const long GhostFile = 1 << 6;

    /// <summary>
    /// The digest rpm records for each regular file ("sha256:HEX" keyed by image path), for verifying files against
    /// their package. FILEDIGESTS holds one hex digest per file (empty for directories and links) in the algorithm
    /// FILEDIGESTALGO names (MD5 when absent). Config files are meant to change and ghost files are not shipped: both
    /// are left out. Null when the header records none or uses an algorithm the scanner does not compute.
    /// </summary>
    internal static IReadOnlyDictionary<string, string>? FileDigests(RpmHeader header, IReadOnlyList<string>? files)
    {
        var digests = header.GetStrings(RpmTags.FileDigests);
        if (files is null || digests.Count != files.Count || DigestAlgorithm(header.GetInt(RpmTags.FileDigestAlgo) ?? 1) is not { } algorithm)
        {
            return null;
        }

        var flags = header.GetInts(RpmTags.FileFlags);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            var path = files[i].TrimStart('/');
            if (digests[i].Length == 0 || path.Length == 0 || flags.Count == files.Count && (flags[i] & (ConfigFile | GhostFile)) != 0)
            {
                continue;
            }

            result[path] = algorithm + ":" + digests[i].ToLowerInvariant();
        }

        return result.Count == 0 ? null : result;
    }

    /// <summary>rpm's PGPHASHALGO numbers for the digests a file note carries.</summary>
    private static string? DigestAlgorithm(long id) => id switch
    {
        1 => "md5",
        2 => "sha1",
        8 => "sha256",
        _ => null,
    };

    private Package? ToPackage(RpmHeader header, AnalysisInput input)
    {
        var name = header.GetString(RpmTags.Name);
        var version = header.GetString(RpmTags.Version);
        if (string.IsNullOrEmpty(name) || name == "gpg-pubkey" || string.IsNullOrEmpty(version))
        {
            return null;
        }

        var release = header.GetString(RpmTags.Release);
        var epoch = header.GetInt(RpmTags.Epoch);
        var arch = header.GetString(RpmTags.Arch);
        var sourceRpm = header.GetString(RpmTags.SourceRpm);
        var vendor = header.GetString(RpmTags.Vendor);
        var license = header.GetString(RpmTags.License);
        var fullVersion = string.IsNullOrEmpty(release) ? version : version + "-" + release;

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["version"] = version };
        Add(metadata, "release", release);
        Add(metadata, "sourceRpm", sourceRpm);
        Add(metadata, "vendor", vendor);
        Add(metadata, "summary", header.GetString(RpmTags.Summary));
        Add(metadata, "modularityLabel", header.GetString(RpmTags.ModularityLabel));
        Add(metadata, "sigMd5", header.GetBinaryHex(RpmTags.SigMd5));
        var size = header.GetInt(RpmTags.Size);
        if (size is not null)
        {
            metadata["size"] = size.Value.ToString(CultureInfo.InvariantCulture);
        }

        var qualifiers = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(qualifiers, "arch", arch);
        if (epoch is not null)
        {
            qualifiers["epoch"] = epoch.Value.ToString(CultureInfo.InvariantCulture);
        }

        Add(qualifiers, "upstream", sourceRpm);
        var (sourceName, sourceVersion) = SplitSourceRpm(sourceRpm);
        return new Package
        {
            Name = name,
            Version = fullVersion,
            Type = PackageTypes.Rpm,
            Epoch = epoch is null ? null : (int)epoch.Value,
            Arch = arch,
            Purl = PackageUrl.Create("rpm", VendorNamespace(vendor), name, fullVersion, qualifiers),
            SourceName = sourceName,
            SourceVersion = sourceVersion,
            Licenses = string.IsNullOrWhiteSpace(license) ? null : [license],
            LayerDiffId = input.LayerDiffId,
            Path = input.Path,
            FoundBy = Id,
            Metadata = metadata,
            InstalledFiles = Files_(header),
        };
    }

    /// <summary>"bash-5.1.8-6.el9.src.rpm" -> ("bash", "5.1.8-6.el9").</summary>
    internal static (string? Name, string? Version) SplitSourceRpm(string? sourceRpm)
    {
        if (string.IsNullOrEmpty(sourceRpm))
        {
            return (null, null);
        }

        var stem = sourceRpm;
        foreach (var suffix in new[] { ".src.rpm", ".nosrc.rpm" })
        {
            if (stem.EndsWith(suffix, StringComparison.Ordinal))
            {
                stem = stem[..^suffix.Length];
            }
        }

        var releaseDash = stem.LastIndexOf('-');
        var versionDash = releaseDash > 0 ? stem.LastIndexOf('-', releaseDash - 1) : -1;
        return versionDash <= 0 ? (stem, null) : (stem[..versionDash], stem[(versionDash + 1)..]);
    }

    private static IReadOnlyList<string>? Files_(RpmHeader header)
    {
        var baseNames = header.GetStrings(RpmTags.BaseNames);
        if (baseNames.Count > 0)
        {
            var dirNames = header.GetStrings(RpmTags.DirNames);
            var dirIndexes = header.GetInts(RpmTags.DirIndexes);
            if (dirIndexes.Count != baseNames.Count)
            {
                return null;
            }

            var files = new List<string>(baseNames.Count);
            for (var i = 0; i < baseNames.Count; i++)
            {
                var d = dirIndexes[i];
                if (d < 0 || d >= dirNames.Count)
                {
                    return null;
                }

                files.Add(dirNames[(int)d] + baseNames[i]);
            }

            return files;
        }

        var old = header.GetStrings(RpmTags.OldFileNames);
        return old.Count == 0 ? null : old;
    }

    private static string? VendorNamespace(string? vendor)
    {
        if (string.IsNullOrEmpty(vendor))
        {
            return null;
        }

        var v = vendor.ToLowerInvariant();
        return v.Contains("red hat", StringComparison.Ordinal) ? "redhat"
            : v.Contains("suse", StringComparison.Ordinal) ? "suse"
            : v.Contains("centos", StringComparison.Ordinal) ? "centos"
            : v.Contains("fedora", StringComparison.Ordinal) ? "fedora"
            : v.Contains("amazon", StringComparison.Ordinal) ? "amazon"
            : v.Contains("rocky", StringComparison.Ordinal) ? "rocky"
            : v.Contains("alma", StringComparison.Ordinal) ? "almalinux"
            : v.Contains("oracle", StringComparison.Ordinal) ? "oracle"
            : v.Contains("vmware", StringComparison.Ordinal) ? "photon"
            : v.Contains("microsoft", StringComparison.Ordinal) ? "mariner"
            : null;
    }

    private static void Add(Dictionary<string, string> map, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            map[key] = value;
        }
    }
}
