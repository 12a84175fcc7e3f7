namespace Comb.Contracts.Archives;

/// <summary>Bounds on looking inside archives, so that a decompression bomb cannot exceed them.</summary>
public sealed record ArchiveLimits
{
    /// <summary>Archive levels opened, the outermost one included: 3 opens a jar in a tar in a gzip, and no deeper.</summary>
    public int MaxDepth { get; init; } = 3;

    /// <summary>Entries read in one walk, over every level.</summary>
    public int MaxEntries { get; init; } = 2000;

    /// <summary>Bytes one entry may expand to.</summary>
    public long MaxEntryBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Bytes all the entries of one walk may expand to.</summary>
    public long MaxTotalBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Bytes out per compressed byte beyond which an entry is taken for a decompression bomb.</summary>
    public int MaxRatio { get; init; } = 100;

    /// <summary>
    /// What an entry may expand to at any ratio: files of zeros or repeated lines compress extremely well, and padding
    /// must not be a cheap way to keep a file from being scanned.
    /// </summary>
    public long RatioGraceBytes { get; init; } = 8L * 1024 * 1024;
}
