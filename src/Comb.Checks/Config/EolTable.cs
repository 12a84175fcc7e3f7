using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;

namespace Comb.Checks.Config;

/// <summary>Support state of one OS release on a given day.</summary>
public enum SupportState
{
    Unknown,
    Supported,

    /// <summary>Past the vendor's security support, within a paid or volunteer extension (LTS/ESM/ELS/LTSS).</summary>
    ExtendedOnly,
    EndOfLife,
}

public sealed record EolRelease
{
    [JsonPropertyName("version")] public required string Version { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("security")] public required DateOnly Security { get; init; }
    [JsonPropertyName("extended")] public DateOnly? Extended { get; init; }
}

public sealed record EolDistro
{
    [JsonPropertyName("family")] public required string Family { get; init; }
    [JsonPropertyName("aliases")] public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>How versions are cut for lookup: "major" (Debian 12.5 -> 12), "major.minor" (Alpine 3.20.1 -> 3.20), "amazon".</summary>
    [JsonPropertyName("match")] public required string Match { get; init; }
    [JsonPropertyName("releases")] public required IReadOnlyList<EolRelease> Releases { get; init; }
}

/// <summary>
/// End-of-life dates per distribution release, shipped as data (Config/eol.json) with the date the table was written,
/// so a finding can say how fresh its source is.
/// </summary>
public sealed class EolTable
{
    [JsonPropertyName("source")] public required string Source { get; init; }
    [JsonPropertyName("written")] public required DateOnly Written { get; init; }
    [JsonPropertyName("distros")] public required IReadOnlyList<EolDistro> Distros { get; init; }

    private static readonly Lazy<EolTable> Embedded = new(LoadEmbedded);

    public static EolTable Default => Embedded.Value;

    public (EolRelease? Release, SupportState State) Lookup(OsInfo os, DateOnly today)
    {
        var family = os.Family.ToLowerInvariant();
        var distro = Distros.FirstOrDefault(d => d.Family == family || d.Aliases.Contains(family, StringComparer.Ordinal));
        if (distro is null || KeyFor(distro.Match, os.Name) is not { } key)
        {
            return (null, SupportState.Unknown);
        }

        var release = distro.Releases.FirstOrDefault(r => r.Version == key);
        if (release is null)
        {
            return (null, SupportState.Unknown);
        }

        var state = today <= release.Security ? SupportState.Supported
            : release.Extended is { } ext && today <= ext ? SupportState.ExtendedOnly
            : SupportState.EndOfLife;
        return (release, state);
    }

    /// <summary>Cuts a release version down to the part the vendor's life cycle is keyed on.</summary>
    internal static string? KeyFor(string match, string version)
    {
        var parts = version.Trim().Split('.', '-', ' ');
        if (parts.Length == 0 || parts[0].Length == 0 || !parts[0].All(char.IsAsciiDigit))
        {
            return null;
        }

        return match switch
        {
            "major" => parts[0],
            "major.minor" => parts.Length > 1 && parts[1].All(char.IsAsciiDigit) && parts[1].Length > 0 ? $"{parts[0]}.{parts[1]}" : null,
            // Amazon Linux: 2023.x -> 2023, 2 -> 2, 2018.03 (and other AMI releases) -> 1
            "amazon" => parts[0] switch
            {
                "2023" => "2023",
                "2" => "2",
                var y when y.Length == 4 && y.StartsWith("20", StringComparison.Ordinal) => "1",
                var other => other,
            },
            _ => null,
        };
    }

    private static EolTable LoadEmbedded()
    {
        using var stream = typeof(EolTable).Assembly.GetManifestResourceStream("Comb.Checks.eol.json")
            ?? throw new InvalidOperationException("Embedded end-of-life table missing");
        return JsonSerializer.Deserialize<EolTable>(stream) ?? throw new InvalidOperationException("End-of-life table is empty");
    }
}
