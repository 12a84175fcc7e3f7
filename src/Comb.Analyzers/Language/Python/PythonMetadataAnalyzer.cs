using Comb.Contracts;

namespace Comb.Analyzers.Language.Python;

/// <summary>
/// Installed Python distributions: "*.dist-info/METADATA" (wheels), "*.egg-info/PKG-INFO" and
/// single-file "*.egg-info" (eggs). Core-metadata is RFC 822 headers followed by the description.
/// </summary>
internal sealed class PythonMetadataAnalyzer : LanguageAnalyzer
{
    public override string Id => "python-dist-metadata";

    public override int Version => 1;

    protected override string Kind => "python-pkg";

    public override bool IsRequired(FileMeta meta)
    {
        var file = PathMatch.FileName(meta.Path);
        var parent = PathMatch.FileName(PathMatch.Directory(meta.Path));
        if (file.EndsWith(".egg-info", StringComparison.OrdinalIgnoreCase))
        {
            return meta.Kind == FileKind.Regular;
        }

        return (file == "METADATA" && parent.EndsWith("dist-info", StringComparison.OrdinalIgnoreCase))
            || (file == "PKG-INFO" && parent.EndsWith("egg-info", StringComparison.OrdinalIgnoreCase));
    }

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var headers = CoreMetadata.Read(text);
        var name = headers.First("Name");
        var version = headers.First("Version");
        if (string.IsNullOrWhiteSpace(name))
        {
            context.Warn("no Name header; not Python core metadata");
            return [];
        }

        if (string.IsNullOrWhiteSpace(version))
        {
            // Still an installed distribution; report it so it is visible, with the version unknown.
            context.Warn($"{name}: no Version header");
            version = "";
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in new[] { "Author", "Author-email", "Home-page", "Summary" })
        {
            if (headers.First(key) is { Length: > 0 } v)
            {
                metadata[key.ToLowerInvariant()] = v;
            }
        }

        return [context.Package(PackageTypes.PyPI, name.Trim(), version.Trim(), PythonNames.Purl(name, version.Trim()), Licenses(headers), metadata: metadata)];
    }

    /// <summary>License-Expression (PEP 639) wins; then the License field when short; then OSI classifiers.</summary>
    private static List<string> Licenses(CoreMetadata headers)
    {
        if (headers.First("License-Expression") is { Length: > 0 } expr)
        {
            return [expr.Trim()];
        }

        var license = headers.First("License")?.Trim();
        if (!string.IsNullOrEmpty(license) && license != "UNKNOWN" && !license.Contains('\n', StringComparison.Ordinal) && license.Length < 100)
        {
            return [license];
        }

        return [.. headers.All("Classifier")
            .Where(c => c.StartsWith("License ::", StringComparison.Ordinal))
            .Select(c => c[(c.LastIndexOf("::", StringComparison.Ordinal) + 2)..].Trim())
            .Where(c => c.Length > 0 && c != "OSI Approved")];
    }
}

/// <summary>RFC 822-style headers (with continuation lines) up to the first blank line.</summary>
internal sealed class CoreMetadata
{
    private readonly List<(string Key, string Value)> _headers = [];

    public static CoreMetadata Read(string text)
    {
        var result = new CoreMetadata();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                break;
            }

            if ((line[0] == ' ' || line[0] == '\t') && result._headers.Count > 0)
            {
                var (k, v) = result._headers[^1];
                result._headers[^1] = (k, v + "\n" + line.Trim());
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                result._headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
        }

        return result;
    }

    public string? First(string key) =>
        _headers.FirstOrDefault(h => string.Equals(h.Key, key, StringComparison.OrdinalIgnoreCase)).Value;

    public IEnumerable<string> All(string key) =>
        _headers.Where(h => string.Equals(h.Key, key, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);
}
