using Comb.Secrets.Rules;

namespace Comb.Secrets.Engine;

/// <summary>The effective configuration of one detector: rules after overrides, global allow-lists, limits.</summary>
public sealed record DetectorSettings
{
    public required IReadOnlyList<SecretRule> Rules { get; init; }

    /// <summary>Regexes over the in-image path; matching files are not scanned for content secrets.</summary>
    public IReadOnlyList<string> AllowPaths { get; init; } = [];

    /// <summary>Regexes over a secret value; a match dismisses it whatever the rule.</summary>
    public IReadOnlyList<string> AllowValues { get; init; } = [];

    /// <summary>Published, non-secret values (documentation samples, keys shipped in public client code): dismissed by exact match.</summary>
    public IReadOnlyCollection<string> PublishedValues { get; init; } = [];

    /// <summary>Files larger than this are not read for content rules.</summary>
    public long MaxFileBytes { get; init; } = 10L * 1024 * 1024;

    /// <summary>Stop reporting after this many findings in one file (a dump of keys is one problem, not thousands).</summary>
    public int MaxFindingsPerFile { get; init; } = 100;
}
