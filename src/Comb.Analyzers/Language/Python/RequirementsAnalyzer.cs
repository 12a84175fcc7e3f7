using Comb.Contracts;

namespace Comb.Analyzers.Language.Python;

/// <summary>
/// pip requirements files: only exactly pinned requirements ("name==1.2.3", "name===1.2.3") name an
/// installed version; ranges, URLs and options (-r, -e, --hash) are skipped.
/// </summary>
internal sealed class RequirementsAnalyzer : LanguageAnalyzer
{
    public override string Id => "python-requirements";

    public override int Version => 2;

    protected override string Kind => "pip";

    public override bool IsRequired(FileMeta meta)
    {
        var file = PathMatch.FileName(meta.Path);
        return file.EndsWith(".txt", StringComparison.Ordinal)
            && (file.StartsWith("requirements", StringComparison.Ordinal) || file.EndsWith("requirements.txt", StringComparison.Ordinal)
                || PathMatch.FileName(PathMatch.Directory(meta.Path)) == "requirements");
    }

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var packages = new List<Package>();
        foreach (var logical in LogicalLines(text))
        {
            if (Parse(logical) is { } req)
            {
                packages.Add(context.Package(PackageTypes.PyPI, req.Name, req.Version, PythonNames.Purl(req.Name, req.Version)));
            }
        }

        return packages;
    }

    /// <summary>Joins backslash continuations and drops comments (" #..." or a line starting with '#').</summary>
    internal static IEnumerable<string> LogicalLines(string text)
    {
        var pending = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            line = line.TrimEnd();
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var full = (pending + line).Trim();
            pending = "";
            if (full.Length > 0)
            {
                yield return full;
            }
        }

        if (pending.Trim().Length > 0)
        {
            yield return pending.Trim();
        }
    }

    internal static (string Name, string Version)? Parse(string line)
    {
        if (line.StartsWith('-'))
        {
            return null; // -r, -e, --index-url, ...
        }

        var semi = line.IndexOf(';', StringComparison.Ordinal);
        if (semi >= 0)
        {
            line = line[..semi];
        }

        var options = line.IndexOf(" --", StringComparison.Ordinal);
        if (options >= 0)
        {
            line = line[..options];
        }

        var op = line.IndexOf("==", StringComparison.Ordinal);
        if (op <= 0)
        {
            return null;
        }

        var namePart = line[..op].Trim();
        var version = line[(op + 2)..].TrimStart('=').Trim();
        var at = version.IndexOf(" @", StringComparison.Ordinal);
        if (at >= 0)
        {
            version = version[..at].Trim();
        }

        var bracket = namePart.IndexOf('[', StringComparison.Ordinal);
        if (bracket >= 0)
        {
            namePart = namePart[..bracket].Trim();
        }

        if (namePart.Length == 0 || version.Length == 0 || version.Contains(',', StringComparison.Ordinal)
            || version.Contains('*', StringComparison.Ordinal) || version.Contains(' ', StringComparison.Ordinal)
            || namePart.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            || !LooksLikeVersion(version))
        {
            return null;
        }

        return (namePart, version);
    }

    /// <summary>A PEP 440 version starts with a digit (optionally "v" or an "N!" epoch) and holds only version characters; anything else (quotes, template syntax) is not a pin.</summary>
    private static bool LooksLikeVersion(string version)
    {
        var body = version.StartsWith('v') || version.StartsWith('V') ? version[1..] : version;
        return body.Length > 0 && char.IsAsciiDigit(body[0])
            && body.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+' or '!');
    }
}
