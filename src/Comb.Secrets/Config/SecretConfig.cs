using Comb.Contracts;
using Comb.Secrets.Files;
using Comb.Secrets.Rules;

namespace Comb.Secrets.Config;

/// <summary>What a user's --secret-config file asks for, after parsing and validation.</summary>
public sealed record SecretConfig
{
    public static readonly SecretConfig Default = new();

    /// <summary>Extra content rules.</summary>
    public IReadOnlyList<SecretRule> Rules { get; init; } = [];

    /// <summary>Run the built-in content rules at all? False when a full rule set (e.g. a gitleaks config) replaces them.</summary>
    public bool UseBuiltinRules { get; init; } = true;

    /// <summary>Built-in content or file rule ids to switch off.</summary>
    public IReadOnlySet<string> DisabledRules { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>When non-empty, only these built-in content rules run (custom rules always run).</summary>
    public IReadOnlySet<string> EnabledRules { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Severity> SeverityOverrides { get; init; } = new Dictionary<string, Severity>(StringComparer.Ordinal);

    /// <summary>Global allow-list: path regexes, value regexes and literal values.</summary>
    public IReadOnlyList<string> AllowPaths { get; init; } = [];
    public IReadOnlyList<string> AllowRegexes { get; init; } = [];
    public IReadOnlyList<string> AllowValues { get; init; } = [];

    /// <summary>Allow-lists applied to every content rule, with criteria that go beyond a path or a value.</summary>
    public IReadOnlyList<AllowCombination> AllowCombinations { get; init; } = [];

    /// <summary>Keep the built-in path allow-list (documentation, test data inside packages)?</summary>
    public bool UseDefaultAllowPaths { get; init; } = true;

    public bool SensitiveFilesEnabled { get; init; } = true;
    public IReadOnlyList<SensitiveFileRule> FileRules { get; init; } = [];

    public long? MaxFileBytes { get; init; }
}
