using System.Reflection;
using System.Text;

namespace Comb.Reporting;

/// <summary>SPDX license identifiers and simple expressions, for formats that only accept valid ones.</summary>
internal static class SpdxLicenses
{
    private static readonly Lazy<Dictionary<string, string>> Ids = new(Load);

    private static Dictionary<string, string> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Comb.Reporting.spdx-license-ids.txt")
            ?? throw new InvalidOperationException("SPDX license list resource missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                map.TryAdd(line.Trim(), line.Trim());
            }
        }

        return map;
    }

    /// <summary>The canonical spelling of a listed SPDX id, or null.</summary>
    public static string? Canonical(string id) => Ids.Value.GetValueOrDefault(id.Trim());

    /// <summary>
    /// Rewrites a license text as an SPDX expression when every operand is a listed id ("MIT OR apache-2.0" ->
    /// "MIT OR Apache-2.0"); null when any operand is unknown.
    /// </summary>
    public static string? Expression(string text)
    {
        var tokens = text.Replace("(", " ( ", StringComparison.Ordinal).Replace(")", " ) ", StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0)
        {
            return null;
        }

        var parts = new List<string>();
        foreach (var token in tokens)
        {
            var upper = token.ToUpperInvariant();
            if (upper is "AND" or "OR" or "WITH")
            {
                parts.Add(upper);
            }
            else if (token is "(" or ")")
            {
                parts.Add(token);
            }
            else if (Canonical(token.TrimEnd('+')) is { } id)
            {
                parts.Add(token.EndsWith('+') ? id + "+" : id);
            }
            else
            {
                return null;
            }
        }

        return string.Join(' ', parts).Replace("( ", "(", StringComparison.Ordinal).Replace(" )", ")", StringComparison.Ordinal);
    }

    /// <summary>A LicenseRef- id for a license text that is not on the SPDX list.</summary>
    public static string LicenseRef(string text)
    {
        var sb = new StringBuilder("LicenseRef-");
        foreach (var c in text)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-');
        }

        return sb.ToString();
    }
}
