using Comb.Contracts;

namespace Comb.Secrets.Rules;

/// <summary>
/// One content rule: keywords gate it, a regex finds candidates (the credential in the named group
/// <c>secret</c>, or the whole match), then entropy and allow-lists drop the look-alikes.
/// </summary>
public sealed record SecretRule
{
    /// <summary>Stable kebab-case id shown in reports.</summary>
    public required string Id { get; init; }
    public required string Title { get; init; }
    public string Category { get; init; } = "general";
    public Severity Severity { get; init; } = Severity.High;

    /// <summary>Lower-case literals; the rule runs on a file only when one of them occurs. Empty = always runs.</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    /// <summary>.NET regex; the secret is the group named <c>secret</c> when present, else the whole match.</summary>
    public required string Pattern { get; init; }

    /// <summary>Minimum Shannon entropy (bits per char) of the secret; null = no check.</summary>
    public double? MinEntropy { get; init; }

    /// <summary>
    /// Minimum entropy for values made only of hex digits, whose 16-letter alphabet caps entropy at 4 bits
    /// (a random 24-32 digit hex key measures about 3.3-3.8); null = <see cref="MinEntropy"/> applies.
    /// </summary>
    public double? MinHexEntropy { get; init; }

    /// <summary>Regexes tried against the secret value; a match means "not a secret".</summary>
    public IReadOnlyList<string> AllowValues { get; init; } = [];

    /// <summary>Regexes tried against the whole match (the key name and separator included).</summary>
    public IReadOnlyList<string> AllowMatches { get; init; } = [];

    /// <summary>Regexes tried against the full line the secret starts on.</summary>
    public IReadOnlyList<string> AllowLines { get; init; } = [];

    /// <summary>Case-insensitive substrings; a secret containing one is ignored.</summary>
    public IReadOnlyList<string> Stopwords { get; init; } = [];

    /// <summary>Allow-lists whose criteria must all match together (see <see cref="AllowCombination"/>).</summary>
    public IReadOnlyList<AllowCombination> AllowCombinations { get; init; } = [];

    /// <summary>Regexes over the file path; the rule is skipped for matching paths.</summary>
    public IReadOnlyList<string> AllowPaths { get; init; } = [];

    /// <summary>When set, the rule only runs on files whose path matches this regex.</summary>
    public string? PathPattern { get; init; }

    /// <summary>Skips the global placeholder checks (repeated characters, alphabet runs) for formats that contain them.</summary>
    public bool KeepPlaceholders { get; init; }

    /// <summary>Generic rules yield to a specific rule that found the same value.</summary>
    public bool IsGeneric { get; init; }

    /// <summary>
    /// Skip matches inside XML comments (<c>&lt;!-- --&gt;</c>): for rules over XML configuration, where shipped
    /// files document their settings with commented-out sample credentials that no program reads.
    /// </summary>
    public bool IgnoreXmlComments { get; init; }
}
