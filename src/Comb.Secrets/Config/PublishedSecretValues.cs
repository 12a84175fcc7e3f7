using System.Text;
using Comb.Secrets.Rules;

namespace Comb.Secrets.Config;

/// <summary>
/// Pulls the published, non-secret values out of a secret scanner's configuration: documentation sample
/// passwords and API keys that ship in public client code, which a maintained rule set allow-lists one by one.
/// Such values look exactly like live secrets, so only a list can tell them apart; the list is data that is
/// updated with the advisory feeds, not code. Only literal, secret-shaped entries are taken: patterns and
/// ordinary stopwords ("example", "test") are rule logic, not published values.
/// </summary>
public static class PublishedSecretValues
{
    private const int MinLength = 8;

    /// <summary>Reads a gitleaks configuration file and returns its published values, sorted and unique.</summary>
    public static IReadOnlyList<string> FromGitleaksConfig(string toml, string source) =>
        FromConfig(GitleaksConfigReader.Parse(toml, source));

    public static IReadOnlyList<string> FromConfig(SecretConfig config)
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        var combinations = config.Rules.SelectMany(r => r.AllowCombinations).Concat(config.AllowCombinations)
            // An AND allow-list dismisses a value only together with its other criteria: not a published value.
            .Where(c => c.Paths.Count + c.Matches.Count + c.Lines.Count == 0 && (c.Values.Count == 0 || c.Stopwords.Count == 0))
            .ToList();
        var valuePatterns = combinations.SelectMany(c => c.Values)
            .Concat(config.Rules.SelectMany(r => r.AllowValues))
            .Concat(config.AllowRegexes);
        foreach (var pattern in valuePatterns)
        {
            if (TryLiteral(pattern, out var literal) && IsSecretShaped(literal))
            {
                values.Add(literal);
            }
        }

        values.UnionWith(combinations.SelectMany(c => c.Stopwords).Concat(config.AllowValues).Where(IsSecretShaped));
        return [.. values];
    }

    /// <summary>A token a rule could report: no spaces, at least <see cref="MinLength"/> characters, letters and digits.</summary>
    public static bool IsSecretShaped(string value) =>
        value.Length >= MinLength
        && !value.Any(char.IsWhiteSpace)
        && value.Any(char.IsAsciiDigit)
        && value.Any(char.IsAsciiLetter);

    /// <summary>The text a regex matches when it is a plain literal (escaped punctuation allowed, anchors at the ends allowed).</summary>
    public static bool TryLiteral(string pattern, out string literal)
    {
        var span = pattern.AsSpan();
        if (span.StartsWith("^"))
        {
            span = span[1..];
        }

        if (span.EndsWith("$") && !span.EndsWith("\\$"))
        {
            span = span[..^1];
        }

        var sb = new StringBuilder(span.Length);
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c == '\\')
            {
                if (i + 1 >= span.Length || char.IsAsciiLetterOrDigit(span[i + 1]))
                {
                    literal = "";
                    return false;
                }

                sb.Append(span[++i]);
                continue;
            }

            if (c is '.' or '^' or '$' or '*' or '+' or '?' or '(' or ')' or '[' or ']' or '{' or '}' or '|')
            {
                literal = "";
                return false;
            }

            sb.Append(c);
        }

        literal = sb.ToString();
        return literal.Length > 0;
    }
}
