namespace Comb.Secrets.Rules;

/// <summary>
/// An allow-list whose criteria must all hold (gitleaks' <c>condition = "AND"</c>): each non-empty list
/// is satisfied when one of its entries matches, and the candidate is dismissed only when every
/// non-empty list is satisfied. A combination with one list is an ordinary allow-list.
/// </summary>
public sealed record AllowCombination
{
    /// <summary>Regexes over the file path.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>Regexes over the secret value.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>Regexes over the whole match.</summary>
    public IReadOnlyList<string> Matches { get; init; } = [];

    /// <summary>Regexes over the line the secret starts on.</summary>
    public IReadOnlyList<string> Lines { get; init; } = [];

    /// <summary>Case-insensitive substrings of the secret.</summary>
    public IReadOnlyList<string> Stopwords { get; init; } = [];

    public bool IsEmpty => Paths.Count + Values.Count + Matches.Count + Lines.Count + Stopwords.Count == 0;
}
