namespace Comb.Contracts.Archives;

/// <summary>What a nested-archive walk opens, and how it names what it finds.</summary>
public sealed record NestedArchiveOptions
{
    public ArchiveLimits Limits { get; init; } = new();

    /// <summary>The formats opened, the outermost archive included.</summary>
    public ArchiveFormats Formats { get; init; } = ArchiveFormats.All;

    /// <summary>
    /// When set, only entries whose names it accepts are opened as archives (read as zip when their first bytes do not
    /// tell, as an executable jar's do not), and one that does not open is noted. When null, every entry is read and
    /// opened when its first bytes are those of an enabled format.
    /// </summary>
    public Func<string, bool>? ArchiveNames { get; init; }

    /// <summary>Joins the links of an entry's chain into its <see cref="NestedEntry.Path"/>.</summary>
    public string Separator { get; init; } = "!/";
}
