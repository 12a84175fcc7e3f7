using System.Globalization;
using Comb.Contracts;
using YamlDotNet.RepresentationModel;

namespace Comb.VulnDb.Filtering;

/// <summary>One entry of an ignore file: an id, an optional expiry (the entry stops applying after that day) and a reason.</summary>
internal sealed record IgnoreEntry(string Id, DateOnly? Expires, string? Reason);

/// <summary>
/// The <c>.combignore</c> file. Line form: one id per line, optional <c>exp:YYYY-MM-DD</c>, optional <c># reason</c>:
/// <code>
/// CVE-2023-1234
/// GHSA-p6mc-m468-83gw exp:2027-01-31 # only used at build time
/// </code>
/// YAML form (file ending in .yaml/.yml, or starting with <c>vulnerabilities:</c>):
/// <code>
/// vulnerabilities:
///   - id: CVE-2023-1234
///     expires: 2027-01-31
///     reason: not reachable
/// </code>
/// </summary>
internal sealed class IgnoreFile
{
    private IgnoreFile(IReadOnlyList<IgnoreEntry> entries) => Entries = entries;

    public IReadOnlyList<IgnoreEntry> Entries { get; }

    public static IgnoreFile Load(ScanDocument document)
    {
        var path = document.Name;
        if (document.FilePath is { } file && !File.Exists(file))
        {
            throw new CombInputException($"ignore file not found: {path}", CombErrorKind.NotFound);
        }

        var text = document.Content ?? File.ReadAllText(document.FilePath!);
        var yaml = path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
            || text.TrimStart().StartsWith("vulnerabilities:", StringComparison.Ordinal);
        try
        {
            return new IgnoreFile(yaml ? ParseYaml(text, path) : ParseLines(text, path));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new CombInputException($"ignore file {path} is not valid YAML: {ex.Message}", ex);
        }
    }

    public static IReadOnlyList<IgnoreEntry> ParseLines(string text, string path)
    {
        var entries = new List<IgnoreEntry>();
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            string? reason = null;
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                reason = line[(hash + 1)..].Trim();
                line = line[..hash];
            }

            var tokens = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0)
            {
                continue;
            }

            DateOnly? expires = null;
            foreach (var token in tokens.Skip(1))
            {
                if (token.StartsWith("exp:", StringComparison.OrdinalIgnoreCase))
                {
                    expires = ParseDate(token[4..], path, lineNo);
                }
                else
                {
                    throw new CombInputException($"{path}:{lineNo}: unexpected '{token}' (expected an id, optional exp:YYYY-MM-DD and # reason)");
                }
            }

            entries.Add(new IgnoreEntry(tokens[0], expires, string.IsNullOrEmpty(reason) ? null : reason));
        }

        return entries;
    }

    private static List<IgnoreEntry> ParseYaml(string text, string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var entries = new List<IgnoreEntry>();
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return entries;
        }

        if (!root.Children.TryGetValue(new YamlScalarNode("vulnerabilities"), out var list) || list is not YamlSequenceNode items)
        {
            throw new CombInputException($"ignore file {path}: expected a 'vulnerabilities:' list");
        }

        foreach (var item in items.Children)
        {
            switch (item)
            {
                case YamlScalarNode { Value: { Length: > 0 } id }:
                    entries.Add(new IgnoreEntry(id, null, null));
                    break;
                case YamlMappingNode map:
                    var idValue = Scalar(map, "id") ?? throw new CombInputException($"ignore file {path}: an entry has no id (line {map.Start.Line})");
                    var exp = Scalar(map, "expires") ?? Scalar(map, "exp") ?? Scalar(map, "expired_at");
                    entries.Add(new IgnoreEntry(idValue, exp is null ? null : ParseDate(exp, path, (int)map.Start.Line),
                        Scalar(map, "reason") ?? Scalar(map, "statement")));
                    break;
            }
        }

        return entries;
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode { Value: { Length: > 0 } s } ? s : null;

    private static DateOnly ParseDate(string text, string path, int line) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new CombInputException($"{path}:{line}: expiry '{text}' is not a date (YYYY-MM-DD)");

    /// <summary>Entries still in force on <paramref name="today"/> (an entry expiring today still applies today).</summary>
    public IEnumerable<IgnoreEntry> Active(DateOnly today) => Entries.Where(e => e.Expires is null || e.Expires >= today);

    public IEnumerable<IgnoreEntry> Expired(DateOnly today) => Entries.Where(e => e.Expires < today);
}
