using Comb.Contracts;

namespace Comb.Secrets.Files;

/// <summary>
/// A rule about a file as a whole: its name says it holds credentials or sensitive data (a key store,
/// a shell history, a database). An optional content regex or magic prefix confirms it.
/// </summary>
public sealed record SensitiveFileRule
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public string Category { get; init; } = "sensitive-file";
    public Severity Severity { get; init; } = Severity.High;

    /// <summary>Regex over the in-image path.</summary>
    public required string PathPattern { get; init; }

    /// <summary>Regex over the start of the content (first <see cref="SensitiveFileRules.SniffBytes"/> bytes, as text); null = name is enough.</summary>
    public string? ContentPattern { get; init; }

    /// <summary>Bytes the file must start with (e.g. the SQLite header); null = no check.</summary>
    public byte[]? Magic { get; init; }

    /// <summary>Regexes over the path that exempt a file (package-owned databases, sample files).</summary>
    public IReadOnlyList<string> AllowPaths { get; init; } = [];

    /// <summary>Files this small are not reported (an empty history says nothing).</summary>
    public long MinSize { get; init; }

    /// <summary>When a content rule of this category already reported the file, this rule stays quiet.</summary>
    public string? YieldsToCategory { get; init; }

    public bool NeedsContent => ContentPattern is not null || Magic is not null;
}
