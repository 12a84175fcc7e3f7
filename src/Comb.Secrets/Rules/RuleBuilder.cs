using Comb.Contracts;

namespace Comb.Secrets.Rules;

/// <summary>Shorthands for the two shapes most built-in rules take.</summary>
internal static class RuleBuilder
{
    /// <summary>What may follow a token: a quote, whitespace, a statement end, an escaped newline, or the end.</summary>
    public const string TokenEnd = @"(?:[\x60'""\s;,<&]|\\[nrt]|\z)";

    /// <summary>Operators that bind a name to a value across languages and config formats, the comma aside.</summary>
    internal const string BindingOperators = @"[:?.!+|]{0,3}=>?|:";

    /// <summary>The operators plus ',' (pairs such as ("key", "value")), and '>' and '||'.</summary>
    internal const string Binding = "(?:" + BindingOperators + @"|,|>|\|\|)";

    /// <summary>
    /// A value bound to a name that mentions the service: <c>name[suffix] &lt;op&gt; [quote] value</c>.
    /// <paramref name="names"/> is a regex alternation; <paramref name="value"/> the credential's shape.
    /// </summary>
    public static string Assigned(string names, string value) =>
        $@"(?i)(?:{names})[\w.\- \t]{{0,25}}?[ \t'""\x60\]]{{0,3}}{Binding}[\s'""\x60=]{{0,10}}(?<secret>{value}){TokenEnd}";

    /// <summary>A self-identifying token (distinct prefix), with the secret being the token itself.</summary>
    /// <remarks>
    /// <paramref name="wordStart"/> false marks a long, distinctive prefix (ghp_, glpat-): the token must
    /// start a word but may run on, as such tokens are often cut out of longer strings.
    /// </remarks>
    public static string Token(string token, bool wordStart = true) =>
        wordStart ? $@"\b(?<secret>{token}){TokenEnd}" : $@"\b(?<secret>{token})";

    public static SecretRule A(string id, string title, string category, Severity severity, string keywords, string value,
        double? entropy = null, string? names = null) => new()
        {
            Id = id,
            Title = title,
            Category = category,
            Severity = severity,
            Keywords = Split(keywords),
            Pattern = Assigned(names ?? string.Join('|', Split(keywords).Select(System.Text.RegularExpressions.Regex.Escape)), value),
            MinEntropy = entropy,
        };

    public static SecretRule T(string id, string title, string category, Severity severity, string keywords, string token,
        double? entropy = null, bool wordStart = true) => new()
        {
            Id = id,
            Title = title,
            Category = category,
            Severity = severity,
            Keywords = Split(keywords),
            Pattern = Token(token, wordStart),
            MinEntropy = entropy,
        };

    public static SecretRule R(string id, string title, string category, Severity severity, string keywords, string pattern,
        double? entropy = null) => new()
        {
            Id = id,
            Title = title,
            Category = category,
            Severity = severity,
            Keywords = Split(keywords),
            Pattern = pattern,
            MinEntropy = entropy,
        };

    public static IReadOnlyList<string> Split(string keywords) =>
        [.. keywords.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => k.ToLowerInvariant())];
}
